"""`cos scorecard` through typer's runner: questions, answers files, reports, the interactive path, bad input."""

from __future__ import annotations

import builtins
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.scorecard.questions import QUESTION_IDS

runner = CliRunner()
CLINIC_NUMBERS = ["3", "3", "3", "4", "2", "2", "2"]  # the clinic answers, typed as choice numbers


def cos(*args: str, input: str | None = None):
    return runner.invoke(app, ["scorecard", *args], input=input)


def write_answers(folder: Path, answers: object) -> str:
    path = folder / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    return str(path)


def test_questions_json_lists_every_question_with_its_text_and_choices():
    result = cos("--questions", "--json")
    assert result.exit_code == 0, result.output
    questions = json.loads(result.stdout)
    assert [q["id"] for q in questions] == list(QUESTION_IDS)
    assert questions[0]["text"] and questions[0]["choices"][0] == {"id": "just_me", "label": "Just me"}


def test_answers_file_prints_the_results_as_json(answers, tmp_path: Path):
    result = cos("--answers", write_answers(tmp_path, answers), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scores"] == {"cost": 64, "privacy": 0, "customisation": 59, "readiness": 69, "overall": 48}
    assert data["recommendations"]["cost"]["departments"][0]["local_share_source"] == "assumption"


def test_answers_file_with_report_writes_an_offline_html_page_with_the_chart_image(answers, tmp_path: Path):
    result = cos("--answers", write_answers(tmp_path, answers), "--report", str(tmp_path / "report"))
    assert result.exit_code == 0, result.output
    assert "overall 48/100" in result.stdout and "65% (assumption)" in result.stdout
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<img src="data:image/svg\+xml;base64,', html) and not re.search(r"https?://", html)
    assert ET.parse(tmp_path / "report" / "chart.svg").getroot().tag.endswith("svg")
    assert json.loads((tmp_path / "report" / "report.json").read_text())["scores"]["overall"] == 48
    assert "report.html" in result.stderr


@pytest.mark.parametrize(("change", "message"), [
    ({"mood": "happy"}, "unknown question 'mood'; the questions are: team_size, ai_spend"),
    ({"team_size": "dozens"}, "'dozens' is not a choice for 'team_size'; choose one of: just_me, 2_to_5"),
    ({"hardware": None}, "missing answer for 'hardware'"),
])
def test_a_bad_answers_file_exits_2_naming_the_problem_and_the_allowed_values(answers, tmp_path, change, message):
    answers.update(change)
    answers = {k: v for k, v in answers.items() if v is not None}
    result = cos("--answers", write_answers(tmp_path, answers))
    assert result.exit_code == 2 and message in " ".join(result.stderr.split())


def test_an_answers_file_that_is_not_json_exits_2(tmp_path: Path):
    path = tmp_path / "answers.txt"
    path.write_text("team_size = just_me")
    result = cos("--answers", str(path))
    assert result.exit_code == 2 and "is not JSON" in result.stderr


def test_an_answers_file_that_is_not_an_object_exits_2(tmp_path: Path):
    result = cos("--answers", write_answers(tmp_path, ["just_me"]))
    assert result.exit_code == 2 and "must be a JSON object" in result.stderr


def test_a_missing_answers_file_exits_2_saying_how_to_find_the_ids(tmp_path: Path):
    result = cos("--answers", str(tmp_path / "nope.json"))
    text = " ".join(result.stderr.split())
    assert result.exit_code == 2 and "no answers file at" in text and "--questions --json" in text


def test_new_and_thread_together_exit_2():
    result = cos("--new", "--thread", "abc")
    assert result.exit_code == 2 and "only one of them" in result.stderr


def test_interactive_numbers_with_an_invalid_entry_complete_the_scorecard():
    typed = [CLINIC_NUMBERS[0], "9", *CLINIC_NUMBERS[1:]]
    result = cos(input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    assert "question 3 of 7" in result.stdout and "question 7 of 7" in result.stdout
    assert "'9' is not a choice for 'ai_spend'; choose one of: nothing, under_50" in result.stdout
    assert result.stdout.count("question 2 of 7") == 2  # asked again, not skipped
    assert "overall 48/100" in result.stdout


def test_interactive_json_keeps_prompts_off_stdout():
    result = cos("--json", input="\n".join(CLINIC_NUMBERS) + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scores"]["overall"] == 48 and "question 1 of 7" in result.stderr


def test_a_session_stopped_after_question_4_resumes_at_question_5():
    stopped = cos(input="\n".join(CLINIC_NUMBERS[:4]) + "\n")  # then the input ends, like Ctrl-D
    assert stopped.exit_code == 130 and "answers given so far are saved" in stopped.stderr
    resumed = cos(input="\n".join(["", *CLINIC_NUMBERS[4:]]) + "\n")
    assert resumed.exit_code == 0, resumed.output
    assert "resume where you stopped? [Y/n]" in resumed.stdout and "question 5 of 7" in resumed.stdout
    assert "question 4 of 7" not in resumed.stdout and "overall 48/100" in resumed.stdout


def test_ctrl_c_keeps_the_answers_and_new_starts_over(monkeypatch: pytest.MonkeyPatch):
    typed = iter(CLINIC_NUMBERS[:2])

    def type_then_ctrl_c(prompt: str = "") -> str:
        try:
            return next(typed)
        except StopIteration:
            raise KeyboardInterrupt from None

    with monkeypatch.context() as patch:  # not monkeypatch.undo(): that would also undo the isolated data dir
        patch.setattr(builtins, "input", type_then_ctrl_c)
        stopped = cos()
    assert stopped.exit_code == 130 and "`cos scorecard --thread scorecard-" in stopped.stderr
    offered = cos(input="n\n")  # declined: a new scorecard
    assert "stopped at question 3 of 7" in offered.stdout and "question 1 of 7" in offered.stdout
    fresh = cos("--new", input="1\n")
    assert "resume where you stopped" not in fresh.stdout and "question 1 of 7" in fresh.stdout


def test_a_thread_id_picks_the_scorecard_to_continue():
    first = cos("--thread", "mine", input="1\n")
    assert first.exit_code == 130
    again = cos("--thread", "mine", input="\n".join(CLINIC_NUMBERS[1:]) + "\n")
    assert again.exit_code == 0 and "resume where" not in again.stdout and "question 1 of 7" not in again.stdout
