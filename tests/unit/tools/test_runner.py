"""A turn's tool calls are bounded, timed, and every failure comes back as an observation, never a crash."""

from __future__ import annotations

import time

import pytest
from langchain_core.tools import tool

from chief_of_staff.tools.contract import tool_examples
from chief_of_staff.tools.runner import ToolRunner


@tool
def double(x: int) -> int:
    """Twice x."""
    return 2 * x


@tool
def explode(x: int) -> int:
    """Always fails."""
    raise RuntimeError(f"boom {x}")


@tool
def slow(x: int) -> int:
    """Takes too long."""
    time.sleep(2)
    return x


@tool_examples("Look up today's exchange rate", network=True)
@tool
def exchange_rate(currency: str) -> str:
    """Fetches a rate from the internet."""
    return "1.0"


def test_a_call_returns_its_result_and_time():
    run = ToolRunner([double], sensitive=False).call("double", {"x": 21})
    assert (run.result, run.error) == (42, None)
    assert run.seconds >= 0


def test_at_most_three_calls_a_turn():
    runner = ToolRunner([double], sensitive=False)
    runs = [runner.call("double", {"x": i}) for i in range(5)]
    assert [r.result for r in runs[:3]] == [0, 2, 4]
    assert all("at most 3 tool calls" in r.error for r in runs[3:])
    assert len(runner.runs) == 3 and runner.exhausted


def test_a_tool_exception_is_an_observation():
    run = ToolRunner([explode], sensitive=False).call("explode", {"x": 1})
    assert run.result is None and run.error == "RuntimeError: boom 1"
    assert run.observation == "error: RuntimeError: boom 1"


def test_bad_arguments_and_unknown_tools_are_observations():
    runner = ToolRunner([double], sensitive=False)
    assert "validation error" in runner.call("double", {"x": "not a number"}).error
    assert "no tool named 'triple'" in runner.call("triple", {"x": 1}).error


def test_a_slow_tool_times_out():
    run = ToolRunner([slow], sensitive=False, timeout_s=0.2).call("slow", {"x": 1})
    assert run.error == "no result within 0.2 s"


@pytest.mark.parametrize("sensitive", [True, False])
def test_a_network_tool_is_refused_in_a_sensitive_thread(sensitive):
    run = ToolRunner([exchange_rate], sensitive=sensitive).call("exchange_rate", {"currency": "EUR"})
    assert (run.error is not None and "refused" in run.error) is sensitive
