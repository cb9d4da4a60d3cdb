"""Train department adapters over a grid of sizes and seeds with the real `cos adapters train`, then print the
held-out metric before -> after, bytes and wall time per run as a Markdown table (P4 and the README's sweep).

    .venv/bin/python bench/adapter_sweep.py --runs security:13:0 security:13:1 finance:13:0 --steps 20 \
        --out /tmp/sweep

Each run is DEPARTMENT:PARAMS:SEED and is written to OUT/DEPARTMENT-PARAMS-SEED/DEPARTMENT/. A run whose report
already exists is not repeated, so the sweep can be stopped and started again.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
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


if __name__ == "__main__":
    main()
