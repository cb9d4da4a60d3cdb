"""Ledger reservations per second with 8 concurrent writers, PostgreSQL against SQLite (#16).

Each writer is a process that reserves and settles `--calls` Sonnet calls under a cap none of them reaches, the
path every escalation takes. SQLite serializes them with `BEGIN IMMEDIATE` on one file; PostgreSQL with one
advisory lock per transaction. Both run in the same invocation, one after the other.

    .venv/bin/python bench/ledger_throughput.py [--writers 8] [--calls 50] [--url postgresql://...]

Without --url (or COS_DATABASE_URL), it starts a throw-away PostgreSQL the way the tests do.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _writer(where, calls: int, start, done) -> None:
    from chief_of_staff.escalation.ledger import Ledger
    from chief_of_staff.escalation.policy import Tier
    from chief_of_staff.settings import BudgetCaps, Budgets

    ledger = Ledger(where, Budgets(sonnet=BudgetCaps(daily_usd=1e9, monthly_usd=None)))
    start.wait()
    for _ in range(calls):
        ledger.settle(ledger.reserve(Tier.SONNET, "security", "claude-sonnet", 0.02), actual_usd=0.01)
    done.put(calls)


def run(where, writers: int, calls: int) -> float:
    """Reserve-and-settle pairs per second over all writers."""
    from chief_of_staff.escalation.ledger import Ledger
    from chief_of_staff.settings import Budgets

    Ledger(where, Budgets())  # the schema, before the clock starts
    ctx = mp.get_context("spawn")
    start, done = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_writer, args=(where, calls, start, done)) for _ in range(writers)]
    for worker in workers:
        worker.start()
    time.sleep(3)  # every writer imported and connected
    began = time.perf_counter()
    start.set()
    total = sum(done.get(timeout=600) for _ in workers)
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    return total / elapsed


def main() -> None:
    from chief_of_staff.postgres import PostgresSchema

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--calls", type=int, default=50, help="reserve-and-settle pairs per writer")
    parser.add_argument("--url", default=os.environ.get("COS_DATABASE_URL", ""))
    args = parser.parse_args()
    with ExitStack() as stack:
        url = args.url
        if not url:
            from tests.postgres_server import running_postgres

            url = stack.enter_context(running_postgres())
        rates = {"SQLite": run(Path(tempfile.mkdtemp()) / "ledger.sqlite", args.writers, args.calls),
                 "PostgreSQL": run(PostgresSchema(url, "cos_bench_ledger"), args.writers, args.calls)}
    print(f"{args.writers} writers x {args.calls} reserve+settle pairs each")
    print("| ledger | pairs per second |")
    print("|---|---|")
    for name, rate in rates.items():
        print(f"| {name} | {rate:.0f} |")
    print(f"PostgreSQL / SQLite: {rates['PostgreSQL'] / rates['SQLite']:.2f}x")


if __name__ == "__main__":
    main()
