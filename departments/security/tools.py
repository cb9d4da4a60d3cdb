"""Security's tools: check links for disguise, read pasted email headers, rate a password. All offline.

Arguments named `text` take the task's whole text (the links, headers or password are found in it). The examples
under each tool are what the local model's tool choice is matched against (chief_of_staff/tools/selection.py).
"""

from __future__ import annotations

import re

from langchain_core.tools import tool

from chief_of_staff.tools.contract import tool_examples
from chief_of_staff.tools.email_headers import inspect_headers
from chief_of_staff.tools.links import inspect_link, links_in
from chief_of_staff.tools.passwords import has_password, rate_password


@tool_examples(
    "Is this link safe to click? http://paypa1-secure.com/login",
    "A customer emailed us a link to https://bit.ly/3xYz12 saying it's their invoice. Should I open it?",
    "Check this URL before I log in: https://accounts.google.com.verify-session.info/",
    "The email says 'www.chase.com' but the link goes somewhere else. Is it a scam?",
    "Is https://www.xero.com/login the real site?",
    applies=lambda task: bool(links_in(task)),
)
@tool
def check_links(text: str) -> dict[str, object]:
    """Check every link in the text for lookalike domains, punycode, IP hosts, shorteners and mismatched text."""
    links = links_in(text)
    if not links:
        raise ValueError("no link found in the text: paste the full link, starting with https:// or www.")
    verdicts = [inspect_link(url, shown) for url, shown in links]
    flagged = [v for v in verdicts if v.suspicious]
    if flagged:
        result = "Suspicious: " + "; ".join(f"{v.url}: {', '.join(v.reasons)}" for v in flagged)
    else:
        result = "No sign of disguise in " + ", ".join(v.domain for v in verdicts) + \
            " (this checks for lookalikes, not the site's reputation)"
    return {"result": result, "working": f"checked {len(verdicts)} link(s) offline", "links":
            [v.as_dict() for v in verdicts]}


@tool_examples(
    "Here are the headers of an email from our bank. Is it genuine? From: ... Reply-To: ... Authentication-Results:",
    "Can you check these email headers? Return-Path: <bounce@mailer.xyz> From: \"Accounts\" <billing@ourbank.com>",
    "Received-SPF: fail ... From: CEO <ceo@company.com> Reply-To: ceo.company@gmail.com — is this spoofed?",
    applies=lambda task: bool(re.search(r"^\s*(From|Reply-To|Return-Path|Received|Authentication-Results):", task,
                                        re.IGNORECASE | re.MULTILINE)),
)
@tool
def check_email_headers(text: str) -> dict[str, object]:
    """Read pasted email headers: From, Reply-To and Return-Path mismatches, and SPF, DKIM and DMARC results."""
    report = inspect_headers(text)
    return {"result": report.summary, "working": "read the pasted headers", "findings": report.findings}


@tool_examples(
    "How strong is the password Summer2024! ?",
    "Is 'correct-horse-battery-staple' a good password for our admin account?",
    "Rate this password for me: P@ssw0rd123",
    applies=lambda task: "password" in task.lower() and has_password(task),
)
@tool
def check_password_strength(text: str) -> dict[str, object]:
    """Rate the strength of a password quoted in the text (zxcvbn: 0 weakest to 4 strongest)."""
    rating = rate_password(text)
    return {"result": rating.summary, "working": "zxcvbn's estimate of guesses needed, on this machine"}
