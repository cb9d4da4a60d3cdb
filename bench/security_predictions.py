"""What a security adapter actually predicts on the held-out triage tasks: the distribution of labels its greedy
answers commit to, and which ones are right. A gain in accuracy that comes from answering one label for every
message shows up here as a single class.

    .venv/bin/python bench/security_predictions.py base PATH/TO/adapter.tinylora.json ...
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from chief_of_staff.models.embedded import load_embedded
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from chief_of_staff.tinylora.adapter_file import load_adapter
from chief_of_staff.tinylora.runtime import bank_for
from chief_of_staff.training.evaluate import greedy_answers, task_messages
from chief_of_staff.training.reward_kit import first_label
from chief_of_staff.training.tasks import load_task_set

LABELS = ("phishing", "fraud", "safe")


def main() -> None:
    settings = load_settings()
    department = discover_departments(settings).departments["security"]
    model, tokenizer, _ = load_embedded(settings.cache_dir)
    bank = bank_for(model, settings.cache_dir)
    heldout = load_task_set(department.folder).heldout
    print(f"held-out labels: {dict(Counter(t['label'] for t in heldout))}")
    for which in sys.argv[1:] or ["base"]:
        if which == "base":
            bank.activate(None)
        else:
            bank.add("probe", load_adapter(Path(which)))
            bank.activate("probe")
        prompts = [task_messages(department.training_system_prompt, t) for t in heldout]
        answers = greedy_answers(model, tokenizer, prompts, department.manifest.training.max_completion_length)
        predicted = [first_label(a, LABELS) or "(none)" for a in answers]
        right = Counter(p for t, p in zip(heldout, predicted) if t["label"] == p)
        print(f"{which}\n  predicted {dict(Counter(predicted))}\n  correct   {dict(right)}")


if __name__ == "__main__":
    main()
