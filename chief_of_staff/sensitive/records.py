"""What the health, legal and financial checkers share: a topic word flags only when it is tied to a specific person,
someone else (`people.owner_spans`: "Maria's", his/her, "the client's", "a patient who ...") or the user ("my wife
has cancer", "I was diagnosed with", "I'm going through a divorce"). Topic words alone ("how should we back up patient
records?") and the business's own ("our bank statements") do not flag. Hypothetical people ("what if a patient has an
allergy?") do: a specific-sounding person is treated as a real one."""

from __future__ import annotations

import re

from chief_of_staff.sensitive.people import ROLES, owner_spans
from chief_of_staff.sensitive.text import any_near, spans


def topic(words: str) -> re.Pattern[str]:
    """Topic words, except right after "our" (the business's own records: "our bank statements")."""
    return re.compile(r"(?<!\bour )\b(?:" + words + r")\b", re.IGNORECASE)


_NOT_ME = r"(?!(?:" + ROLES + r"|team|staff|business|company|firm|shop|practice|clinic)(?:s|'s|s'|’s)?(?![a-z]))"
_NOT_DOING = (r"(?!(?:to|writing|drafting|planning|running|organi[sz]ing|hosting|launching|creating|making|designing"
              r"|preparing|updating|selling|offering|stocking|hiring)\b)")  # "I'm planning a mental health day"
_NOT_A_THEME = r"(?![\s-]+(?:awareness|friendly|policy|policies|campaign|law|charity|research)\b)"  # "allergy-friendly"


def first_person(words: str) -> re.Pattern[str]:
    """The user as the owner, within a few words in one clause: "my salary", "my wife's diagnosis", "I was diagnosed
    with", "I'm going through a divorce", "sued me". A bare "I" or "me" ("I need a ...", "help me ...") is the user
    asking, not owning; "I'm planning a ..." is the business at work; "my staff's", "my client's" are other people,
    left to `owner_spans`."""
    word = _NOT_ME + r"[a-z'’-]+\s+"
    subject = r"(?:" + words + r")\b" + _NOT_A_THEME
    return re.compile(
        r"\bmy\s+(?:" + word + r"){0,2}" + subject
        + r"|\bi(?:'m|’m|'ve|’ve|\s+(?:am|was|have|had|got))\s+(?:" + _NOT_DOING + word + r"){0,3}" + subject
        + r"|\b(?:" + words + r")\s+(?:for\s+|against\s+|to\s+)?me\b",
        re.IGNORECASE,
    )


AMOUNT = re.compile(  # a sum, not a year: "45000", "1,200", "£950", "3k", "2000 a month"
    r"[£$€]\s?\d|\b\d{1,3}(?:,\d{3})+\b|\b(?!(?:19|20)\d\d\b)\d{4,}\b"
    r"|\b\d+(?:\.\d+)?\s?(?:k|grand|pounds|dollars|euros|gbp|usd|eur)\b|\b\d[\d,.]*\s(?:a|per)\s(?:month|year|week)\b",
    re.IGNORECASE,
)


def tied_to_person(text: str, subject: re.Pattern[str], mine: re.Pattern[str], needs_sum: bool = False) -> bool:
    """A topic word owned by someone else or by the user (`mine`); the user's needs a sum nearby when `needs_sum`:
    "my salary is 45000" flags, "my tax return is due next week" asks about a chore."""
    terms = spans(subject, text)
    if not terms:  # most texts stop here; `mine` only matches around a topic word
        return False
    if needs_sum:
        own = any_near(spans(mine, text), spans(AMOUNT, text), 40)
    else:
        own = mine.search(text) is not None
    return own or any_near(terms, owner_spans(text))
