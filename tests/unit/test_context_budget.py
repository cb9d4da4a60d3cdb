"""Fitting a prompt into the context window: truncate the task with a notice, keep the newest history."""

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from chief_of_staff.context_budget import TEMPLATE_TOKENS_PER_MESSAGE, fit_prompt
from chief_of_staff.errors import ConfigError


def count(text: str) -> int:
    return len(text.split())


def truncate(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def fit(task, history=(), window=100, reserve=20):
    return fit_prompt("sys", list(history), task, context_window=window, reserve_for_answer=reserve,
                      count_tokens=count, truncate_to_tokens=truncate)


def test_short_task_fits_unchanged_with_no_notice():
    fitted = fit("hello there")
    assert [m.text for m in fitted.messages] == ["sys", "hello there"] and fitted.notices == []


def test_long_task_is_truncated_with_a_notice_giving_sizes():
    budget = 100 - 20 - 1 - 2 * TEMPLATE_TOKENS_PER_MESSAGE
    fitted = fit("word " * 500)
    assert count(fitted.messages[-1].text) == budget
    assert "500 tokens" in fitted.notices[0] and f"first {budget}" in fitted.notices[0]


def test_history_is_kept_newest_first_while_it_fits():
    history = [HumanMessage("old " * 30), AIMessage("older answer " * 20), HumanMessage("recent"), AIMessage("ok")]
    fitted = fit("task", history, window=100)
    assert [m.text for m in fitted.messages[1:-1]] == ["recent", "ok"]


def test_impossible_budget_is_a_clear_error():
    with pytest.raises(ConfigError, match="COS_MAX_NEW_TOKENS"):
        fit("task", window=30, reserve=25)
