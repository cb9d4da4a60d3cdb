"""`cos sensitive check`: which tasks hold sensitive data, as kinds and never values; exit 0 clean, 1 sensitive,
2 bad input. Through typer's runner, and once as a real process reading non-UTF-8 bytes on its stdin."""

import json
import subprocess
import sys

from typer.testing import CliRunner

from chief_of_staff.cli import app

runner = CliRunner()
CARD = "Refund the customer on card 4111 1111 1111 1111"
ORDINARY = "Write a caption for our new sourdough loaf"


def cos(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, ["sensitive", "check", *args], input=input)


def test_each_stdin_line_gets_text_sensitive_and_kinds_and_exit_1_when_one_is_sensitive():
    result = cos("--json", input=f"{CARD}\n\n{ORDINARY}\nmy password is Hunter2!x\n")
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [
        {"text": CARD, "sensitive": True, "kinds": ["payment_card"]},
        {"text": ORDINARY, "sensitive": False, "kinds": []},
        {"text": "my password is Hunter2!x", "sensitive": True, "kinds": ["credential"]},
    ]


def test_nothing_sensitive_exits_0_and_arguments_are_one_task_each():
    result = cos(ORDINARY, "chase the overdue invoice from March")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("ok") and "0 of 2 tasks" in result.stdout


def test_the_human_output_names_kinds_but_adds_no_matched_value():
    result = cos("Ring Maria Lopez on 07700 900123 about her MRI results")
    assert result.exit_code == 1
    line = result.stdout.strip()
    assert line.startswith("sensitive (contact_details, health_record)")
    assert line.count("07700 900123") == 1  # only the user's own text, echoed once


def test_a_file_is_read_one_task_per_line(tmp_path):
    tasks = tmp_path / "tasks.txt"
    tasks.write_text(f"{ORDINARY}\n{CARD}\n", encoding="utf-8")
    result = cos("--json", "--file", str(tasks))
    assert result.exit_code == 1
    assert [json.loads(line)["sensitive"] for line in result.stdout.splitlines()] == [False, True]


def test_an_unreadable_file_exits_2_with_a_clear_error(tmp_path):
    result = cos("--file", str(tmp_path / "missing.txt"))
    assert result.exit_code == 2 and "cannot read" in result.stderr and "missing.txt" in result.stderr


def test_a_file_that_is_not_utf8_exits_2_naming_the_line(tmp_path):
    tasks = tmp_path / "latin1.txt"
    tasks.write_bytes(f"{ORDINARY}\n".encode() + "café 4111 1111 1111 1111\n".encode("latin-1"))
    result = cos("--file", str(tasks))
    assert result.exit_code == 2 and "not UTF-8" in result.stderr and "line 2" in result.stderr


def test_no_task_exits_2_and_says_how_to_give_one():
    result = cos(input="\n  \n")
    assert result.exit_code == 2 and "no task given" in result.stderr


def test_non_utf8_stdin_exits_2_from_a_real_process():
    cos_script = [sys.executable, "-c", "from chief_of_staff.cli import main; main()", "sensitive", "check"]
    done = subprocess.run(cos_script, input=b"caf\xe9 au lait\n", capture_output=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert b"standard input is not UTF-8" in done.stderr and done.stdout == b""
