"""Accuracy and speed of the Tier-4 sensitive-data guard (chief_of_staff/sensitive/), per suite and per kind.

Suites (tests/data/): public detectors' own test cases (sensitive_public/, sources in SOURCES*.md), chat sentences
written for this guard (sensitive_chat/), the guard's first sets (sensitive_tasks, non_sensitive_tasks) and the
router's 200 labelled business tasks (routing_tasks, written before any detector). Each suite is TUNED (looked at
while writing the checkers) or HELD-OUT (not looked at until the checkers were frozen); the report keeps them apart.

For each suite: recall = in-scope positives flagged sensitive (any kind), kind-recall = flagged with the expected
kind, FP = in-scope negatives flagged as anything, FP same kind = flagged as the kind the suite's negative is about
(a public suite's "not an SSN" can still be a phone number; for our own sets it is any flag).
Rows a suite holds out of scope (`in_scope: false`, with a `scope_note` saying why) are not counted.
Then the latency of one call per task over all the suites' texts (p50, p95, max).

    .venv/bin/python bench/sensitive_detector.py            # the summary
    .venv/bin/python bench/sensitive_detector.py --misses   # plus each miss and false positive (suite, line, kinds)
    .venv/bin/python bench/sensitive_detector.py --tuned-only   # what the checkers may be tuned against
    .venv/bin/python bench/sensitive_detector.py --baseline 5b68810   # plus the hand-grown detector of that commit
"""

from __future__ import annotations

import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from chief_of_staff.sensitive import detect_sensitive

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
TUNED = "TUNED on (looked at while writing the checkers)"
HELD_OUT = ("HELD OUT at first (measured once blind; docs/benchmarks.md keeps those numbers; misses were looked at "
            "after that)")
SUITES = {  # name -> (file, tuned on?)
    "presidio": ("sensitive_public/presidio.jsonl", True),
    "detect-secrets": ("sensitive_public/detect_secrets.jsonl", True),
    "chat (tune)": ("sensitive_chat/chat_tune.jsonl", True),
    "first sensitive set": ("sensitive_tasks.jsonl", True),
    "first non-sensitive set": ("non_sensitive_tasks.jsonl", True),
    "gitleaks": ("sensitive_public/gitleaks.jsonl", False),
    "trufflehog": ("sensitive_public/trufflehog.jsonl", False),
    "python-stdnum": ("sensitive_public/python_stdnum.jsonl", False),
    "chat (held out)": ("sensitive_chat/chat_holdout.jsonl", False),
    "router's business tasks": ("routing_tasks.jsonl", False),
}


