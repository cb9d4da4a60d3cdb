"""What the base model already knows about a department's labelled tasks, before any adapter: every allowed label
is scored by its log-likelihood as the answer, and we report the accuracy of the best-scoring label and of the best
label after the best per-class bias (a shift of the label prior, about all a 13-parameter update can learn).
If both sit near chance, no tiny update can teach the skill.

    .venv/bin/python bench/label_knowledge.py        # security (3 labels) and finance's expense categories (8)
"""

from __future__ import annotations

from collections import Counter

import torch

from chief_of_staff.models.embedded import load_embedded
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from chief_of_staff.training.evaluate import task_messages
from chief_of_staff.training.tasks import load_task_set

TASKS = {  # department: (task field holding the label, the labels as the prompt spells them)
    "security": ("label", ("PHISHING", "FRAUD", "SAFE")),
    "finance": ("answer", ("travel", "software", "office", "meals", "utilities", "rent", "marketing", "payroll")),
}


@torch.inference_mode()
def label_scores(model, tokenizer, system_prompt: str, tasks: list[dict], labels: tuple[str, ...]) -> torch.Tensor:
    """(tasks, labels): mean log-prob per token of each label as the start of the answer."""
    rows = []
    for task in tasks:
        text = tokenizer.apply_chat_template(task_messages(system_prompt, task), tokenize=False,
                                             add_generation_prompt=True)
        prompt = tokenizer(text, return_tensors="pt", add_special_tokens=False).input_ids  # (1, T)
        row = []
        for label in labels:
            ids = tokenizer(label, add_special_tokens=False).input_ids
            full = torch.cat([prompt, torch.tensor([ids])], dim=1)  # (1, T + L)
            logprobs = torch.log_softmax(model(full).logits[0, prompt.shape[1] - 1:-1].float(), dim=-1)  # (L, V)
            row.append(sum(logprobs[i, t].item() for i, t in enumerate(ids)) / len(ids))
        rows.append(row)
    return torch.tensor(rows)


def best_bias(scores: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """The per-class bias maximising accuracy on `scores`: coordinate ascent over a grid of -5..5, three passes."""
    grid = [x / 2 for x in range(-10, 11)]
    bias = torch.zeros(scores.shape[1])

    def accuracy(b: torch.Tensor) -> float:
        return ((scores + b).argmax(1) == truth).float().mean().item()

    for _ in range(3):
        for k in range(1, scores.shape[1]):  # class 0 stays at 0: only differences matter
            candidates = []
            for value in grid:
                trial = bias.clone()
                trial[k] = value
                candidates.append((accuracy(trial), -abs(value), value))
            bias[k] = max(candidates)[2]
    return bias


def main() -> None:
    settings = load_settings()
    registry = discover_departments(settings)
    model, tokenizer, _ = load_embedded(settings.cache_dir)
    for name, (field, labels) in TASKS.items():
        department = registry.require(name)
        task_set = load_task_set(department.folder)
        lower = [label.lower() for label in labels]

        def labelled(tasks):
            return [t for t in tasks if isinstance(t.get(field), str) and t[field].lower() in lower]

        train, heldout = labelled(task_set.train), labelled(task_set.heldout)
        truth = {split: torch.tensor([lower.index(t[field].lower()) for t in tasks])
                 for split, tasks in (("train", train), ("heldout", heldout))}
        scores = {"train": label_scores(model, tokenizer, department.training_system_prompt, train, labels),
                  "heldout": label_scores(model, tokenizer, department.training_system_prompt, heldout, labels)}
        bias = best_bias(scores["train"], truth["train"])  # fitted on train, measured on held-out
        for split in ("train", "heldout"):
            plain = (scores[split].argmax(1) == truth[split]).float().mean().item()
            shifted = (scores[split] + bias).argmax(1)
            biased = (shifted == truth[split]).float().mean().item()
            spread = dict(Counter(labels[i] for i in shifted.tolist()))
            print(f"{name:8} {split:8} n={len(truth[split]):3} chance {1 / len(labels):.1%}  best label {plain:.1%}  "
                  f"with the best bias {biased:.1%}  (predicts {spread})")


if __name__ == "__main__":
    main()
