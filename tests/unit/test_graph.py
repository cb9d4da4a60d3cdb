"""The graph end to end on a tiny model: route -> department -> respond, traces, memory across restarts,
truncation, bad departments, and Ctrl-C mid-answer leaving the thread consistent."""

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from chief_of_staff.context import Context
from chief_of_staff.errors import EmptyTaskError, UnknownDepartmentError
from chief_of_staff.graph import build_graph
from chief_of_staff.models.embedded import load_folder
from chief_of_staff.models.transformers_chat import TransformersChatModel
from chief_of_staff.router import Router
from chief_of_staff.threads import list_threads, open_checkpointer, thread_messages, traces_from_history
from chief_of_staff.turns import STOPPED_MARK, run_turn

TRACE_KEYS = {"department", "route_score", "model", "backend", "tokens_in", "tokens_out", "latency_s"}


def make_context(chat_model, departments, **kwargs) -> Context:
    return Context(chat_model=chat_model, router=Router(departments.values()), departments=departments,
                   max_new_tokens=6, **kwargs)


def test_answer_carries_department_and_full_trace(chat_model, departments):
    graph = build_graph(InMemorySaver())
    tokens = []
    result = run_turn(graph, make_context(chat_model, departments), "t1",
                      "We got an email asking to reset our bank password via a link, phishing?", tokens.append)
    assert result.trace["department"] == "security"
    assert TRACE_KEYS <= set(result.trace)
    assert result.trace["model"] == "tiny" and result.trace["backend"] == "transformers"
    assert result.trace["tokens_out"] == 6 and result.trace["tokens_in"] > 100
    assert "".join(tokens) == result.answer


def test_forced_department_skips_routing(chat_model, departments):
    result = run_turn(build_graph(InMemorySaver()), make_context(chat_model, departments, forced_department="finance"),
                      "t1", "write a poem about spring")
    assert result.trace["department"] == "finance" and result.trace["route_score"] == 1.0


def test_unknown_department_is_a_clear_error(chat_model, departments):
    with pytest.raises(UnknownDepartmentError, match="choose one of"):
        run_turn(build_graph(InMemorySaver()), make_context(chat_model, departments, forced_department="nope"),
                 "t1", "hello")


def test_empty_task_is_refused(chat_model, departments):
    with pytest.raises(EmptyTaskError):
        run_turn(build_graph(InMemorySaver()), make_context(chat_model, departments), "t1", "   ")


def test_huge_task_is_truncated_to_the_context_with_a_notice(chat_model, departments):
    huge = "Please review our marketing plan. " * 3000  # ~100 KB, far beyond the tiny model's 512 tokens
    assert len(huge) > 100_000
    result = run_turn(build_graph(InMemorySaver()), make_context(chat_model, departments), "t1", huge)
    assert result.trace["notices"] and "fit the model's context" in result.trace["notices"][0]
    assert result.trace["tokens_in"] <= chat_model.context_window


def test_thread_survives_a_restart_through_sqlite(chat_model, departments, tmp_path):
    db = tmp_path / "threads.sqlite"
    with open_checkpointer(db) as saver:
        run_turn(build_graph(saver), make_context(chat_model, departments), "t1", "Plan next week's staff rota")
    with open_checkpointer(db) as saver:  # a new process would do exactly this
        graph = build_graph(saver)
        run_turn(graph, make_context(chat_model, departments), "t1", "And the week after?")
        messages = graph.get_state({"configurable": {"thread_id": "t1"}}).values["messages"]
        assert [m.type for m in messages] == ["human", "ai", "human", "ai"]
        [summary] = list_threads(graph)
        assert (summary.thread_id, summary.messages, summary.title) == ("t1", 4, "Plan next week's staff rota")


def test_every_answer_keeps_its_own_trace_in_the_thread(chat_model, departments):
    graph = build_graph(InMemorySaver())
    run_turn(graph, make_context(chat_model, departments, forced_department="security"), "t1", "Is this phishing?")
    run_turn(graph, make_context(chat_model, departments, forced_department="content"), "t1", "Write a tweet")
    messages = thread_messages(graph, "t1")
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert [m.trace and m.trace["department"] for m in messages] == [None, "security", None, "content"]
    config = {"configurable": {"thread_id": "t1"}}
    # threads written before the state kept `traces` get theirs back from the checkpoints
    assert traces_from_history(graph, config) == graph.get_state(config).values["traces"]


class InterruptedModel(TransformersChatModel):
    """The real tiny model, with the user pressing Ctrl-C after the third token."""

    def _stream(self, *args, **kwargs):
        for i, chunk in enumerate(super()._stream(*args, **kwargs)):
            if i == 3:
                raise KeyboardInterrupt
            yield chunk


def test_ctrl_c_mid_answer_keeps_the_thread_consistent(tiny_model_dir, departments, chat_model):
    weights, tokenizer = load_folder(tiny_model_dir)
    stopping = InterruptedModel(weights, tokenizer, device="cpu", model_name="tiny", max_new_tokens=6)
    graph = build_graph(InMemorySaver())
    shown = []
    result = run_turn(graph, make_context(stopping, departments), "t1", "Draft a newsletter intro", shown.append)
    assert result.stopped and result.answer == "".join(shown) + STOPPED_MARK
    state = graph.get_state({"configurable": {"thread_id": "t1"}}).values
    assert [m.type for m in state["messages"]] == ["human", "ai"]
    assert state["messages"][-1].text.endswith(STOPPED_MARK)
    # the thread goes on normally afterwards
    run_turn(graph, make_context(chat_model, departments), "t1", "Try again please")
    messages = graph.get_state({"configurable": {"thread_id": "t1"}}).values["messages"]
    assert [m.type for m in messages] == ["human", "ai", "human", "ai"]
