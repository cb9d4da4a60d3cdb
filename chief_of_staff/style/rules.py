"""The `[style]` table of department.toml: the house rules a department's answers follow, as data, not Python.

Every key is optional. A malformed value is refused when the department loads, with the key named
("style.max_words: Input should be greater than or equal to 1"), like any other manifest field.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Phrase = str


class HouseStyle(BaseModel):
    """House rules for a department's answers; each one set becomes a code-checked reward (style/checks.py)."""

    model_config = ConfigDict(extra="forbid")

    sign_off: Phrase | None = Field(None, min_length=1, description="The text every answer ends with.")
    start_with: Phrase | None = Field(None, min_length=1, description="What the first line starts with.")
    sections: list[Phrase] = Field(default_factory=list, description="Headings that must appear, in this order, "
                                                                     "each at the start of a line.")
    first_line_choices: list[Phrase] = Field(default_factory=list, description="The allowed words after "
                                             "`start_with` on the first line (or first on it, without one).")
    max_words: int | None = Field(None, ge=1, description="Most words an answer may have.")
    min_words: int | None = Field(None, ge=1, description="Fewest words an answer may have.")
    must_include: list[Phrase] = Field(default_factory=list, description="Words or phrases every answer holds.")
    never_use: list[Phrase] = Field(default_factory=list, description="Words or phrases no answer may hold.")
    max_exclamations: int | None = Field(None, ge=0, description="Most exclamation marks an answer may have.")
    spelling: Literal["en-GB", "en-US"] | None = Field(None, description="British or American spelling.")
    emoji: bool | None = Field(None, description="true: every answer has an emoji; false: none has one.")

    @field_validator("sections", "first_line_choices", "must_include", "never_use")
    @classmethod
    def _phrases(cls, phrases: list[str]) -> list[str]:
        if any(not p.strip() for p in phrases):
            raise ValueError("every entry must be a non-empty word or phrase")
        if len({p.strip().lower() for p in phrases}) < len(phrases):
            raise ValueError("an entry is listed twice")
        return [p.strip() for p in phrases]

    @model_validator(mode="after")
    def _consistent(self) -> HouseStyle:
        if self.min_words and self.max_words and self.min_words > self.max_words:
            raise ValueError(f"min_words ({self.min_words}) is above max_words ({self.max_words})")
        clash = {p.lower() for p in self.must_include} & {p.lower() for p in self.never_use}
        if clash:
            raise ValueError(f"{', '.join(sorted(clash))} is both in must_include and never_use")
        return self

    @property
    def rules(self) -> list[str]:
        """The keys that are set, in the table's order: one reward each."""
        return [key for key, value in self if value not in (None, [])]
