"""A short real GRPO run on the embedded model raises the reward on a toy task.

The toy task rewards answering "yes". Sampled rewards over a few steps are noisy, so the test measures what
GRPO optimises directly: the model's probability of starting its answer with "yes", before and after."""

import json

import pytest
import torch

from chief_of_staff.models.embedded import load_local_model
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from chief_of_staff.tinylora.runtime import bank_for
from chief_of_staff.training.evaluate import task_messages
from chief_of_staff.training.run import TrainRequest, train_department
from chief_of_staff.training.tasks import load_task_set
from tests.unit.training.conftest import write_toy_department

pytestmark = pytest.mark.slow
THINGS = ["a rose", "an oak", "a tulip", "a daisy", "a fern", "a cactus", "a lily", "a maple", "an orchid",
          "a pine", "a violet", "a willow"]


@torch.inference_mode()
def probability_of_yes(model, tokenizer, system_prompt, tasks) -> float:
    yes = [tokenizer.encode(w, add_special_tokens=False)[0] for w in ("yes", "Yes", "YES")]
    total = 0.0
    for task in tasks:
        text = tokenizer.apply_chat_template(task_messages(system_prompt, task), tokenize=False,
                                             add_generation_prompt=True)
        ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
        probs = torch.softmax(model(ids).logits[0, -1].float(), dim=-1)  # (V,)
        total += float(probs[yes].sum())
    return total / len(tasks)


def test_grpo_raises_the_probability_of_the_rewarded_answer(isolated_config):
    rows = [{"id": f"t{i}", "split": "heldout" if i % 4 == 0 else "train",
             "prompt": f"Is {thing} a plant? Answer yes or no.", "answer": "yes"} for i, thing in enumerate(THINGS)]
    training = ('max_completion_length = 2\nnum_generations = 8\nlearning_rate = 0.005\n'
                'system_prompt = "Answer every question with one word: yes or no."\n')
    write_toy_department(isolated_config, [json.dumps(r) for r in rows], training)
    settings = load_settings()
    department = discover_departments(settings).departments["toy"]
    tasks = load_task_set(department.folder)
    model, tokenizer, _ = load_local_model("embedded", settings.cache_dir)
    bank = bank_for(model, settings.cache_dir)
    before = probability_of_yes(model, tokenizer, department.training_system_prompt, tasks.train)
    report = train_department(model=model, tokenizer=tokenizer, bank=bank, department=department, tasks=tasks,
                              request=TrainRequest(steps=4, seed=0),
                              folder=isolated_config / "store" / "toy", model_name="SmolLM2")
    from chief_of_staff.tinylora.adapter_file import load_adapter

    bank.add("toy", load_adapter(isolated_config / "store" / "toy" / "adapter.tinylora.json"))
    bank.activate("toy")
    after = probability_of_yes(model, tokenizer, department.training_system_prompt, tasks.train)
    assert report["params"] == 13 and report["steps"] == 4
    print(f"P(yes) {before:.3f} -> {after:.3f}; rewards {report['reward_curve']}")
    assert after > before, f"P(yes) {before:.3f} -> {after:.3f}; rewards {report['reward_curve']}"
