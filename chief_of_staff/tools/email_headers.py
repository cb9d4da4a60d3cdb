"""Pasted email headers, read for the signs of a spoofed sender: From, Reply-To and Return-Path on different
domains, and SPF, DKIM or DMARC results that are not a pass. Parsed with the standard library's email parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_string
from email.utils import getaddresses

from chief_of_staff.tools.links import registrable_domain

_HEADER_START = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:", re.MULTILINE)
_AUTH_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(\w+)", re.IGNORECASE)
_RECEIVED_SPF = re.compile(r"^Received-SPF:\s*(\w+)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class HeaderReport:
    summary: str
    findings: list[str] = field(default_factory=list)


def _domain(header: str | None) -> str | None:
    addresses = [address for _, address in getaddresses([header or ""]) if "@" in address]
    if not addresses:
        return None
    _, label, suffix = registrable_domain(addresses[0].rsplit("@", 1)[1].lower())
    return f"{label}.{suffix}" if suffix else label


def inspect_headers(text: str) -> HeaderReport:
    """What the headers pasted in `text` say about who really sent the email."""
    start = _HEADER_START.search(text)
    if start is None:
        raise ValueError("no email headers found: paste them as 'Name: value' lines (From:, Reply-To:, ...)")
    # headers pasted on one line ("From: a Reply-To: b") are split back into lines before parsing
    block = re.sub(r"\s+(?=(?:From|Reply-To|Return-Path|Received-SPF|Authentication-Results|DKIM-Signature|"
                   r"Subject|To|Date):)", "\n", text[start.start():])
    message = message_from_string(block)
    findings: list[str] = []
    sender = _domain(message.get("From"))
    for name in ("Reply-To", "Return-Path"):
        other = _domain(message.get(name))
        if sender and other and other != sender:
            findings.append(f"{name} goes to {other} while From says {sender}")
    results = {k.lower(): v.lower() for k, v in _AUTH_RESULT.findall(message.get("Authentication-Results", ""))}
    spf = _RECEIVED_SPF.search(block)
    if spf and "spf" not in results:
        results["spf"] = spf.group(1).lower()
    for check in ("spf", "dkim", "dmarc"):
        if check in results and results[check] != "pass":
            findings.append(f"{check.upper()} {results[check]}")
    checked = ", ".join(f"{k.upper()} {v}" for k, v in sorted(results.items())) or "no SPF/DKIM/DMARC results"
    if findings:
        summary = "Likely spoofed or forwarded by someone else: " + "; ".join(findings)
    else:
        summary = f"No sign of spoofing in the headers (sender {sender or 'unknown'}; {checked})"
    return HeaderReport(summary, findings)
