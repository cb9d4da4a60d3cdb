"""Train department adapters over a grid of sizes and seeds with the real `cos adapters train`, then print the
held-out metric before -> after, bytes and wall time per run as a Markdown table (P4 and the README's sweep).
For a house-style department (#15) it also prints the four arms per run, and per department and size the mean and
spread over seeds of the adapter's gain over the base and over the rules in the prompt.

    .venv/bin/python bench/adapter_sweep.py --runs security:13:0 security:13:1 finance:13:0 --steps 20 \
        --out /tmp/sweep

Each run is DEPARTMENT:PARAMS:SEED and is written to OUT/DEPARTMENT-PARAMS-SEED/DEPARTMENT/. A run whose report
already exists is not repeated, so the sweep can be stopped and started again.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from itertools import groupby
from pathlib import Path

COS = str(Path(sys.executable).with_name("cos"))


def run(department: str, params: int, seed: int, steps: int, tasks_per_step: int | None, out: Path) -> dict:
    store = out / f"{department}-{params}-{seed}"
    report = store / department / "report.json"
    if not report.is_file():
        subprocess.run([COS, "adapters", "train", department, "--params", str(params), "--seed", str(seed),
                        "--steps", str(steps), "--out", str(store)]
                       + (["--tasks-per-step", str(tasks_per_step)] if tasks_per_step else []), check=True)
    return json.loads(report.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", required=True, help="DEPARTMENT:PARAMS:SEED ...")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--tasks-per-step", type=int, default=None, help="default: each department's own")
    parser.add_argument("--out", type=Path, default=Path("/tmp/cos-sweep"))
    args = parser.parse_args()
    rows = []
    for spec in args.runs:
        department, params, seed = spec.split(":")
        rows.append(run(department, int(params), int(seed), args.steps, args.tasks_per_step, args.out))
    print("| department | params | seed | steps × tasks | held-out metric | before | after | bytes | train s "
          "| wall s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        e = r["eval"]
        print(f"| {r['department']} | {r['params']} | {r['seed']} | {r['steps']} × {r.get('tasks_per_step', 1)} "
              f"| {e['metric']} (n={e['n']}) | "
              f"{e['before']:.3f} | {e['after']:.3f} | {r['bytes']} | {r['train_time_s']:.0f} | "
              f"{r['wall_time_s']:.0f} |")
    styled = [r for r in rows if r.get("arms")]
    if styled:
        print_arms(styled)


def gains(report: dict) -> tuple[float, float]:
    """(adapter − base, adapter − rules in prompt) in compliance points."""
    arms = report["arms"]
    adapter = arms["adapter"]["compliance"]
    return 100 * (adapter - arms["base"]["compliance"]), 100 * (adapter - arms["rules in prompt"]["compliance"])


def print_arms(rows: list[dict]) -> None:
    print("\n| department | params | seed | base | rules in prompt | adapter | adapter + rules | adapter verdict |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        a = r["arms"]
        print(f"| {r['department']} | {r['params']} | {r['seed']} | " + " | ".join(
            f"{a[arm]['compliance']:.1%}" for arm in ("base", "rules in prompt", "adapter", "adapter + rules"))
            + f" | {a['adapter']['verdict']} |")
    print("\n| department | params | seeds | adapter − base (points) | adapter − rules in prompt | guard held |")
    print("|---|---|---|---|---|---|")
    key = lambda r: (r["department"], r["params"])  # noqa: E731
    for (department, params), group in groupby(sorted(rows, key=key), key=key):
        group = list(group)
        over_base, over_prompt = zip(*(gains(r) for r in group))
        held = sum(r["arms"]["adapter"]["verdict"] == "guard held" for r in group)
        print(f"| {department} | {params} | {len(group)} | {spread(over_base)} | {spread(over_prompt)} | "
              f"{held}/{len(group)} |")


def spread(values: tuple[float, ...]) -> str:
    """Mean ± standard deviation over seeds (the mean alone for one seed)."""
    mean = statistics.mean(values)
    return f"{mean:+.1f}" + (f" ± {statistics.stdev(values):.1f}" if len(values) > 1 else "")


if __name__ == "__main__":
    main()
