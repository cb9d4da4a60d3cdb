"""Speed and accuracy of the Tier-4 sensitive-data detector on tests/data/{non_,}sensitive_tasks.jsonl.

Throughput on the non-sensitive set (ordinary tasks, the common case; the set is repeated to run about 2 s, median of
5 runs, one core), the false-positive rate there (flagged lines by number and kinds, never their text), and recall on
the sensitive set, overall and per kind. Both sets were written with the detector and tuned against; the router's
200 test tasks (tests/data/routing_tasks.jsonl, written before the detector) give an untuned false-positive check.

    .venv/bin/python bench/sensitive_detector.py
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path

from chief_of_staff.escalation.sensitive import KINDS, detect_sensitive

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def tasks_per_second(texts: list[str], seconds: float = 2.0, runs: int = 5) -> float:
    started = time.perf_counter()
    for text in texts:
        detect_sensitive(text)
    repeats = max(1, round(seconds / (time.perf_counter() - started)))
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(repeats):
            for text in texts:
                detect_sensitive(text)
        rates.append(repeats * len(texts) / (time.perf_counter() - started))
    return statistics.median(rates)


def main() -> None:
    ordinary, sensitive = load("non_sensitive_tasks.jsonl"), load("sensitive_tasks.jsonl")
    texts = [row["text"] for row in ordinary]
    print(f"throughput: {tasks_per_second(texts):,.0f} tasks/s (non-sensitive set, median of 5 runs of ~2 s)")

    flagged = [(line, detect_sensitive(text).kinds) for line, text in enumerate(texts, 1) if detect_sensitive(text)]
    print(f"false positives: {len(flagged)}/{len(texts)} = {len(flagged) / len(texts):.1%} (non-sensitive set)")
    for line, kinds in flagged:
        print(f"  line {line}: {', '.join(kinds)}")
    # Written for the router before the detector existed, so never tuned against: an unbiased false-positive check.
    routing = [row["text"] for row in load("routing_tasks.jsonl")]
    untuned = sum(bool(detect_sensitive(text)) for text in routing)
    print(f"false positives: {untuned}/{len(routing)} = {untuned / len(routing):.1%} (routing set, never tuned on)")

    expected, found = Counter(), Counter()
    caught = 0
    for row in sensitive:
        kinds = set(detect_sensitive(row["text"]).kinds)
        caught += bool(kinds)
        for kind in row["kinds"]:
            expected[kind] += 1
            found[kind] += kind in kinds
    print(f"recall (sensitive at all): {caught}/{len(sensitive)} = {caught / len(sensitive):.1%} (sensitive set)")
    for kind in KINDS:
        if expected[kind]:
            print(f"  {kind:<20} {found[kind]:>3}/{expected[kind]:<3} {found[kind] / expected[kind]:.1%}")


if __name__ == "__main__":
    main()
