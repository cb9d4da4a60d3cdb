"""Can GRPO learn a house rule? It can only reinforce what some samples already do: this samples answers the way
training does (8 per prompt, temperature 1, prompt.md as the system prompt) and prints, per [style] rule, the mean
grade, the share of samples that follow it, and in how many prompts' groups the grades differ (a group whose
samples all score the same gives GRPO no signal).

    .venv/bin/python bench/style_sampling.py DEPARTMENT [--prompts 8] [--max-new-tokens 64] [--rules-in-prompt]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("department")
    parser.add_argument("--prompts", type=int, default=8, help="training prompts sampled")
    parser.add_argument("--samples", type=int, default=8, help="answers per prompt (the GRPO group)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--rules-in-prompt", action="store_true", help="write the rules into the system prompt")
    args = parser.parse_args()

    import torch

    from chief_of_staff.cli.adapters import load_training_base
    from chief_of_staff.plugins.discovery import discover_departments
    from chief_of_staff.settings import load_settings
    from chief_of_staff.style.checks import grades, rules_in_words
    from chief_of_staff.training.evaluate import task_messages
    from chief_of_staff.training.tasks import training_task_set

    settings = load_settings()
    department = discover_departments(settings).require(args.department)
    style = department.manifest.style
    if style is None or not style.rules:
        sys.exit(f"{department.name} has no [style] rules")
    system = department.training_system_prompt
    if args.rules_in_prompt:
        system += "\n\n" + rules_in_words(style)
    prompts = [department.prepare_task(t["prompt"]) for t in training_task_set(department).train[: args.prompts]]
    model, tokenizer, source, _ = load_training_base(settings)
    torch.manual_seed(0)
    started = time.perf_counter()
    per_prompt: list[list[dict[str, float]]] = []
    for prompt in prompts:
        text = tokenizer.apply_chat_template(task_messages(system, {"prompt": prompt}), tokenize=False,
                                             add_generation_prompt=True)
        batch = tokenizer([text] * args.samples, return_tensors="pt", add_special_tokens=False).to(model.device)
        with torch.inference_mode():
            out = model.generate(**batch, max_new_tokens=args.max_new_tokens, do_sample=True, temperature=1.0,
                                 top_k=0, top_p=1.0, pad_token_id=tokenizer.eos_token_id)
        answers = tokenizer.batch_decode(out[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
        per_prompt.append([grades(style, a) for a in answers])
    print(f"{department.name} on {source.name}: {len(prompts)} prompts × {args.samples} samples of up to "
          f"{args.max_new_tokens} tokens, rules in prompt: {args.rules_in_prompt} "
          f"({time.perf_counter() - started:.0f} s)")
    print("| rule | mean grade | samples following it | groups with a signal |")
    print("|---|---|---|---|")
    for rule in style.rules:
        groups = [[g[rule] for g in group] for group in per_prompt]
        flat = [x for group in groups for x in group]
        varied = sum(len(set(group)) > 1 for group in groups)
        print(f"| {rule} | {statistics.mean(flat):.2f} | {sum(x >= 1 for x in flat) / len(flat):.0%} | "
              f"{varied}/{len(groups)} |")


if __name__ == "__main__":
    main()
