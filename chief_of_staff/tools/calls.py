"""The calls a local model may make for a task: each proposed tool with arguments drawn only from the task's own
numbers and dates, so a call can be wrong in choice but never invented or malformed.

An argument typed Decimal (or int/float) takes a number of the task: one whose name ends in `_percent` a number
written as a percentage, any other a number that is not. A `list[Decimal]` takes all of them; a `date`, a date
of the task; a `text: str`, the task's whole text. Every type-consistent assignment is a candidate. Calls that
put sums of money ($, €, £) in money arguments (cost, price, amount, fee, pay...) and bare numbers in counts
(units, hours, years...) come first, then text order; tools/local_agent.py takes the first, or lets the model pick.
"""

from __future__ import annotations

import itertools
import typing
from dataclasses import dataclass
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


def _text(value: Decimal | date) -> str:
    return value.isoformat() if isinstance(value, date) else format(value.normalize(), "f")


def candidate_calls(tool: BaseTool, task: str) -> list[ToolCall]:
    """Every call of `tool` whose arguments come from the task, text order first; [] when the task lacks them."""
    if not applies_to(tool, task):
        return []
    slots = _slots(tool)
    if any(kind == "other" and required for _, kind, required in slots):
        return []  # a tool with free-text arguments needs a model that writes them (Ollama, Claude)
    quantities = quantities_in(task)
    pools: dict[str, list[Quantity | date]] = {
        "percent": [q for q in quantities if q.percent],
        "number": [q for q in quantities if not q.percent],
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
        if len(pools["number"]) < 2:
            return []
        per_kind.append([{lists[0]: [_text(q.value) for q in pools["number"]]}])
    calls = []
    for parts in itertools.product(*per_kind):
        arguments = {name: value for part in parts for name, value in part.items()}
        calls.append(ToolCall(tool.name, {n: arguments[n] for n, _, _ in slots if n in arguments}))
    money = {_text(q.value) for q in pools["number"] if q.money}
    # stable sort: text order among calls that fit money and counts equally well
    return sorted(calls, key=lambda call: _misfits(call, money))[:MAX_CANDIDATES]


def _misfits(call: ToolCall, money: set[str]) -> int:
    """Arguments whose name says money but whose value is a bare number, or the other way round."""
    if not money:
        return 0  # no currency written anywhere: nothing to tell sums from counts
    misfits = 0
    for name, value in call.arguments.items():
        if not isinstance(value, str):
            continue
        if any(word in name for word in MONEY_WORDS) and value not in money:
            misfits += 1
        elif any(word in name for word in COUNT_WORDS) and value in money:
            misfits += 1
    return misfits


def _assignments(names: list[tuple[str, bool]], pool: list[Quantity | date]) -> list[dict[str, Any]]:
    """Every injective assignment of the pool's values to the slots, text order first; optional slots may be
    left to their defaults when the pool runs short."""
    required = [n for n, r in names if r]
    optional = [n for n, r in names if not r]
    if len(pool) < len(required):
        return []
    filled = required + optional[: max(0, len(pool) - len(required))]
    values = [q if isinstance(q, date) else q.value for q in pool]
    out = []
    for chosen in itertools.permutations(range(len(values)), len(filled)):
        out.append({name: _text(values[i]) for name, i in zip(filled, chosen)})
        if len(out) >= MAX_CANDIDATES:
            break
    return out
