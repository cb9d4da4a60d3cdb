"""Token counts of a Claude call, apart from the client (models/claude.py) so errors.py and the ledger can carry
them without importing `anthropic`."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class ClaudeUsage:
    """Token counts as the API reported them; cache reads and writes are billed apart from `input_tokens`."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0

    def updated(self, reported: Any) -> ClaudeUsage:
        """These counts overwritten by the ones `reported` carries (the API's counts are running totals)."""
        counts = {f.name: getattr(reported, f.name, None) for f in fields(self)}
        return replace(self, **{name: int(value) for name, value in counts.items() if value is not None})

    def plus(self, other: ClaudeUsage | None) -> ClaudeUsage:
        """The counts of two calls together (a tool-use turn makes several)."""
        if other is None:
            return self
        return ClaudeUsage(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})
