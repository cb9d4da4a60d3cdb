"""An escalated turn gives Claude the department's tools (Messages API tool use): the real ClaudeClient against the
fake Messages API on 127.0.0.1 (tests/fakes/anthropic_server.py); the tools run here, bounded as locally."""

from __future__ import annotations

import sqlite3

import pytest
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from chief_of_staff.errors import CloudServerError, SensitiveDataBlockedError
from chief_of_staff.escalation.escalate import Escalation, escalate, estimate_cost, first_request_bytes
from chief_of_staff.escalation.ledger import Ledger
from chief_of_staff.escalation.policy import Decision, Tier
from chief_of_staff.escalation.prices import load_prices
from chief_of_staff.graph import build_graph
from chief_of_staff.models.claude import ClaudeClient
from chief_of_staff.settings import BudgetCaps, Budgets, load_settings
from chief_of_staff.tools.claude_agent import complete_with_tools
from chief_of_staff.tools.runner import MAX_CALLS, ToolRunner
from chief_of_staff.turns import run_turn
from tests.fakes.anthropic_server import DEFAULT_API_KEY, TOOL_USE_TEXT, FakeAnthropicServer
from tests.unit.escalation.test_escalation_graph import make_context

TASK = "Our supplier raised the flour price from 40 to 46 dollars a sack; what is the percentage change?"
PERCENT_CHANGE = ("percent_change", {"old_value": 40, "new_value": 46})


@tool
def client_file(name: str) -> str:
    """Looks up a client's card on file."""
    return f"{name} pays with card 4111 1111 1111 1111"


def client_for(server: FakeAnthropicServer) -> ClaudeClient:
    return ClaudeClient(api_key=DEFAULT_API_KEY, base_url=server.url, timeout_s=5.0, max_retries=0)


def ask(server: FakeAnthropicServer, tools: list, runner: ToolRunner):
    return complete_with_tools(client_for(server), runner, tools, model="claude-sonnet-5-5", system="Finance.",
                               messages=[{"role": "user", "content": TASK}], max_tokens=256, sensitive_thread=False)


def test_an_escalated_finance_turn_lets_claude_call_the_tool_and_answer_from_its_result(chat_model, departments):
    with FakeAnthropicServer(modes=["tool_use", "ok"], tool_call=PERCENT_CHANGE) as server:
        context = make_context(chat_model, departments, server, department="finance")
        streamed: list[str] = []
        result = run_turn(build_graph(InMemorySaver()), context, "t1", TASK, streamed.append)

    first, second = (r["body"] for r in server.requests)
    offered = {t["name"]: t for t in first["tools"]}
    assert "percent_change" in offered and offered["percent_change"]["input_schema"]["required"] == [
        "old_value", "new_value"]
    (use,) = [b for b in second["messages"][-2]["content"] if b["type"] == "tool_use"]
    (answer,) = second["messages"][-1]["content"]
    assert (use["name"], use["input"]) == PERCENT_CHANGE
    assert answer["type"] == "tool_result" and answer["tool_use_id"] == use["id"] and "15.0" in answer["content"]
    assert result.answer == f"{TOOL_USE_TEXT}\n\nThe tool says: {answer['content']}."
    assert "".join(streamed).endswith(result.answer)
    claude_calls = [t for t in result.trace["tools"] if t["chosen_by"].startswith("Claude")]
    assert [(t["name"], t["arguments"]) for t in claude_calls] == [PERCENT_CHANGE]
    assert result.trace["escalated_to"] == "claude-sonnet-5-5"
    with sqlite3.connect(context.escalation.ledger.where) as db:
        (tokens_in, status), = db.execute("SELECT input_tokens, status FROM spend WHERE tier = 2").fetchall()
    assert status == "settled"
    assert tokens_in == server.usage(first)["input_tokens"] + server.usage(second)["input_tokens"]  # both billed


