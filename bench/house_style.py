"""House style, four arms side by side on a department's held-out prompts (#15): the base model, the base with
the rules written into its prompt, the department's adapter, and the adapter with the rules. Per arm: compliance
with each [style] rule, the quality guard (not empty, not only the sign-off, not repeating itself, as on-topic as
the base in the router's embedding) and its verdict; then the issue's goals (adapter ≥ base + 15 points,
≥ rules in prompt + 5, guard held).

    .venv/bin/python bench/house_style.py DEPARTMENT [--adapter FILE] [--limit N] [--max-new-tokens 96]

Without --adapter, the department's installed adapter for the training model is used when there is one; with
none, only the first two arms run. Answers are generated as chat generates them (prompt.md, the prepare_task hook,
greedy with chat's repetition penalty) on the training model (COS_TRAIN_MODEL, default the model in use).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_OVER_BASE, GOAL_OVER_PROMPT = 0.15, 0.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("department")
    parser.add_argument("--adapter", type=Path, help="an adapter file (default: the installed one)")
    parser.add_argument("--limit", type=int, default=0, help="the first N held-out prompts (0: all)")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--answers", action="store_true", help="print each arm's first three answers")
    args = parser.parse_args()

    from chief_of_staff.cli.adapters import load_training_base, store_for
    from chief_of_staff.models.embedder import load_embedder
    from chief_of_staff.plugins.discovery import discover_departments
    from chief_of_staff.settings import load_settings
    from chief_of_staff.style.arms import four_arms
    from chief_of_staff.tinylora.adapter_file import load_adapter
    from chief_of_staff.training.tasks import training_task_set

    settings = load_settings()
    department = discover_departments(settings).require(args.department)
    tasks = training_task_set(department).heldout[: args.limit or None]
    model, tokenizer, source, bank = load_training_base(settings)
    adapter_file = args.adapter or store_for(settings).find(department)
    if adapter_file:
        bank.add(department.name, load_adapter(adapter_file))
    started = time.perf_counter()
    arms = four_arms(model, tokenizer, bank, department, tasks, load_embedder(settings.cache_dir),
                     adapter=department.name if adapter_file else None, max_new_tokens=args.max_new_tokens,
                     repetition_penalty=settings.repetition_penalty,
                     on_arm=lambda name: print(f"  generating: {name}", file=sys.stderr))
    rules = department.manifest.style.rules
    print(f"{department.name}: {len(tasks)} held-out prompts on {source.name}, up to {args.max_new_tokens} new "
          f"tokens; adapter: {adapter_file or 'none'} ({time.perf_counter() - started:.0f} s)")
    print("| arm | compliance | " + " | ".join(rules) + " | guard pass | on-topic | verdict |")
    print("|---" * (len(rules) + 5) + "|")
    base = arms[0].score
    for arm in arms:
        s = arm.score
        per_rule = " | ".join(f"{s.per_rule[r]:.0%}" for r in rules)
        verdict = arm.verdict(arms[0])
        failures = ", ".join(f"{n} {why}" for why, n in s.failures.items())
        guard = f"{s.guard_pass:.0%}" + (f" ({failures})" if failures else "")
        print(f"| {arm.name} | {s.compliance:.1%} | {per_rule} | {guard} | {s.on_topic:.3f} | {verdict} |")
    if len(arms) == 4:
        prompt, adapter = arms[1].score, arms[2].score
        print(f"adapter − base: {adapter.compliance - base.compliance:+.1%} (goal ≥ +{GOAL_OVER_BASE:.0%}); adapter − "
              f"rules in prompt: {adapter.compliance - prompt.compliance:+.1%} (goal ≥ +{GOAL_OVER_PROMPT:.0%}); "
              f"guard: {arms[2].verdict(arms[0])}")
    if args.answers:
        for arm in arms:
            for task, answer in list(zip(tasks, arm.answers))[:3]:
                print(f"  [{arm.name}] {task['prompt'][:60]!r} -> {answer[:160]!r}")


if __name__ == "__main__":
    main()
