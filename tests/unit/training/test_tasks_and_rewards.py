"""Task sets report malformed lines by number; reward functions that raise never stop training; the built-in
departments' task sets and rewards hold together."""

import json
import logging

import pytest

from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from chief_of_staff.training.reward_functions import load_rewards, never_raising
from chief_of_staff.training.reward_kit import first_label, first_number, numbers_match
from chief_of_staff.training.tasks import TaskSetError, load_task_set
from tests.unit.training.conftest import write_toy_department

GOOD = json.dumps({"id": "a", "split": "train", "prompt": "Say yes.", "answer": "yes"})
HELD = json.dumps({"id": "b", "split": "heldout", "prompt": "Say yes!", "answer": "yes"})


def test_malformed_lines_are_reported_by_line_number(isolated_config):
    folder = write_toy_department(isolated_config, [GOOD, "{not json", HELD, '{"id": "c", "split": "test",'
                                                    ' "prompt": "x"}', json.dumps({"id": "a", "split": "train",
                                                                                    "prompt": "dup"})])
    tasks = load_task_set(folder)
    assert [n for n, _ in tasks.problems] == [2, 4, 5]
    assert "not valid JSON" in tasks.problems[0][1] and "duplicate id" in tasks.problems[2][1]
    assert len(tasks.train) == 1 and len(tasks.heldout) == 1
    with pytest.raises(TaskSetError, match="line 2.*line 4.*line 5"):
        load_task_set(folder, stop_on_error=True)


def test_task_set_without_held_out_tasks_is_refused(isolated_config):
    with pytest.raises(TaskSetError, match="heldout"):
        load_task_set(write_toy_department(isolated_config, [GOOD]))


def test_a_raising_reward_scores_only_the_bad_sample_as_unscored(caplog):
    def picky(completions, **kwargs):
        return [1.0 if c == "yes" else 1 / 0 for c in completions]

    with caplog.at_level(logging.WARNING):
        scores = never_raising(picky)(["yes", "no", "yes"], answer=["yes", "yes", "yes"])
    assert scores == [1.0, None, 1.0]
    assert "picky raised ZeroDivisionError" in caplog.text


@pytest.mark.parametrize("name", ["security", "finance", "content"])
def test_builtin_task_sets_are_big_enough_and_their_answers_score(name):
    department = discover_departments(load_settings()).departments[name]
    tasks = load_task_set(department.folder, stop_on_error=True)
    assert len(tasks.train) + len(tasks.heldout) >= 80 and len(tasks.heldout) >= 30
    metric = load_rewards(department.folder, name)[0]
    scores = metric(["", "**", "I think it might be"], **{k: [t.get(k) for t in tasks.heldout[:3]]
                                                          for k in tasks.heldout[0] if k != "prompt"})
    assert all(s is None or 0.0 <= s <= 1.0 for s in scores)


def test_reward_kit_reads_answers_the_way_a_person_would():
    assert first_label("**This is a phishing email.**", ("phishing", "fraud", "safe")) == "phishing"
    assert first_number("Total: $1,234.50 incl. VAT") == 1234.5
    assert numbers_match(18.004, 18.0) and not numbers_match(32100, 32110)
