"""Content's tools: length against channel limits, and readability (textstat). The draft is the text in quotes,
or after the first colon or line break, of the task. The examples under each tool are what the local model's tool
choice is matched against (chief_of_staff/tools/selection.py)."""

from __future__ import annotations

import re

from langchain_core.tools import tool

from chief_of_staff.tools.contract import tool_examples

# Characters a channel shows before cutting (an SMS of non-GSM characters, such as emoji, holds 70)
LIMITS = {"SMS": 160, "X post": 280, "meta description": 155, "Instagram caption": 2200}
_WRITE_REQUEST = re.compile(r"\b(?:re)?write\b|\bdraft (?:a|an|the|our|me)\b|\bcompose\b|\bcome up with\b|"
                            r"\bneeds? (?:a|an)\b", re.IGNORECASE)
_QUOTED = re.compile(r"""["“]([^"”]{2,})["”]""")


def draft_in(text: str) -> str:
    """The draft a task asks about: its longest quoted part, else what follows the first colon or line break."""
    quoted = _QUOTED.findall(text)
    if quoted:
        return max(quoted, key=len).strip()
    for separator in (":\n", "\n", ": "):
        if separator in text:
            return text.split(separator, 1)[1].strip()
    return text.strip()


def has_draft(text: str) -> bool:
    """Whether the task gives a draft to measure (quoted, or after a colon or line break) and does not ask for
    writing: in "Write an SMS ... Rules: at most 20 words" the text after the colon is a brief, not a draft. The
    embedder cannot tell "check this SMS" from "write an SMS" (measured on content's training tasks)."""
    draft = draft_in(text)
    return draft != text.strip() and len(draft) >= 2 and not _WRITE_REQUEST.search(text)


@tool_examples(
    "Will this fit in a text message? \"Hi! Your table at Rosa's is booked for 7pm Friday. Reply STOP to opt out.\"",
    "Is this short enough for a tweet: \"Spring sale starts Monday...\"",
    "How many characters is our meta description: \"Family-run bakery in Leeds with fresh bread daily.\"",
    "Count the words in this Instagram caption: \"New menu, same cosy corner...\"",
    applies=has_draft,
)
@tool
def check_length(text: str) -> dict[str, object]:
    """Words and characters of a draft, against the limits of an SMS, an X post, a meta description and an
    Instagram caption."""
    draft = draft_in(text)
    characters = len(draft)
    sms_limit = LIMITS["SMS"] if all(ord(c) < 128 for c in draft) else 70
    fits = {name: characters <= (sms_limit if name == "SMS" else limit) for name, limit in LIMITS.items()}
    verdict = ", ".join(f"{'fits' if ok else 'too long for'} {name}" for name, ok in fits.items())
    return {"result": f"{characters} characters, {len(draft.split())} words: {verdict}",
            "working": f"limits: SMS {sms_limit}, X 280, meta description 155, Instagram 2,200 characters"}


@tool_examples(
    "How readable is this paragraph for our customers? \"Pursuant to the aforementioned policy...\"",
    "What reading level is this product description: \"Our ergonomically optimised chair...\"",
    "Is this email easy to read? \"We are writing to inform you that your account...\"",
    applies=has_draft,
)
@tool
def check_readability(text: str) -> dict[str, object]:
    """Readability of a draft: Flesch reading ease (higher is easier; 60-70 is plain English) and grade level."""
    import textstat  # loads its pronunciation dictionary on first use (about 1.5 s)

    draft = draft_in(text)
    ease = textstat.flesch_reading_ease(draft)
    grade = textstat.flesch_kincaid_grade(draft)
    plain = "plain English" if ease >= 60 else "hard going for many readers: use shorter sentences and words"
    return {"result": f"reading ease {ease:.0f}/100, school grade {grade:.1f}: {plain}",
            "working": "Flesch reading ease and Flesch-Kincaid grade (textstat)"}
