"""The tier price table: which Claude model each cloud tier uses and what a call costs.

Model ids and prices live in `prices.toml` (shipped next to this file, or the file named by `prices_file` in the
settings), with the date they were checked, never in code. Costs are in US dollars.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from chief_of_staff.errors import ConfigError

SHIPPED_PRICES = Path(__file__).with_name("prices.toml")
PER_TOKEN = 1e-6  # prices are quoted per million tokens


class ModelPrice(BaseModel):
    """One Claude model and its prices in USD per million tokens."""

    model: str = Field(min_length=1, description="Anthropic model id, e.g. 'claude-sonnet-5-5'.")
    input: float = Field(ge=0, description="Uncached input tokens.")
    output: float = Field(ge=0, description="Output tokens.")
    cache_write: float = Field(ge=0, description="Input tokens written to the prompt cache.")
    cache_read: float = Field(ge=0, description="Input tokens read from the prompt cache.")

    def cost_usd(self, input_tokens: int = 0, output_tokens: int = 0, cache_read_tokens: int = 0,
                 cache_write_tokens: int = 0) -> float:
        """Dollars for a call's usage, as the Messages API reports it (input_tokens excludes cached ones)."""
        return PER_TOKEN * (input_tokens * self.input + output_tokens * self.output
                            + cache_read_tokens * self.cache_read + cache_write_tokens * self.cache_write)


class PriceTable(BaseModel):
    effective_date: dt.date
    sonnet: ModelPrice
    opus: ModelPrice


def load_prices(path: Path | None = None) -> PriceTable:
    """The price table from `path`, or the shipped one; a bad file is a ConfigError naming it."""
    path = path or SHIPPED_PRICES
    try:
        return PriceTable.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ConfigError(f"cannot read the price table {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigError(f"bad price table {path}: {exc}; see {SHIPPED_PRICES} for the expected fields") from exc
