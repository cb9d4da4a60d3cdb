"""General's tools: today's date and date arithmetic (standard library only). The examples under each tool are
what the local model's tool choice is matched against (chief_of_staff/tools/selection.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from langchain_core.tools import tool

from chief_of_staff.tools.contract import tool_examples
from chief_of_staff.tools.dates import days_between, today


@tool_examples(
    "What's today's date?",
    "What day is it today?",
    "Remind me what the date is.",
)
@tool
def todays_date() -> dict[str, str]:
    """Today's date on this machine."""
    now = today()
    return {"result": now.strftime("%A %d %B %Y"), "working": f"the machine's clock reads {now.isoformat()}"}


@tool_examples(
    "What date is 45 days from today?",
    "If I pay in 30 days from now, what date is that?",
    "Which date falls 90 days from today?",
)
@tool
def days_from_today(days: Decimal) -> dict[str, str]:
    """The date a number of days from today (negative: days ago)."""
    start = today()
    end = start + timedelta(days=int(days))
    return {"result": end.isoformat(), "working": f"{start.isoformat()} + {int(days)} days = {end.isoformat()}"}


@tool_examples(
    "What date is 30 days after 2026-03-14?",
    "An invoice dated March 3, 2026 is due in 45 days. What is the due date?",
    "Add 14 days to 1 June 2026.",
)
@tool
def add_days(start: date, days: Decimal) -> dict[str, str]:
    """The date a number of days after a given date."""
    end = start + timedelta(days=int(days))
    return {"result": end.isoformat(), "working": f"{start.isoformat()} + {int(days)} days = {end.isoformat()}"}


@tool_examples(
    "How many days are there between 2026-01-10 and 2026-03-01?",
    "How many days from May 1, 2026 to July 4, 2026?",
    "Count the days from 3 February 2026 to 17 March 2026.",
)
@tool
def days_between_dates(start: date, end: date) -> dict[str, str]:
    """Calendar days from one date to another."""
    days = days_between(start, end)
    return {"result": str(days), "working": f"{end.isoformat()} − {start.isoformat()} = {days} days"}
