"""Finance on calculable tasks it was not tuned on, through the chat path, no cloud: with its tools and without.

Two held-out sets: the department's own held-out numeric tasks (departments/finance/tasks.jsonl, split
"heldout") and tests/data/finance_calc_holdout.jsonl, written blind by a helper that never saw the tools'
examples. Each task goes through the real graph (`run_turn`, routing skipped with the finance department forced,
offline, a fresh thread) on the chosen model, once with tools and once without, side by side. Scored with
finance's `reward_exact` (the first number of the answer, to the cent). Reports the share of turns that called a
tool, how many calls the model's reply left malformed, the latency a tool call adds and, with --misses, the misses.

    .venv/bin/python bench/finance_tools.py [--model smollm2-135m] [--pick auto] [--choices 1] [--split heldout]
        [--no-baseline] [--misses] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BLIND_SET = ROOT / "tests" / "data" / "finance_calc_holdout.jsonl"


def task_sets(split: str) -> dict[str, list[dict]]:
    own = [json.loads(line) for line in (ROOT / "departments" / "finance" / "tasks.jsonl").read_text().splitlines()
           if line.strip()]
    sets = {f"finance {split} (numeric)": [t for t in own if t["split"] == split
                                           and isinstance(t["answer"], (int, float))]}
    if BLIND_SET.is_file() and split == "heldout":
        sets["blind calculable set"] = [json.loads(line) for line in BLIND_SET.read_text().splitlines()
                                        if line.strip()]
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--choices", type=int, default=None, help="tools the embedder proposes (default: the "
                        "product's)")
    parser.add_argument("--pick", choices=["auto", "model", "text-order"], default="auto",
                        help="who picks among candidate calls (COS_TOOL_PICK)")
    parser.add_argument("--split", choices=["heldout", "train"], default="heldout",
                        help="train: finance's training tasks, for choosing settings (no blind set)")
    parser.add_argument("--limit", type=int, default=0, help="first N tasks of each set (0: all)")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--no-baseline", action="store_true", help="skip the turns without tools (faster)")
    args = parser.parse_args()
    from chief_of_staff.settings import load_settings

    os.environ.setdefault("COS_MODELS_DIR", str(load_settings().models_folder))  # pulled models stay found
    os.environ["COS_DATA_DIR"] = tempfile.mkdtemp(prefix="cos-bench-")
    os.environ["COS_OFFLINE"] = "1"

    import chief_of_staff.tools.local_agent as local_agent
    from chief_of_staff.session import open_session
    from chief_of_staff.training.reward_kit import first_number, numbers_match
    from chief_of_staff.turns import run_turn

    if args.choices:
        local_agent.TOOL_CHOICES = args.choices
    settings = load_settings(fallback=False, model=args.model, backend="llamacpp", threads=2, tool_pick=args.pick)
    with open_session(settings, department="finance") as session:
        with_tools = session.context
        without = replace(with_tools, tool_selector=None)
        print(f"model {args.model} on llama.cpp, finance forced, offline; tools proposed per task: "
              f"{args.choices or local_agent.TOOL_CHOICES}; calls picked by: "
              f"{local_agent.resolve_pick(args.pick, with_tools.chat_model)}")
        for name, tasks in task_sets(args.split).items():
            tasks = tasks[: args.limit or None]
            rows: dict[str, list[dict]] = {"tools": []} if args.no_baseline else {"tools": [], "no tools": []}
            runs = [("tools", with_tools)] + ([] if args.no_baseline else [("no tools", without)])
            for i, task in enumerate(tasks):
                for label, context in runs:
                    started = time.perf_counter()
                    result = run_turn(session.graph, context.for_turn(), f"{label}-{name}-{i}", task["prompt"])
                    seconds = time.perf_counter() - started
                    tools = result.trace.get("tools", [])
                    right = numbers_match(first_number(result.answer), task["answer"])
                    rows[label].append({"right": right, "tools": tools, "seconds": seconds, "task": task,
                                        "answer": result.answer})
            n = len(tasks)
            print(f"\n{name}: {n} tasks")
            for label, done in rows.items():
                right = sum(r["right"] for r in done)
                print(f"  {label:9s} right {right}/{n} ({right / n:.1%}), median turn "
                      f"{statistics.median(r['seconds'] for r in done):.2f} s")
            tooled = [r for r in rows["tools"] if r["tools"]]
            calls = [c for r in rows["tools"] for c in r["tools"]]
            print(f"  turns that called a tool: {len(tooled)}/{n} ({len(tooled) / n:.1%}); calls {len(calls)}, "
                  f"failed {sum(1 for c in calls if c['error'])}, "
                  f"malformed {sum(1 for c in calls if 'malformed' in c['chosen_by'])}")
            if calls:
                print(f"  tool run time: median {statistics.median(c['seconds'] for c in calls) * 1000:.2f} ms")
            if tooled:
                added = [r["seconds"] for r in tooled]
                print(f"  turn time with a tool call: median {statistics.median(added):.2f} s")
            if args.misses:
                for r in rows["tools"]:
                    if not r["right"]:
                        call = r["tools"][0] if r["tools"] else None
                        print(f"  MISS [{r['task'].get('kind')}] want {r['task']['answer']}: "
                              f"{call and (call['name'], call['arguments'])} -> {r['answer'][:60]!r}")


if __name__ == "__main__":
    main()
