"""Escalation from the command line on a tiny model: `cos ask --json` trace fields, --critical, --private,
--offline, a keyless machine, `cos costs` and `cos escalation calibrate`, with Claude played by a fake Messages
API on 127.0.0.1 reached through the real anthropic SDK."""

import json

import pytest
from typer.testing import CliRunner

from chief_of_staff.cli import app
from tests.fakes.anthropic_server import DEFAULT_API_KEY, FakeAnthropicServer

runner = CliRunner()
ESCALATION_KEYS = {"tier", "model", "confidence", "threshold", "critical", "sensitive", "cost_usd", "reasons"}
CAPTION = "Write a two-line Instagram caption for our florist's tulip delivery"


def cos(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


@pytest.mark.usefixtures("tiny_settings", "unsure")
class TestEscalationCli:
    def test_ask_json_explains_the_escalation_and_its_cost(self, claude):
        row = json.loads(cos("ask", "--json", "-d", "content", CAPTION).stdout)
        assert ESCALATION_KEYS <= set(row)
        assert row["tier"] == 2 and row["model"] == "claude-sonnet-5-5" and row["answer"].startswith("Fresh tulips")
        assert row["threshold"] == 1.0 and row["confidence"] < 1.0 and row["cost_usd"] > 0
        assert row["sensitive"] == {"sensitive": False, "kinds": []} and row["critical"] is False
        assert len(claude.requests) == 1

    def test_critical_flag_sends_to_opus_and_the_text_shows_why(self, claude):
        result = cos("ask", "--critical", "-d", "content", CAPTION)
        assert result.exit_code == 0, result.output
        assert "escalating to claude-opus-5-5" in result.stderr and "tier 3" in result.stderr
        assert claude.requests[0]["body"]["model"] == "claude-opus-5-5"

    def test_private_flag_keeps_the_thread_on_the_machine(self, claude):
        row = json.loads(cos("ask", "--json", "--private", "-d", "content", CAPTION).stdout)
        assert row["tier"] == 4 and "marked private by the user" in row["sensitive"]["kinds"]
        assert claude.requests == []

    def test_offline_flag_answers_locally_saying_what_would_escalate(self, claude):
        row = json.loads(cos("ask", "--json", "--offline", "-d", "content", CAPTION).stdout)
        assert row["tier"] == 1 and row["answer"] and claude.requests == []
        assert any(n.startswith("offline; would escalate to claude-sonnet-5-5") for n in row["notices"])

    def test_no_api_key_is_not_an_error(self):
        result = cos("ask", "--json", "-d", "content", CAPTION)
        assert result.exit_code == 0
        assert any("no ANTHROPIC_API_KEY; would escalate" in n for n in json.loads(result.stdout)["notices"])
        text = cos("ask", "-d", "content", CAPTION)
        assert "would escalate to claude-sonnet-5-5" in text.stderr and "escalating to" not in text.stderr

    def test_costs_show_spend_budget_left_and_saving(self, claude):
        cos("ask", "-d", "content", CAPTION)
        cos("ask", "--private", "-d", "content", CAPTION)
        summary = json.loads(cos("costs", "--json").stdout)
        assert summary["answers"] == 2 and summary["local_share"] == 0.5 and summary["cost_usd"] > 0
        assert [row["tier"] for row in summary["by_tier"]] == [2, 4]
        text = cos("costs").stdout
        assert "2 answers" in text and "Budget left" in text and "saving" in text

    def test_chat_why_shows_the_tier_and_reasons(self, claude):
        result = cos("chat", "-d", "content", input=f"{CAPTION}\n/why\n/critical {CAPTION}\n/why\n/quit\n")
        assert result.exit_code == 0, result.output
        assert '"tier": 2' in result.stdout and '"tier": 3' in result.stdout and '"reasons"' in result.stdout


@pytest.mark.usefixtures("tiny_settings")
def test_calibrate_stores_a_threshold_and_reports_auroc_and_local_share(isolated_config):
    result = cos("escalation", "calibrate", "security", "--json")
    assert result.exit_code == 0, result.output
    calibration = json.loads(result.stdout)
    assert calibration["n"] == 40 and calibration["target_accuracy"] == 0.9
    assert 0.0 <= calibration["local_share"] <= 1.0
    assert (isolated_config / "data" / "calibration" / "security.json").is_file()
    text = cos("escalation", "calibrate", "security", "--target", "0.5")
    assert "AUROC" in text.stdout and "stay local" in text.stdout


def test_calibrate_unknown_department_exits_2():
    result = cos("escalation", "calibrate", "astrology")
    assert result.exit_code == 2 and "choose one of" in result.stderr


@pytest.mark.usefixtures("tiny_settings", "unsure")
def test_a_broken_off_cloud_answer_is_followed_by_the_local_answer_that_stands(monkeypatch):
    with FakeAnthropicServer(default_mode="drop", answer="one two three four five six") as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", DEFAULT_API_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("COS_CLAUDE_MAX_RETRIES", "0")
        result = cos("ask", "-d", "content", CAPTION)
    assert result.exit_code == 0, result.output
    assert "one two" in result.stdout, "the partial cloud text was streamed"
    assert "the local answer stands" in result.stderr and "Claude failed" in result.stderr


@pytest.mark.usefixtures("tiny_settings")
def test_calibrate_measures_answers_as_chat_gives_them_tools_included(isolated_config):
    """On a tiny random model a right finance figure can only come from the department's tools."""
    calibration = json.loads(cos("escalation", "calibrate", "finance", "--json").stdout)
    assert calibration["base_accuracy"] > 0.3
    text = cos("escalation", "calibrate", "finance")
    assert "answered by a tool" in text.stdout
