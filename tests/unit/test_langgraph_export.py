"""The graph LangGraph Server serves (langgraph_export.py), in process on the tiny model: no checkpointer of its own,
run options mapped onto the loaded Context, the Context loaded once, domain errors the server will show."""

import importlib
import json
import threading
import time
from types import SimpleNamespace

import pytest
from langchain_core.messages import AIMessageChunk
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import ValidationError

from chief_of_staff import langgraph_export
from chief_of_staff.context import Context
from chief_of_staff.router import Router
from tests.conftest import REPO

PHISHING = "We got an email asking to reset our bank password via a link, phishing?"


@pytest.fixture()
def served_graph(chat_model, departments, monkeypatch):
    """The exported graph on the tiny model, with the checkpointer the server would add."""
    context = Context(chat_model=chat_model, router=Router(departments.values()), departments=departments,
                      max_new_tokens=6)
    monkeypatch.setattr(langgraph_export, "_loaded", context)  # as if an earlier run had loaded it
    return langgraph_export.graph.copy(update={"checkpointer": InMemorySaver()})


def ask(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


def test_exported_graph_has_no_checkpointer_and_langgraph_json_points_at_it():
    assert langgraph_export.graph.checkpointer is None  # `langgraph dev` refuses a graph that brings one
    config = json.loads((REPO / "langgraph.json").read_text())
    module, variable = config["graphs"]["chief_of_staff"].split(":")
    assert getattr(importlib.import_module(module), variable) is langgraph_export.graph
    assert "." in config["dependencies"]


def test_default_context_is_loaded_once_by_concurrent_first_runs(monkeypatch):
    loads = []

    def slow_load(settings, registry):
        time.sleep(0.2)  # long enough for every thread to arrive while the first one loads
        loads.append(settings)
        return object()

    monkeypatch.setattr(langgraph_export, "_loaded", None)
    monkeypatch.setattr(langgraph_export, "load_settings", lambda: "settings")
    monkeypatch.setattr(langgraph_export, "discover_departments", lambda settings: SimpleNamespace(broken=[]))
    monkeypatch.setattr(langgraph_export, "load_context", slow_load)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(langgraph_export.default_context())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len(seen) == 6 and len({id(context) for context in seen}) == 1


def test_run_options_map_onto_the_context_and_the_thread_keeps_its_history(served_graph):
    config = {"configurable": {"thread_id": "t1"}}
    first = served_graph.invoke(ask("write a poem about spring"), config,
                                context={"department": "finance", "critical": True, "private": True})
    assert first["department"] == "finance" and first["route_score"] == 1.0
    assert first["trace"]["critical"] and first["trace"]["sensitive"]["kinds"]
    second = served_graph.invoke(ask(PHISHING), config)  # no options: routed, not critical
    assert second["department"] == "security" and not second["trace"]["critical"]
    assert [m.type for m in second["messages"]] == ["human", "ai", "human", "ai"]
    assert second["messages"][-1].name == "security"


def test_answer_tokens_stream_from_the_department_subgraph(served_graph):
    tokens, final = [], {}
    for namespace, mode, chunk in served_graph.stream(ask(PHISHING), {"configurable": {"thread_id": "t1"}},
                                                      stream_mode=["messages", "values"], subgraphs=True):
        if mode == "messages" and isinstance(chunk[0], AIMessageChunk) and "cos:answer" in chunk[1].get("tags", []):
            assert namespace  # the real graph runs as a subgraph of the exported one
            tokens.append(chunk[0].text)
        elif mode == "values" and not namespace:
            final = chunk
    assert len(tokens) > 1 and "".join(tokens) == final["messages"][-1].text


def test_unknown_department_reaches_the_server_as_a_value_error_naming_it(served_graph):
    with pytest.raises(langgraph_export.RunError, match="no department named 'nope'; choose one of") as caught:
        served_graph.invoke(ask("hello"), {"configurable": {"thread_id": "t1"}}, context={"department": "nope"})
    assert isinstance(caught.value, ValueError)  # the server shows only a ValueError's message to the client


@pytest.mark.parametrize("options", [{"critical": "maybe"}, {"departmnt": "finance"}])
def test_bad_run_options_are_refused_naming_the_field(served_graph, options):
    with pytest.raises(ValidationError, match=next(iter(options))):
        served_graph.invoke(ask("hello"), {"configurable": {"thread_id": "t1"}}, context=options)
