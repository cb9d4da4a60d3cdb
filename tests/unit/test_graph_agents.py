"""Departments as agents: a node per department joining at `decide`, answers streamed by tag whatever the node
is called, and a department's tools answering with the computed figure (on a tiny random model, so the figure
can only come from the tool)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from chief_of_staff.graph import FIXED_NODES, build_graph
from chief_of_staff.models.embedder import load_embedder
from chief_of_staff.models.ollama_chat import OllamaChatModel
from chief_of_staff.router import Router
from chief_of_staff.tools.selection import ToolSelector
from chief_of_staff.turns import run_turn
from tests.fakes.ollama_server import FakeOllamaServer
from tests.unit.test_graph import make_context

MARKUP = "We buy candles at $8.40 each and price them with a 75% markup on cost. What's the retail price?"


@pytest.fixture(scope="module")
def embedded_choice(departments):
    """The router and tool selector on the real sentence embedder (embedding every example takes seconds)."""
    embed = load_embedder()
    return Router(departments.values(), embed), ToolSelector(departments.values(), embed)


@pytest.fixture()
def with_tools(chat_model, departments, embedded_choice):
    """A context on the tiny model with the departments' tools."""
    router, selector = embedded_choice
    return lambda **kwargs: replace(make_context(chat_model, departments, **kwargs), router=router,
                                    tool_selector=selector)


def test_every_department_is_a_node_that_joins_at_decide(departments):
    drawing = build_graph(departments=departments).get_graph()
    for name in departments:
        assert name in drawing.nodes
        assert any(e.source == name and e.target == "decide" for e in drawing.edges)
        assert any(e.source == "assess" and e.target == name and e.conditional for e in drawing.edges)
    assert "department" not in drawing.nodes


def test_a_department_named_like_a_fixed_node_gets_a_node_of_its_own():
    drawing = build_graph(departments=["route", "finance"]).get_graph()
    assert {"route_department", "finance"} <= set(drawing.nodes)
    assert set(FIXED_NODES) <= set(drawing.nodes)


def test_answers_stream_from_whichever_department_node_answers(chat_model, departments):
    for task in ("Write a tweet about our new bread", "Is this email phishing?"):
        tokens = []
        result = run_turn(build_graph(InMemorySaver()), make_context(chat_model, departments), "t", task,
                          tokens.append)
        assert tokens and "".join(tokens) == result.answer


def test_finance_answers_with_the_computed_figure_and_how(with_tools):
    tokens = []
    result = run_turn(build_graph(InMemorySaver()), with_tools(forced_department="finance"),
                      "t1", MARKUP, tokens.append)
    assert result.answer.startswith("14.70\n\nComputed with the add_markup tool: 8.4 × (1 + 75%) = 14.70.")
    assert result.text == MARKUP
    assert "".join(tokens) == result.answer  # streamed like any answer
    [call] = result.trace["tools"]
    assert call["name"] == "add_markup" and call["arguments"] == {"cost": "8.4", "markup_percent": "75"}
    assert call["result"]["result"] == "14.70" and call["error"] is None
    assert result.trace["tier"] == 1 and result.trace["confidence"] > 0.4


def test_a_task_no_tool_fits_is_answered_by_the_model(with_tools):
    result = run_turn(build_graph(InMemorySaver()), with_tools(forced_department="finance"),
                      "t1", "Should I lease or buy a van for deliveries?")
    assert result.trace["tools"] == [] and result.trace["tokens_out"] == 6


def test_a_failing_tool_is_an_observation_and_the_model_still_answers(with_tools):
    task = "Fixed costs are $900 a month, each unit sells for $4 and costs $5 to make. How many to break even?"
    result = run_turn(build_graph(InMemorySaver()), with_tools(forced_department="finance"),
                      "t1", task)
    [call] = result.trace["tools"]
    assert call["name"] == "break_even_units" and "above the variable cost" in call["error"]
    assert result.trace["tokens_out"] == 6  # the model answered, told what the tool said


def test_an_ollama_model_with_native_tool_calling_calls_the_tool_itself(chat_model, departments, embedded_choice):
    router, selector = embedded_choice
    call = ("add_markup", {"cost": 8.4, "markup_percent": 75})
    with FakeOllamaServer(capabilities=("completion", "tools"), tool_call=call) as server:
        ollama = OllamaChatModel(model_name="smollm2:135m", host=server.url, timeout_s=10)
        context = replace(make_context(ollama, departments, forced_department="finance"), router=router,
                          tool_selector=selector)
        result = run_turn(build_graph(InMemorySaver()), context, "t1", MARKUP)
    offered = next(r for r in server.requests if r.get("tools"))
    assert offered["tools"][0]["function"]["name"] == "add_markup" and offered["stream"] is False
    [run] = result.trace["tools"]
    assert run["chosen_by"].startswith("the model, by native tool calling")
    assert result.answer.startswith("14.70\n\nComputed with the add_markup tool")


def test_an_ollama_model_without_tool_calling_picks_under_the_json_schema(chat_model, departments, embedded_choice):
    router, selector = embedded_choice
    task = "Flour went from 40 to 46 dollars a sack. What is the percentage change?"
    pick = {"tool": "percent_change", "arguments": {"old_value": "46", "new_value": "40"}}  # not text order
    with FakeOllamaServer(answer=json.dumps(pick)) as server:
        ollama = OllamaChatModel(model_name="smollm2:135m", host=server.url, timeout_s=10)
        context = replace(make_context(ollama, departments, forced_department="finance"), router=router,
                          tool_selector=selector, tool_pick="model")
        result = run_turn(build_graph(InMemorySaver()), context, "t1", task)
    assert not any(r.get("tools") for r in server.requests)
    [choice] = [r["format"] for r in server.requests if r.get("format")]
    assert pick in choice["enum"] and len(choice["enum"]) > 1  # the choice went through Ollama's grammar
    [run] = result.trace["tools"]
    assert (run["name"], run["arguments"]) == (pick["tool"], pick["arguments"])
    assert run["chosen_by"].startswith("the model, of")
