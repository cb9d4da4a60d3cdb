"""`cos costs`: what the cloud cost, by day, tier and department; the budget left; the saving against all-Sonnet."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from chief_of_staff.cli.common import out, user_errors
from chief_of_staff.escalation.ledger import Ledger
from chief_of_staff.escalation.policy import Tier
from chief_of_staff.settings import load_settings


def _table(title: str, rows: list[dict], key: str, label=str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in (key, "answers", "cost", "all-Sonnet"):
        table.add_column(column, justify="left" if column == key else "right")
    for row in rows:
        table.add_row(label(row[key]), str(row["answers"]), f"${row['cost_usd']:.4f}",
                      f"${row['sonnet_equivalent_usd']:.4f}")
    return table


@user_errors
def costs(
    days: Annotated[int, typer.Option(min=1, max=366, help="How many days back.")] = 30,
    json_output: Annotated[bool, typer.Option("--json", help="Print everything as one JSON object.")] = False,
) -> None:
    settings = load_settings()
    summary = Ledger(settings.ledger_store, settings.budgets).summary(days=days)
    if json_output:
        print(json.dumps(summary))
        return
    if not summary["answers"]:
        out.print(f"No answers recorded since {summary['since']}.")
    else:
        share = f"{summary['local_share']:.0%}"
        out.print(f"[bold]{summary['answers']} answers[/] since {summary['since']}, {share} answered locally: "
                  f"spent ${summary['cost_usd']:.4f}; all-Sonnet would have cost ${summary['all_sonnet_usd']:.4f} "
                  f"(saving ${summary['saving_usd']:.4f})")
        out.print(_table("By day", summary["by_day"], "day"))
        out.print(_table("By tier", summary["by_tier"], "tier", lambda t: f"{t} {Tier(t).label}"))
        out.print(_table("By department", summary["by_department"], "department"))
    left = Table(title="Budget left", title_justify="left")
    left.add_column("applies to")
    left.add_column("cap")
    left.add_column("left", justify="right")
    for scope, caps in summary["budget_left"].items():
        for cap in caps:
            left.add_row(scope, cap["cap"], f"${cap['left_usd']:.4f}")
    out.print(left)