def test_a_tool_error_goes_back_to_claude_as_an_error_result():
    with FakeAnthropicServer(modes=["tool_use", "ok"], tool_call=("no_such_tool", {})) as server:
        reply = ask(server, [client_file], ToolRunner([client_file], sensitive=False))
    (result,) = server.requests[1]["body"]["messages"][-1]["content"]
    assert result["is_error"] is True and "no tool named 'no_such_tool'" in result["content"]
    assert "no tool named" in reply.text


def test_claude_makes_at_most_three_calls_then_must_answer():
    @tool
    def double(x: int) -> int:
        """Twice x."""
        return 2 * x

    runner = ToolRunner([double], sensitive=False)
    with FakeAnthropicServer(default_mode="tool_use", tool_call=("double", {"x": 2})) as server:
        ask(server, [double], runner)
    bodies = [r["body"] for r in server.requests]
    assert len(bodies) == MAX_CALLS + 1 and len(runner.runs) == MAX_CALLS
    assert [b.get("tool_choice") for b in bodies] == [None] * MAX_CALLS + [{"type": "none"}]


def test_a_tool_result_holding_sensitive_data_is_never_sent_and_earlier_usage_is_kept():
    runner = ToolRunner([client_file], sensitive=False)
    with FakeAnthropicServer(modes=["tool_use"], tool_call=("client_file", {"name": "Ada"})) as server:
        with pytest.raises(SensitiveDataBlockedError) as blocked:
            ask(server, [client_file], runner)
    assert len(server.requests) == 1  # the result with the card number never left
    assert "payment_card" in blocked.value.kinds and blocked.value.usage.input_tokens > 0


def test_a_failure_after_a_tool_call_carries_the_usage_of_both_requests():
    @tool
    def double(x: int) -> int:
        """Twice x."""
        return 2 * x

    with FakeAnthropicServer(modes=["tool_use", "500"], tool_call=("double", {"x": 2})) as server:
        with pytest.raises(CloudServerError) as failed:
            ask(server, [double], ToolRunner([double], sensitive=False))
    assert failed.value.usage.input_tokens == server.usage(server.requests[0]["body"])["input_tokens"]


def test_without_tools_one_plain_request_is_made():
    with FakeAnthropicServer() as server:
        reply = ask(server, [], ToolRunner([], sensitive=False))
    (request,) = server.requests
    assert "tools" not in request["body"] and reply.text == "Hello from the fake Claude."


def test_each_request_after_a_tool_call_is_reserved_and_an_exhausted_budget_stops_the_turn(departments, tmp_path):
    finance = departments["finance"]
    messages, prompt_bytes = [{"role": "user", "content": TASK}], 2000
    sonnet = load_prices().sonnet
    first = estimate_cost(sonnet, first_request_bytes(finance, prompt_bytes), 256)
    budgets = Budgets(sonnet=BudgetCaps(daily_usd=first * 1.5, monthly_usd=None))  # room for one request only
    settings = load_settings(budgets=budgets, cloud_max_tokens=256)
    with FakeAnthropicServer(modes=["tool_use", "ok"], tool_call=PERCENT_CHANGE) as server:
        escalation = Escalation(settings=settings, prices=load_prices(), client=client_for(server),
                                ledger=Ledger(tmp_path / "ledger.sqlite", budgets))
        runner = ToolRunner(finance.tools, sensitive=False)
        outcome = escalate(escalation, Decision(Tier.SONNET, "claude-sonnet-5-5", ("not confident",)), finance,
                           "Finance.", messages, prompt_bytes, False, runner=runner)
    assert len(server.requests) == 1 and [r.name for r in runner.runs] == ["percent_change"]
    assert outcome.text is None and "stopped after a tool call" in outcome.note and outcome.cost_usd > 0
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        (status, actual, tokens_in), = db.execute("SELECT status, actual_usd, input_tokens FROM spend").fetchall()
    assert status == "failed" and actual == pytest.approx(outcome.cost_usd) and tokens_in > 0