def load_suite(path: str) -> list[dict]:
    """Rows as {"text", "sensitive", "kinds", "in_scope"}, whatever the file's own fields."""
    rows = []
    for line in (DATA / path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        kinds = row.get("kinds") or ([row["kind"]] if row.get("kind") not in (None, "none") else [])
        sensitive = row.get("sensitive", bool(kinds))
        rows.append({"text": row["text"], "sensitive": sensitive, "kinds": kinds if sensitive else [],
                     "in_scope": row.get("in_scope", True), "subkind": row.get("subkind")})
    # a public suite's negative is a negative for one recognizer ("not an SSN"), which may still be another kind of
    # sensitive data (a phone number): its kind is the one that recognizer's positives have
    kind_of_subkind = {row["subkind"]: row["kinds"][0] for row in rows if row["sensitive"] and row["subkind"]}
    for row in rows:
        row["negative_for"] = None if row["sensitive"] else kind_of_subkind.get(row["subkind"])
    return rows


def load_baseline(commit: str) -> Callable[[str], object]:
    """The detector as it was at `commit` (escalation/sensitive.py and people.py, before this package), from git."""
    folder = Path(tempfile.mkdtemp())
    for name in ("people", "sensitive"):
        source = subprocess.run(["git", "show", f"{commit}:chief_of_staff/escalation/{name}.py"], check=True,
                                capture_output=True, text=True).stdout
        (folder / f"baseline_{name}.py").write_text(source.replace("chief_of_staff.escalation.people",
                                                                   "baseline_people"))
    sys.path.insert(0, str(folder))
    return importlib.import_module("baseline_sensitive").detect_sensitive


def recall_of(detector: Callable[[str], object], rows: list[dict]) -> tuple[int, int]:
    positives = [row for row in rows if row["sensitive"] and row["in_scope"]]
    return sum(bool(detector(row["text"])) for row in positives), len(positives)


def score(rows: list[dict]) -> dict:
    """Counts for one suite: positives, caught, kind matches, negatives, false positives, per kind, and the misses."""
    result = {"pos": 0, "caught": 0, "kind_ok": 0, "neg": 0, "fp": 0, "fp_same_kind": 0,
              "per_kind": defaultdict(lambda: [0, 0, 0]),
              "misses": [], "false_positives": []}
    for line, row in enumerate(rows, 1):
        if not row["in_scope"]:
            continue
        found = detect_sensitive(row["text"])
        if row["sensitive"]:
            result["pos"] += 1
            result["caught"] += found.sensitive
            kind_ok = all(kind in found.kinds for kind in row["kinds"])
            result["kind_ok"] += kind_ok
            for kind in row["kinds"]:
                counts = result["per_kind"][kind]
                counts[0] += 1
                counts[1] += found.sensitive
                counts[2] += kind in found.kinds
            if not found.sensitive:
                result["misses"].append((line, row["kinds"]))
        else:
            result["neg"] += 1
            result["fp"] += found.sensitive
            result["fp_same_kind"] += (row["negative_for"] or "any") in found.kinds or (
                row["negative_for"] is None and found.sensitive)
            if found.sensitive:
                result["false_positives"].append((line, found.kinds))
    return result


def percent(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "-"


def latencies_ms(texts: list[str], detector: Callable[[str], object] = detect_sensitive) -> list[float]:
    for text in texts[:50]:  # warm up: compiled patterns, detect-secrets' plugins
        detector(text)
    times = []
    for text in texts:
        started = time.perf_counter()
        detector(text)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def main(show_misses: bool = False, tuned_only: bool = False, baseline: str | None = None) -> None:
    all_texts = []
    if baseline:
        old = load_baseline(baseline)
        print(f"## recall side by side: the detector of {baseline} vs now (in-scope positives, same rows)")
        for name, (path, _) in SUITES.items():
            rows = load_suite(path)
            (then, total), (now, _) = recall_of(old, rows), recall_of(detect_sensitive, rows)
            if total:
                print(f"{name:<26} then {percent(then, total):>20}   now {percent(now, total):>20}")
    for tuned in (True,) if tuned_only else (True, False):
        print(f"\n## {TUNED if tuned else HELD_OUT}")
        print(f"{'suite':<26} {'recall (in scope)':>20} {'kind-recall':>20} {'false positives':>18}"
              f" {'FP same kind':>18}")
        per_kind_total = defaultdict(lambda: [0, 0, 0])
        for name, (path, suite_tuned) in SUITES.items():
            if suite_tuned != tuned or not (DATA / path).exists():
                continue
            rows = load_suite(path)
            all_texts += [row["text"] for row in rows]
            result = score(rows)
            print(f"{name:<26} {percent(result['caught'], result['pos']):>20}"
                  f" {percent(result['kind_ok'], result['pos']):>20}"
                  f" {percent(result['fp'], result['neg']):>18} {percent(result['fp_same_kind'], result['neg']):>18}")
            for kind, counts in result["per_kind"].items():
                per_kind_total[kind] = [a + b for a, b in zip(per_kind_total[kind], counts)]
            if show_misses:
                for line, kinds in result["misses"]:
                    print(f"    missed line {line}: {', '.join(kinds)}")
                for line, kinds in result["false_positives"]:
                    print(f"    false positive line {line}: {', '.join(kinds)}")
        print("per kind (positives flagged sensitive / with the expected kind):")
        for kind, (total, caught, kind_ok) in sorted(per_kind_total.items()):
            print(f"  {kind:<18} {percent(caught, total):>20} {percent(kind_ok, total):>20}")

    print()
    for name, detector in [("now", detect_sensitive)] + ([(baseline, old)] if baseline else []):
        times = latencies_ms(all_texts, detector)
        p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        print(f"latency per task ({name}) over {len(times)} texts, one core: p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
              f"max {times[-1]:.2f} ms")


if __name__ == "__main__":
    main(show_misses="--misses" in sys.argv, tuned_only="--tuned-only" in sys.argv,
         baseline=sys.argv[sys.argv.index("--baseline") + 1] if "--baseline" in sys.argv else None)
