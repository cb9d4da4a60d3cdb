"""A password's strength, by zxcvbn (Dropbox's estimator of the guesses an attacker needs), on this machine.
The password is found in the task (quoted, or the word after "password"); it is never echoed back."""

from __future__ import annotations

import re
from dataclasses import dataclass

LABELS = ("very weak", "weak", "fair", "strong", "very strong")
_QUOTED = re.compile(r"""["'“‘`]([^"'”’`\s][^"'”’`]{0,127})["'”’`]""")
_AFTER_WORD = re.compile(r"\bpassword(?:\s+is|\s*:)\s+(\S+)", re.IGNORECASE)
_LAST_TOKEN = re.compile(r"(\S*[^\w\s]\S*|\S*\d\S*)\s*[?.!]*\s*$")


@dataclass(frozen=True)
class PasswordRating:
    score: int  # 0..4
    summary: str


def password_in(text: str) -> str:
    """The password a task asks about."""
    for pattern in (_QUOTED, _AFTER_WORD, _LAST_TOKEN):
        match = pattern.search(text)
        if match:
            candidate = match.group(1).rstrip("?.!,")
            if pattern is not _LAST_TOKEN or not candidate.isalpha():  # "...a good password?" names none
                return candidate
    raise ValueError("no password found: put it in quotes, e.g. 'Summer2024!'")


def has_password(text: str) -> bool:
    """Whether the text quotes or names a password to rate."""
    try:
        password_in(text)
    except ValueError:
        return False
    return True


def rate_password(text: str) -> PasswordRating:
    from zxcvbn import zxcvbn

    verdict = zxcvbn(password_in(text))
    score = int(verdict["score"])
    advice = verdict["feedback"].get("warning") or ""
    time_to_crack = verdict["crack_times_display"]["offline_slow_hashing_1e4_per_second"]
    summary = f"{LABELS[score]} ({score}/4): an attacker with a stolen, properly hashed copy needs about " \
              f"{time_to_crack}" + (f". {advice}" if advice else "") + \
              (". Use a long passphrase or a password manager." if score < 3 else ".")
    return PasswordRating(score, summary)
