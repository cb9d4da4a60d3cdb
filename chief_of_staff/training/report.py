"""The training report, as JSON (for tools) and Markdown (for people)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_report(report: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=2))
    (folder / "report.md").write_text(markdown(report))


def markdown(r: dict[str, Any]) -> str:
    e = r["eval"]
    tasks = r.get("tasks_per_step", 1)
    per_step = f"{tasks} {'task' if tasks == 1 else 'tasks'}"
    curve = ", ".join("–" if x is None else f"{x:.2f}" for x in r["reward_curve"])
    return f"""# TinyLoRA adapter: {r['department']}

| | |
|---|---|
| trainable parameters | {r['params']} (u={r['spec']['u']}, groups={r['groups']}, r={r['spec']['r']}) |
| adapter file | {r['bytes']} bytes |
| base model | {r['base_model']} (fingerprint {r['base_fingerprint']}) |
| steps | {r['steps']} GRPO steps of {per_step}, {r['num_generations']} samples per task |
| learning rate | {r['learning_rate']} |
| seed | {r['seed']} |
| wall time | {r['wall_time_s']:.0f} s |
| trained at | {r['trained_at']} |

Held-out {e['metric']} on {e['n']} tasks (greedy decoding): **{e['before']:.3f} → {e['after']:.3f}**

Mean reward per step: {curve}
{arms_table(r.get("arms"))}"""


def arms_table(arms: dict[str, dict] | None) -> str:
    """The four arms as a Markdown table, or nothing for a department without house rules."""
    if not arms:
        return ""
    rows = "\n".join(f"| {name} | {s['compliance']:.1%} | {s['guard_pass']:.0%} | {s['on_topic']:.3f} | "
                     f"{s['verdict']} |" for name, s in arms.items())
    return f"""
House style on the held-out tasks:

| arm | compliance | guard pass | on-topic | verdict |
|---|---|---|---|---|
{rows}
"""
