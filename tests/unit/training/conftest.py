"""A toy department with a verifiable task set, in a temporary ./departments folder."""

import json
from pathlib import Path

import pytest

REWARDS = '''
from chief_of_staff.training.reward_kit import completion_text, first_word


def reward_yes(completions, answer=None, **kwargs):
    return [1.0 if first_word(completion_text(c)) == a else 0.0 for c, a in zip(completions, answer)]


REWARDS = [reward_yes]
'''


TINY_TRAINING = "max_completion_length = 3\nmax_steps = 3\nnum_generations = 2\nlearning_rate = 0.05\n"


def write_toy_department(parent: Path, lines: list[str] | None = None, training: str = TINY_TRAINING) -> Path:
    folder = parent / "departments" / "toy"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "department.toml").write_text(
        f'name = "toy"\ndescription = "Says yes."\nexamples = ["say yes"]\n\n[training]\n{training}'
    )
    (folder / "prompt.md").write_text("You say yes.")
    (folder / "rewards.py").write_text(REWARDS)
    if lines is None:
        rows = [{"id": f"t{i}", "split": "heldout" if i % 3 == 0 else "train", "prompt": f"Say yes ({i}).",
                 "answer": "yes"} for i in range(9)]
        lines = [json.dumps(r) for r in rows]
    (folder / "tasks.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture()
def toy_department(isolated_config: Path) -> Path:
    return write_toy_department(isolated_config)
