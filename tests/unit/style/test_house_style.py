"""House rules written as data in department.toml's [style]: each is checked by code and becomes a reward; a
malformed value is refused with its key named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.style.checks import compliance, rules_in_words
from chief_of_staff.style.rewards import style_rewards
from chief_of_staff.style.rules import HouseStyle
from chief_of_staff.training.reward_functions import RewardError, load_rewards

runner = CliRunner()


@pytest.mark.parametrize(("rule", "follows", "breaks"), [
    ({"sign_off": "#BloomFlorist"}, "Fresh tulips today. #BloomFlorist", "Fresh tulips today."),
    ({"start_with": "Verdict:"}, "**Verdict:** phishing\nWhy: the link", "This looks like phishing"),
    ({"sections": ["Verdict:", "Red flags:", "Do now:"]},
     "Verdict: phishing\nRed flags: odd link\nDo now: delete it", "Verdict: phishing\nDo now: delete\nRed flags: x"),
    ({"start_with": "Verdict:", "first_line_choices": ["phishing", "safe", "unsure"]},
     "Verdict: Safe. It is from your bank.", "Verdict: maybe phishing"),
    ({"first_line_choices": ["yes", "no"]}, "No, do not pay it.", "Not sure, check first."),
    ({"max_words": 5}, "Tulips are here, come in!", "Tulips are here, come in today!"),
    ({"min_words": 3}, "Book it now", "Book it"),
    ({"must_include": ["deal", "Friday"]}, "Our Friday deal is back", "Our Friday deals are back"),
    ({"must_include": ["$", "="]}, "Price = $85.00", "Price: 85 dollars"),  # a symbol needs no word boundary
    ({"never_use": ["cheap"]}, "Great value flowers", "Cheap flowers!"),
    ({"max_exclamations": 1}, "Open today!", "Open today!!"),
    ({"spelling": "en-GB"}, "Our favourite colour is green", "Our favorite color is green"),
    ({"spelling": "en-US"}, "We organize by color", "We organise by colour"),
    ({"emoji": True}, "Fresh bread 🍞", "Fresh bread"),
    ({"emoji": False}, "Fresh bread", "Fresh bread 🍞"),
])
def test_each_rule_is_checked_by_code_and_scored_as_a_reward(rule, follows, breaks):
    style = HouseStyle(**rule)
    assert all(compliance(style, follows).values())
    assert not all(compliance(style, breaks).values())
    compliance_reward, *per_rule = style_rewards(style)
    assert compliance_reward([follows, breaks]) == [1.0, pytest.approx(sum(compliance(style, breaks).values())
                                                                       / len(style.rules))]
    assert [f.__name__ for f in per_rule] == [f"style_{key}" for key in style.rules]
    chat_shaped = [{"role": "assistant", "content": follows}]  # TRL passes chat completions as messages
    assert all(f([chat_shaped])[0] == 1.0 for f in per_rule)


@pytest.mark.parametrize(("rule", "answer", "grade"), [
    ({"max_words": 5}, "one two three four five six", 0.8),  # a word over the limit of 5
    ({"max_words": 5}, " ".join(["word"] * 10), 0.0),  # twice the limit
    ({"sections": ["Verdict:", "Red flags:", "Do now:"]}, "Verdict: phishing\nRed flags: odd link", 2 / 3),
    ({"sign_off": "#BloomFlorist"}, "#BloomFlorist tulips are in today", 0.5),  # written, but not last
    ({"start_with": "Verdict:"}, "My Verdict: phishing", 0.5),  # on the first line, but not first
    ({"first_line_choices": ["phishing", "safe"]}, "This looks like phishing", 0.5),
    ({"must_include": ["tulips", "Friday"]}, "Tulips are in", 0.5),
    ({"max_exclamations": 1}, "Open!! today", 0.5),
    ({"spelling": "en-GB"}, "Our favorite flowers", 0.5),
])
def test_training_rewards_give_partial_credit_for_coming_closer_and_compliance_stays_pass_fail(rule, answer,
                                                                                                grade):
    """GRPO has nothing to climb while no sample passes a pass/fail rule; the grades give it a slope."""
    style = HouseStyle(**rule)
    _, per_rule = style_rewards(style)
    assert per_rule([answer]) == [pytest.approx(grade)]
    assert compliance(style, answer) == {style.rules[0]: False}


@pytest.mark.parametrize(("style", "key"), [
    ({"max_words": 0}, "max_words"),
    ({"max_words": "twenty"}, "max_words"),
    ({"spelling": "en-AU"}, "spelling"),
    ({"never_use": ["ok", " "]}, "never_use"),
    ({"sections": ["Why:", "why:"]}, "sections"),
    ({"emoji": "sometimes"}, "emoji"),
    ({"signoff": "Thanks"}, "signoff"),
    ({"min_words": 30, "max_words": 10}, "min_words"),
    ({"must_include": ["deal"], "never_use": ["Deal"]}, "must_include"),
])
def test_a_malformed_rule_is_refused_with_its_key_named(style, key):
    with pytest.raises(ValidationError) as refused:
        HouseStyle(**style)
    assert key in str(refused.value)


def test_the_rules_in_words_name_every_rule_for_the_prompt_arm():
    style = HouseStyle(sign_off="- Rosa's", max_words=40, max_exclamations=0, spelling="en-GB")
    assert rules_in_words(style) == ("House rules:\n- End every answer with: - Rosa's\n- Use at most 40 words.\n"
                                     "- Use no exclamation marks.\n- Use British spelling.")


def test_style_rewards_follow_the_departments_own_and_a_department_needs_no_rewards_py(tmp_path: Path):
    style = HouseStyle(sign_off="#Rosa")
    rewards = load_rewards(tmp_path, "voice", style)
    assert [f.__name__ for f in rewards] == ["style_compliance", "style_sign_off"]
    with pytest.raises(RewardError, match=r"\[style\]"):
        load_rewards(tmp_path, "voice", None)
    (tmp_path / "rewards.py").write_text("def mine(completions, **kw):\n    return [0.5] * len(completions)\n"
                                         "REWARDS = [mine]\n")
    assert [f.__name__ for f in load_rewards(tmp_path, "voice", style)] == [  # its own metric stays first
        "mine", "style_compliance", "style_sign_off"]
    from chief_of_staff.training.run import default_weights

    assert default_weights(load_rewards(tmp_path, "voice", style)) == [1.0, 0.0, 1.0]  # each rule counts once


def test_a_new_department_has_a_style_that_shows_and_a_broken_one_is_named(isolated_config):
    assert runner.invoke(app, ["departments", "new", "rota"]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["departments", "show", "rota", "--json"]).stdout)
    assert shown["style"]["sign_off"] == "- The Rota team" and shown["style"]["spelling"] == "en-GB"
    assert "End every answer with: - The Rota team" in runner.invoke(app, ["departments", "show", "rota"]).stdout
    manifest = isolated_config / "departments" / "rota" / "department.toml"
    manifest.write_text(manifest.read_text().replace("max_words = 120", "max_words = -3"))
    listed = json.loads(runner.invoke(app, ["departments", "list", "--json"]).stdout)
    [broken] = [b for b in listed["broken"] if "rota" in b["path"]]
    assert "style.max_words" in broken["error"]
