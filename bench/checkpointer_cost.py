"""What a turn's checkpoints cost in PostgreSQL against SQLite (#16: graph overhead per turn, goal ≤ 15 ms).

A turn of the graph writes a handful of checkpoints and their pending writes, then the next turn reads the
thread's state. This replays a recorded thread's checkpoints (the most recent thread in a threads.sqlite, by
default your own) under fresh thread ids into a new SQLite file and into PostgreSQL, alternating, and prints the
milliseconds per turn (writes, then one read of the latest state) side by side.

    .venv/bin/python bench/checkpointer_cost.py [--threads FILE] [--url postgresql://...] [--repeats 30]

Without --url (or COS_DATABASE_URL), it starts a throw-away PostgreSQL the way the tests do.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from chief_of_staff.checkpoint_copy import copy_checkpoints
    from chief_of_staff.postgres import PostgresSchema
    from chief_of_staff.settings import load_settings
    from chief_of_staff.threads import open_checkpointer, recent_thread_ids

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=Path, default=load_settings().threads_db)
    parser.add_argument("--url", default=os.environ.get("COS_DATABASE_URL", ""))
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    with ExitStack() as stack:
        url = args.url
        if not url:
            from tests.postgres_server import running_postgres

            url = stack.enter_context(running_postgres())
        source = stack.enter_context(open_checkpointer(args.threads))
        [thread_id] = recent_thread_ids(source, 1)
        recorded = [t for t in source.list({"configurable": {"thread_id": thread_id}})]
        targets = {
            "SQLite": stack.enter_context(open_checkpointer(Path(tempfile.mkdtemp()) / "threads.sqlite")),
            "PostgreSQL": stack.enter_context(open_checkpointer(PostgresSchema(url, "cos_bench"))),
        }
        timings: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(args.repeats):
            for name, target in targets.items():  # alternating, so both see the same noise
                fresh = f"bench-{uuid.uuid4().hex[:8]}"
                turn = _renamed(recorded, fresh)
                started = time.perf_counter()
                copy_checkpoints(_Listing(turn), target)
                target.get_tuple({"configurable": {"thread_id": fresh}})
                timings[name].append(1000 * (time.perf_counter() - started))
    print(f"one turn = {len(recorded)} checkpoints and their pending writes, then one read; {args.repeats} repeats")
    print("| store | median ms per turn | p90 ms |")
    print("|---|---|---|")
    for name, values in timings.items():
        ordered = sorted(values)
        print(f"| {name} | {statistics.median(values):.1f} | {ordered[int(0.9 * (len(ordered) - 1))]:.1f} |")
    ratio = statistics.median(timings["PostgreSQL"]) / statistics.median(timings["SQLite"])
    print(f"PostgreSQL / SQLite: {ratio:.2f}x")


def _renamed(recorded, thread_id: str):
    """The recorded checkpoints under another thread id."""
    def rename(config):
        if not config:
            return config
        return {"configurable": {**config["configurable"], "thread_id": thread_id}}

    return [t._replace(config=rename(t.config), parent_config=rename(t.parent_config)) for t in recorded]


class _Listing:
    """Just enough of a checkpointer for copy_checkpoints to read a list of recorded tuples."""

    def __init__(self, tuples) -> None:
        self.tuples = tuples

    def list(self, _config):
        return iter(self.tuples)


if __name__ == "__main__":
    main()
