"""The quality guard catches answers that follow the rules without doing the task; the four arms are measured
side by side (on the tiny random model, so only the mechanics, not a gain)."""

from __future__ import annotations

import numpy as np
import pytest

from chief_of_staff.style.guard import GuardedScore, guard_failure, on_topic, repeats_itself
from chief_of_staff.style.rules import HouseStyle

STYLE = HouseStyle(sign_off="#Rosa", max_words=30)


@pytest.mark.parametrize(("answer", "failure"), [
    ("", "empty"),
    ("#Rosa", "only the sign-off"),
    ("Thanks! #Rosa", "only the sign-off"),
    ("fresh pasta fresh pasta fresh pasta fresh pasta fresh pasta fresh pasta #Rosa", "repeats itself"),
    ("The terrace reopens on Friday, book now. #Rosa", None),
])
def test_the_guard_names_why_an_answer_fails(answer, failure):
    assert guard_failure(STYLE, answer) == failure


def test_a_repeated_line_is_repetition():
    assert repeats_itself("Book your table today please\nBook your table today please")
    assert not repeats_itself("Book your table today please\nThe terrace opens on Friday")


def test_on_topic_is_the_cosine_of_task_and_answer():
    def embed(texts):  # unit vectors: "tulips" on one axis, anything else on the other
        return np.array([[1.0, 0.0] if "tulip" in t else [0.0, 1.0] for t in texts])

    assert on_topic(embed, ["tulips for mum", "tulips"], ["tulips today", "invoice due"]) == [1.0, 0.0]


def test_training_pays_for_quality_so_gibberish_cannot_buy_the_word_limit():
    """The first trained security adapter kept to 30 words by writing one hyphenated "word" of gibberish; word
    limits count joined words one by one, and `style_quality` (the guard as a reward) pays nothing for it."""
    from chief_of_staff.style.checks import compliance
    from chief_of_staff.style.rewards import style_rewards
    from chief_of_staff.training.run import default_weights

    def embed(texts):
        return np.array([[1.0, 0.0] if "tulip" in t else [0.0, 1.0] for t in texts])

    style = HouseStyle(max_words=5, never_use=["deal"])
    rewards = style_rewards(style, embed)
    assert [r.__name__ for r in rewards] == ["style_compliance", "style_max_words", "style_never_use",
                                             "style_quality"]
    assert default_weights(rewards) == [0.0, 1.0, 1.0, 2.0]  # the guard weighs as much as all the rules
    gibberish = "The-Dun-A-Sharp-Prolific-Animatum-Breath"
    assert not compliance(style, gibberish)["max_words"]
    prompts = [[{"role": "user", "content": "tulips for mum"}]] * 3
    answers = ["Fresh tulips in today", gibberish, "tulips tulips tulips tulips tulips tulips"]
    assert rewards[-1](answers, prompts=prompts) == [1.0, 0.0, 0.0]  # on-topic; off-topic; repeats itself
    never_use = rewards[2]
    assert never_use(answers) == [1.0, 1.0, 1.0]  # followed, by all three
    assert never_use(answers, prompts=prompts) == [1.0, 0.0, 0.0]  # but paid only for an answer that does the task


def test_higher_compliance_while_failing_the_guard_is_reward_hacking():
    base = GuardedScore(compliance=0.4, per_rule={}, guard_pass=0.9, topical=(0.5, 0.6, 0.4, 0.5), failures={})
    honest = GuardedScore(compliance=0.7, per_rule={}, guard_pass=0.9, topical=(0.52, 0.55, 0.42, 0.47), failures={})
    drifted = GuardedScore(compliance=0.9, per_rule={}, guard_pass=0.9, topical=(0.3, 0.4, 0.2, 0.3), failures={})
    assert honest.verdict(base) == "guard held"  # within the noise of four tasks
    assert drifted.less_on_topic(base) and drifted.verdict(base) == "reward hacking"
    assert drifted.verdict(base, trained=False) == "guard failed"  # rules in the prompt: no adapter to blame


def test_four_arms_side_by_side_with_rules_written_into_the_prompt(isolated_config, tiny_settings):
    import torch

    from chief_of_staff.cli.adapters import load_training_base
    from chief_of_staff.models.embedder import load_embedder
    from chief_of_staff.plugins.discovery import discover_departments
    from chief_of_staff.settings import load_settings
    from chief_of_staff.style.arms import four_arms
    from chief_of_staff.tinylora.layer import Trainable, snapshot
    from chief_of_staff.tinylora.spec import spec_for_params
    from chief_of_staff.training.tasks import load_task_set
    from tests.unit.training.conftest import write_toy_department

    folder = write_toy_department(isolated_config)
    manifest = folder / "department.toml"
    manifest.write_text(manifest.read_text().replace("[training]", '[style]\nsign_off = "#toy"\n\n[training]'))
    settings = load_settings()
    toy = discover_departments(settings).require("toy")
    model, tokenizer, _, bank = load_training_base(settings)
    spec = spec_for_params(13, bank.skeleton.num_modules)
    trainable = Trainable(bank.skeleton, spec, torch.full((spec.num_groups(bank.skeleton.num_modules), spec.u), 5.0))
    bank.add("toy", snapshot(trainable, bank.skeleton, "toy"))
    seen = []
    arms = four_arms(model, tokenizer, bank, toy, load_task_set(folder).heldout, load_embedder(settings.cache_dir),
                     adapter="toy", max_new_tokens=4, repetition_penalty=1.15, on_arm=seen.append)
    assert seen == ["base", "rules in prompt", "adapter", "adapter + rules"]
    assert all(set(arm.score.per_rule) == {"sign_off"} and 0 <= arm.score.compliance <= 1 for arm in arms)
    assert arms[0].answers != arms[2].answers  # the adapter is really switched in
