"""The scorecard's domain error; the CLI turns it into exit code 2 with its message."""

from __future__ import annotations

from chief_of_staff.errors import ChiefOfStaffError


class ScorecardError(ChiefOfStaffError):
    """An answer, an answers file or a thread the scorecard cannot use; the message names the allowed values."""
