"""Routing accuracy and speed on two sets kept out of the routing examples: the labelled set
tests/data/routing_tasks.jsonl, and tests/data/routing_holdout.jsonl, written blind (its writer never saw the
departments' examples or the labelled set) for issue #14, and tests/data/routing_holdout_2.jsonl, written blind the
same way after the routing examples were last changed, and measured once.

Side by side in one run: the lexical router alone (TF-IDF + keywords) and the shipped semantic+lexical router,
with per-department accuracy and the median time to route one task; `--misses` lists the shipped router's misses.

    .venv/bin/python bench/router_accuracy.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from chief_of_staff.models.embedder import load_embedder
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.router import Router
from chief_of_staff.settings import load_settings

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SETS = {"labelled": "routing_tasks.jsonl", "held-out": "routing_holdout.jsonl",
        "second held-out": "routing_holdout_2.jsonl"}


def evaluate(router: Router, rows: list[dict]) -> tuple[float, dict[str, float], float]:
    right, total, times = Counter(), Counter(), []
    for row in rows:
        started = time.perf_counter()
        got = router.route(row["text"]).department
        times.append((time.perf_counter() - started) * 1000)
        total[row["department"]] += 1
        right[row["department"]] += got == row["department"]
    per_label = {label: right[label] / total[label] for label in sorted(total)}
    return sum(right.values()) / len(rows), per_label, statistics.median(times)


def main(show_misses: bool = False) -> None:
    settings = load_settings()
    builtins = [d for d in discover_departments(settings).departments.values() if d.source == "builtin"]
    routers = (("lexical", Router(builtins)), ("semantic+lexical", Router(builtins, load_embedder(settings.cache_dir))))
    for set_name, file in SETS.items():
        rows = [json.loads(line) for line in (DATA / file).read_text().splitlines() if line.strip()]
        print(f"{len(rows)} {set_name} tasks ({file}), departments: {', '.join(d.name for d in builtins)}")
        for name, router in routers:
            accuracy, per_label, ms = evaluate(router, rows)
            labels = "  ".join(f"{k} {v:.0%}" for k, v in per_label.items())
            print(f"  {name:<17} accuracy {accuracy:6.1%}   {labels}   median {ms:.1f} ms/task")
        if show_misses:
            shipped = routers[-1][1]
            for row in rows:
                got = shipped.route(row["text"]).department
                if got != row["department"]:
                    print(f"    {row['department']:>8} -> {got:<8} {row['text']}")


if __name__ == "__main__":
    main(show_misses="--misses" in sys.argv)
