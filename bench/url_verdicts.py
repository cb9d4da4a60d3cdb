"""Security's link check on links it was not tuned on: tests/data/url_verdicts_holdout.jsonl, 50 lookalike or
hidden links and 50 legitimate ones, written blind by a helper who never saw chief_of_staff/tools/links.py.

    .venv/bin/python bench/url_verdicts.py [--misses]

Prints accuracy, per label and per kind; --misses lists the links judged wrongly.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOLDOUT = ROOT / "tests" / "data" / "url_verdicts_holdout.jsonl"


def verdicts() -> list[tuple[dict, bool, list[str]]]:
    """(row, judged suspicious, reasons) for each link of the held-out set."""
    from chief_of_staff.tools.links import inspect_link

    rows = [json.loads(line) for line in HOLDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        verdict = inspect_link(row["url"], row.get("link_text"))
        out.append((row, verdict.suspicious, verdict.reasons))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    results = verdicts()
    seconds = time.perf_counter() - started
    right = [(row["label"] == "suspicious") == suspicious for row, suspicious, _ in results]
    print(f"link verdicts: {sum(right)}/{len(results)} right ({sum(right) / len(results):.1%}), "
          f"{seconds / len(results) * 1000:.2f} ms a link")
    for label in ("suspicious", "legitimate"):
        picked = [ok for (row, _, _), ok in zip(results, right) if row["label"] == label]
        print(f"  {label:11s} {sum(picked)}/{len(picked)}")
    totals, hits = Counter(), Counter()
    for (row, _, _), ok in zip(results, right):
        totals[row["kind"]] += 1
        hits[row["kind"]] += ok
    print("  by kind: " + ", ".join(f"{k} {hits[k]}/{n}" for k, n in sorted(totals.items())))
    if args.misses:
        for (row, suspicious, reasons), ok in zip(results, right):
            if not ok:
                print(f"  MISS {row['id']} [{row['label']}/{row['kind']}] {row['url']} text={row.get('link_text')!r}"
                      f" -> {'suspicious' if suspicious else 'clean'} {reasons}")


if __name__ == "__main__":
    main()
