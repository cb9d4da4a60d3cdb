"""The calls a local model may make for a task: each proposed tool with arguments drawn only from the task's own
numbers and dates, so a call can be wrong in choice but never invented or malformed.

An argument typed Decimal (or int/float) takes a number of the task: one whose name ends in `_percent` a number
written as a percentage, any other a number that is not. A `list[Decimal]` takes all of them; a `date`, a date
of the task; a `text: str`, the task's whole text. Every type-consistent assignment is a candidate. Calls that
put sums of money ($, €, £) in money arguments (cost, price, amount, fee, pay...), bare numbers in counts
(units, hours, years...) and a time written with its unit in an argument counting that unit come first, then text
order; tools/local_agent.py takes the first, or lets the model pick. A time in months fills an argument in years
divided by 12 ("over 6 months" -> years 0.5), and one in years an argument in months times 12.
"""

from __future__ import annotations

import itertools
import typing
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from langchain_core.tools import BaseTool

from chief_of_staff.tools.contract import applies_to
from chief_of_staff.tools.dates import dates_in
from chief_of_staff.tools.numbers import Quantity, quantities_in

MAX_CANDIDATES = 24  # per tool: 4 numbers into 3 slots, in every order; more is a task the tools don't fit
PERCENT_SUFFIX = "_percent"
TEXT_ARGUMENT = "text"  # a `text: str` argument takes the task's whole text
MONEY_WORDS = ("cost", "price", "amount", "fee", "pay", "principal", "salary", "revenue", "value", "total")
COUNT_WORDS = ("count", "units", "people", "hours", "weeks", "years", "months", "days", "quantity")
TIME_UNITS = ("year", "month", "week", "day", "hour")
CONVERSIONS: dict[tuple[str, str], Callable[[Decimal], Decimal]] = {  # (written unit, argument's unit) -> value
    ("month", "year"): lambda months: months / 12,
    ("year", "month"): lambda years: years * 12,
}


@dataclass(frozen=True)
class ToolCall:
    """A call: the tool's name and JSON-ready arguments (numbers as strings, dates as ISO strings)."""

    name: str
    arguments: dict[str, Any]


def _slots(tool: BaseTool) -> list[tuple[str, str, bool]]:
    """(argument, kind, required) for each argument; kind is percent, number, numbers, date or other."""
    schema = tool.args_schema
    fields = schema.model_fields if schema is not None and hasattr(schema, "model_fields") else {}
    slots = []
    for name, field in fields.items():
        annotation = field.annotation
        if annotation in (Decimal, int, float):
            kind = "percent" if name.endswith(PERCENT_SUFFIX) else "number"
        elif typing.get_origin(annotation) is list and typing.get_args(annotation)[:1] in ((Decimal,), (float,)):
            kind = "numbers"
        elif annotation is date:
            kind = "date"
        elif annotation is str and name == TEXT_ARGUMENT:
            kind = "text"
        else:
            kind = "other"
        slots.append((name, kind, field.is_required()))
    return slots


def _text(value: Quantity | date) -> str:
    return value.isoformat() if isinstance(value, date) else format(value.value.normalize(), "f")


def slot_unit(name: str) -> str:
    """The time unit an argument counts, from its name: years -> year, hours_per_week -> hour, or ""."""
    return next((word.rstrip("s") for word in name.split("_") if word.rstrip("s") in TIME_UNITS), "")


def _converted(numbers: list[Quantity], units: set[str]) -> list[Quantity]:
    """The numbers, each followed by its value in another unit an argument counts (6 months -> 0.5 years)."""
    out = []
    for q in numbers:
        out.append(q)
        out += [replace(q, value=CONVERSIONS[q.unit, unit](q.value), unit=unit) for unit in sorted(units)
                if (q.unit, unit) in CONVERSIONS]
    return out


def candidate_calls(tool: BaseTool, task: str) -> list[ToolCall]:
    """Every call of `tool` whose arguments come from the task, text order first; [] when the task lacks them."""
    if not applies_to(tool, task):
        return []
    slots = _slots(tool)
    if any(kind == "other" and required for _, kind, required in slots):
        return []  # a tool with free-text arguments needs a model that writes them (Ollama, Claude)
    quantities = quantities_in(task)
    numbers = [q for q in quantities if not q.percent]
    units = {slot_unit(n) for n, k, _ in slots if k == "number"} - {""}
    pools: dict[str, list[Quantity | date]] = {
        "percent": [q for q in quantities if q.percent],
        "number": list(_converted(numbers, units)),
        "date": list(dates_in(task)),
    }
    per_kind: list[list[dict[str, Any]]] = []
    for kind in ("percent", "number", "date"):
        names = [(n, required) for n, k, required in slots if k == kind]
        if names:
            per_kind.append(_assignments(names, pools[kind]))
    texts = [n for n, k, _ in slots if k == "text"]
    if texts:
        per_kind.append([{texts[0]: task}])
    lists = [n for n, k, _ in slots if k == "numbers"]
    if lists:
        if len(numbers) < 2:
            return []
        per_kind.append([{lists[0]: [_text(q) for q in numbers]}])
    assignments = []
    for parts in itertools.product(*per_kind):
        arguments = {name: value for part in parts for name, value in part.items()}
        assignments.append({n: arguments[n] for n, _, _ in slots if n in arguments})
    any_money = any(q.money for q in numbers)
    # stable sort: text order among calls that fit money, counts and units equally well
    assignments.sort(key=lambda arguments: _misfits(arguments, any_money))
    return [ToolCall(tool.name, {n: v if isinstance(v, (str, list)) else _text(v) for n, v in arguments.items()})
            for arguments in assignments[:MAX_CANDIDATES]]


def _misfits(arguments: dict[str, Any], any_money: bool) -> int:
    """Arguments whose name says money but whose value is a bare number, or the other way round (when the task
    writes any currency at all), and times written in a unit other than the one the argument counts."""
    misfits = 0
    for name, value in arguments.items():
        if not isinstance(value, Quantity):
            continue
        if any_money and any(word in name for word in MONEY_WORDS) and not value.money:
            misfits += 1
        elif any_money and any(word in name for word in COUNT_WORDS) and value.money:
            misfits += 1
        if value.unit and slot_unit(name) and value.unit != slot_unit(name):
            misfits += 1
    return misfits


def _assignments(names: list[tuple[str, bool]], pool: list[Quantity | date]) -> list[dict[str, Any]]:
    """Every assignment of the pool's values to the slots using each number of the task at most once (in one
    unit), text order first; optional slots may be left to their defaults when the pool runs short."""
    required = [n for n, r in names if r]
    optional = [n for n, r in names if not r]
    distinct = len({getattr(value, "start", i) for i, value in enumerate(pool)})
    if distinct < len(required):
        return []
    filled = required + optional[: max(0, distinct - len(required))]
    out = []
    for chosen in itertools.permutations(range(len(pool)), len(filled)):
        sources = [getattr(pool[i], "start", i) for i in chosen]  # a number and its conversion are one number
        if len(set(sources)) < len(sources):
            continue
        out.append({name: pool[i] for name, i in zip(filled, chosen)})
        if len(out) >= MAX_CANDIDATES:
            break
    return out
