"""Reading a thread for the chat page with each answer's trace, side by side on the same threads:

- `thread_messages`: the traces kept in the thread state (`traces`, by answer id), one read;
- the fallback for threads written before that: every checkpoint of the thread read back (`traces_from_history`),
  which grows with the square of the thread's length since each checkpoint holds the whole conversation.

Threads of 1, 10, 30 and 60 turns are written by the real graph on the embedded model (2 new tokens an answer, so
writing them is quick) in a SQLite thread store, as `cos serve` keeps them.

    .venv/bin/python bench/thread_page.py [--turns 1 10 30 60] [--repeats 5]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from timing import median_ms  # bench/timing.py (scripts run from bench/ have it on sys.path)

from chief_of_staff.session import open_session
from chief_of_staff.settings import load_settings
from chief_of_staff.threads import thread_messages, traces_from_history
from chief_of_staff.turns import run_turn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, nargs="+", default=[1, 10, 30, 60])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(data_dir=Path(data_dir), max_new_tokens=2)
        with open_session(settings, department="general") as session:
            print(f"{'turns':>5} {'state (ms)':>11} {'history (ms)':>13} {'ratio':>7}")
            for turns in args.turns:
                thread_id = f"bench-{turns}"
                for number in range(turns):
                    run_turn(session.graph, session.context, thread_id, f"Task number {number}: plan the rota")
                config = {"configurable": {"thread_id": thread_id}}
                assert all(m.trace for m in thread_messages(session.graph, thread_id) if m.role == "assistant")
                state = median_ms(lambda: thread_messages(session.graph, thread_id), args.repeats)
                history = median_ms(lambda: traces_from_history(session.graph, config), args.repeats)
                print(f"{turns:>5} {state:>11.1f} {history:>13.1f} {history / state:>6.0f}×")


if __name__ == "__main__":
    main()
