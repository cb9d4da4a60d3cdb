"""`cos db check|migrate|copy`: where threads, scorecards, the ledger and calibrations live (SQLite and JSON files,
or PostgreSQL with COS_DATABASE_URL), setting up PostgreSQL's schemas, and moving a laptop's state into it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chief_of_staff.cli.common import out, user_errors
from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.postgres import SCHEMES, PostgresSchema
from chief_of_staff.scorecard.session import scorecard_store
from chief_of_staff.settings import Settings, load_settings

db_app = typer.Typer(no_args_is_help=True)


def _stores(settings: Settings) -> dict[str, Path | PostgresSchema]:
    return {"threads": settings.threads_store, "scorecards": scorecard_store(settings)}


def _describe(where: Path | PostgresSchema) -> str:
    return f"PostgreSQL {where.describe()}" if isinstance(where, PostgresSchema) else f"SQLite {where}"


@db_app.command("check", help="Open each store (threads, scorecards) and say where it is and how many threads.")
@user_errors
def check(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    from chief_of_staff.threads import open_checkpointer, recent_thread_ids

    rows = []
    for name, where in _stores(load_settings()).items():
        if isinstance(where, Path) and not where.is_file():
            rows.append({"store": name, "where": _describe(where), "threads": 0})
            continue
        with open_checkpointer(where) as saver:
            rows.append({"store": name, "where": _describe(where), "threads": len(recent_thread_ids(saver, 10**6))})
    if json_output:
        print(json.dumps(rows))
        return
    for row in rows:
        out.print(f"{row['store']:<10} {row['threads']:>5} threads  {row['where']}")


@db_app.command("migrate", help="Create or upgrade the stores' tables (PostgreSQL: its schemas too). Safe to rerun.")
@user_errors
def migrate() -> None:
    from chief_of_staff.escalation.calibration import load_calibrations
    from chief_of_staff.escalation.ledger import Ledger
    from chief_of_staff.threads import open_checkpointer

    settings = load_settings()
    for name, where in _stores(settings).items():
        with open_checkpointer(where):  # the savers' setup() applies their versioned migrations
            out.print(f"{name}: up to date ({_describe(where)})")
    Ledger(settings.ledger_store, settings.budgets)  # applies its versioned migrations
    out.print(f"ledger: up to date ({_describe(settings.ledger_store)})")
    load_calibrations(settings.calibration_store, [])  # the same for calibrations
    out.print(f"calibrations: up to date ({_describe_calibrations(settings.calibration_store)})")


def _describe_calibrations(where: Path | PostgresSchema) -> str:
    return (f"PostgreSQL {where.describe()}" if isinstance(where, PostgresSchema)
            else f"files in {where / 'calibration'}")


@db_app.command("copy", help="Copy this machine's threads, scorecards, spend ledger and calibrations into PostgreSQL.")
@user_errors
def copy(to: Annotated[str, typer.Option("--to", help="postgresql://user:password@host:port/database")]) -> None:
    from chief_of_staff.checkpoint_copy import copy_checkpoints
    from chief_of_staff.threads import open_checkpointer

    if not to.startswith(SCHEMES):
        raise ChiefOfStaffError(f"--to must be a postgresql:// URL, not {to.split('://')[0]}://…")
    settings = load_settings()
    local = settings.model_copy(update={"database_url": ""})
    target = settings.model_copy(update={"database_url": to})
    for (name, source), destination in zip(_stores(local).items(), _stores(target).values()):
        if not source.is_file():
            out.print(f"{name}: nothing to copy ({source} does not exist)")
            continue
        with open_checkpointer(source) as reading, open_checkpointer(destination) as writing:
            copied = copy_checkpoints(reading, writing)
        out.print(f"{name}: copied {copied.threads} threads ({copied.checkpoints} checkpoints, {copied.writes} "
                  f"pending writes) to {_describe(destination)}")
    _copy_calibrations(local, target)
    if not local.ledger_db.is_file():
        out.print(f"ledger: nothing to copy ({local.ledger_db} does not exist)")
        return
    from chief_of_staff.escalation.ledger import Ledger

    entries = Ledger(local.ledger_store, settings.budgets).copy_to(Ledger(target.ledger_store, settings.budgets))
    out.print(f"ledger: copied {entries} entries to {_describe(target.ledger_store)}")


def _copy_calibrations(local: Settings, target: Settings) -> None:
    """Every department's calibration file into PostgreSQL (replacing the row a department may have there)."""
    from chief_of_staff.escalation.calibration import load_calibrations, save_calibration

    folder = local.calibration_store / "calibration"
    names = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
    found = load_calibrations(local.calibration_store, names)  # an unreadable file is named and left behind
    for calibration in found.values():
        save_calibration(target.calibration_store, calibration)
    out.print(f"calibrations: copied {len(found)} ({', '.join(found) or 'none'}) to "
              f"{_describe_calibrations(target.calibration_store)}")
