"""The `cos` command line through typer's runner: route, departments, ask, chat and models on a tiny model."""

import json

import pytest
from typer.testing import CliRunner

from chief_of_staff.cli import app

runner = CliRunner()


def cos(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_route_reads_tasks_from_stdin_as_json_lines():
    result = cos("route", "--json", input="Is this email a phishing scam?\nWrite a tweet about our sale\n\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["department"] for r in rows] == ["security", "content"]
    assert set(rows[0]) == {"text", "department", "score"} and 0 < rows[0]["score"] <= 1


def test_route_takes_one_task_per_argument():
    result = cos("route", "what is our cash flow forecast?", "reset my password, I think I was phished")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["finance", "security"]


def test_route_without_a_task_says_how_to_give_one():
    result = cos("route", input="")
    assert result.exit_code == 2 and "no task given" in result.stderr


def test_departments_list_json_has_builtins_and_the_example_plugin():
    result = cos("departments", "list", "--json")
    data = json.loads(result.stdout)
    names = {d["name"]: d["source"] for d in data["departments"]}
    assert names["security"] == "builtin" and names["legal"] == "entry-point:cos-department-legal"
    assert data["broken"] == []


def test_departments_list_shows_a_broken_plugin_with_its_fix(isolated_config):
    (isolated_config / "departments" / "oops").mkdir(parents=True)
    result = cos("departments", "list")
    assert result.exit_code == 0
    assert "broken" in result.stdout and "missing department.toml" in result.stdout and "fix:" in result.stdout


def test_departments_show_prints_prompt_and_examples():
    result = cos("departments", "show", "finance")
    assert result.exit_code == 0 and "system prompt" in result.stdout and "routing examples" in result.stdout


def test_departments_show_unknown_name_lists_the_known_ones():
    result = cos("departments", "show", "astrology")
    assert result.exit_code == 2 and "choose one of" in result.stderr and "security" in result.stderr


def test_new_department_is_listed_and_routable_at_once(isolated_config):
    result = cos("departments", "new", "hr", "--description", "Hiring, leave and staff contracts.")
    assert result.exit_code == 0, result.output
    assert (isolated_config / "departments" / "hr" / "department.toml").is_file()
    listed = json.loads(cos("departments", "list", "--json").stdout)
    assert "hr" in {d["name"] for d in listed["departments"]}
    routed = json.loads(cos("route", "--json", "I have an hr question").stdout)
    assert routed["department"] == "hr"


def test_new_department_with_a_bad_name_exits_2():
    result = cos("departments", "new", "Bad Name")
    assert result.exit_code == 2 and "lower-case" in result.stderr


@pytest.mark.usefixtures("tiny_settings")
class TestOnTinyModel:
    def test_ask_json_has_every_field(self):
        result = cos("ask", "--json", "How much VAT do we owe on 12,000 of sales at 20%?")
        assert result.exit_code == 0, result.output
        row = json.loads(result.stdout)
        for key in ("text", "department", "route_score", "answer", "model", "tokens_in", "tokens_out",
                    "latency_s", "thread_id", "tools"):
            assert key in row
        assert row["department"] == "finance" and row["tokens_out"] == 0  # a finance tool answered, not the model
        assert row["tools"][0]["error"] is None and row["answer"].startswith(row["tools"][0]["result"]["result"])

    def test_ask_answers_stdin_one_json_object_per_task(self):
        result = cos("ask", "--json", input="Write a blog intro about our bakery\nSchedule the team meeting\n")
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [r["department"] for r in rows] == ["content", "general"]
        assert rows[0]["thread_id"] != rows[1]["thread_id"]

    def test_ask_continues_a_thread(self):
        first = json.loads(cos("ask", "--json", "--thread", "abc", "Plan the office move").stdout)
        second = json.loads(cos("ask", "--json", "--thread", "abc", "What comes first?").stdout)
        assert first["thread_id"] == second["thread_id"] == "abc"
        assert second["tokens_in"] > first["tokens_in"], "the second turn carries the first as history"

    def test_ask_streams_text_and_prints_the_trace(self):
        result = cos("ask", "-d", "security", "hello")
        assert result.exit_code == 0
        assert "security (route 1.00)" in result.stderr and "12 tokens" in result.stderr

    def test_ask_unknown_department_exits_2_with_choices(self):
        result = cos("ask", "--department", "astrology", "hello")
        assert result.exit_code == 2 and "choose one of" in result.stderr

    def test_ask_empty_task_exits_2(self):
        result = cos("ask", "   ")
        assert result.exit_code == 2 and ("empty" in result.stderr or "no task" in result.stderr)

    def test_chat_answers_explains_and_resumes_after_restart(self):
        first = cos("chat", input="Draft a tweet about our new menu\n/why\n/threads\n/quit\n")
        assert first.exit_code == 0, first.output
        assert '"department": "content"' in first.stdout and "2 messages" in first.stdout
        again = cos("chat", input="/quit\n")
        assert "2 earlier messages" in again.stdout
        fresh = cos("chat", "--new", input="/new\n/bogus\n")
        assert "unknown command /bogus" in fresh.stdout and "earlier messages" not in fresh.stdout

    def test_models_info_json(self, tiny_model_dir):
        info = json.loads(cos("models", "info", "--json").stdout)
        assert info["loaded_from"] == "folder" and info["parameters"] > 0 and info["bytes_on_disk"] > 0
        assert str(tiny_model_dir) in info["source"]


def test_ask_on_the_ollama_backend_through_the_real_client(monkeypatch):
    from tests.fakes.ollama_server import FakeOllamaServer

    with FakeOllamaServer(models=["smollm2:135m"], answer="Lock the account and reset the password.") as server:
        monkeypatch.setenv("COS_BACKEND", "ollama")
        monkeypatch.setenv("COS_OLLAMA_HOST", server.url)
        monkeypatch.setenv("COS_MODEL", "smollm2:135m")
        result = cos("ask", "--json", "Someone logged into our email from abroad, what now?")
        row = json.loads(result.stdout)
        assert row["answer"] == "Lock the account and reset the password."
        assert (row["department"], row["backend"], row["model"]) == ("security", "ollama", "smollm2:135m")
        [request] = server.requests
        assert request["messages"][0]["role"] == "system" and "Security" in request["messages"][0]["content"]


def test_ask_with_an_unreachable_ollama_says_how_to_fix(monkeypatch):
    monkeypatch.setenv("COS_BACKEND", "ollama")
    monkeypatch.setenv("COS_OLLAMA_HOST", "http://127.0.0.1:9")
    result = cos("ask", "hello")
    assert result.exit_code == 2 and "COS_OLLAMA_HOST" in result.stderr
