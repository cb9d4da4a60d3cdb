"""`cos serve` on llama.cpp (the embedded GGUF) answers several turns at once: each turn has its own options
and its department's adapter, turns of one thread keep their order, a client that leaves frees its slot, and a
new adapter is used from the next turn on without a restart."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from chief_of_staff.models.llamacpp_chat import LlamaCppChatModel
from chief_of_staff.settings import load_settings
from chief_of_staff.turns import STOPPED_MARK

pytestmark = pytest.mark.slow
TASK = "Write a short post about our new sourdough loaf"


@pytest.fixture()
def llamacpp_settings(monkeypatch):
    for name, value in {"COS_MAX_NEW_TOKENS": "24", "COS_PARALLEL": "2", "COS_THREADS": "2",
                        "COS_CONTEXT_SIZE": "1024", "COS_OFFLINE": "1"}.items():
        monkeypatch.setenv(name, value)
    return load_settings()


@pytest.fixture()
def concurrency(monkeypatch):
    """Counts answers streaming at once on the model, each paced to 50 tokens a second (a laptop's pace)."""
    seen = {"now": 0, "most": 0}
    lock = threading.Lock()
    stream = LlamaCppChatModel._stream

    def counted(self, *args, **kwargs):
        with lock:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        try:
            for chunk in stream(self, *args, **kwargs):
                time.sleep(0.02)
                yield chunk
        finally:
            with lock:
                seen["now"] -= 1

    monkeypatch.setattr(LlamaCppChatModel, "_stream", counted)
    return seen


def chat(url: str, **body) -> list[dict]:
    response = httpx.post(f"{url}/web/chat", json=body, timeout=120)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def test_turns_of_different_threads_and_departments_run_at_once_each_with_its_own_options(
        llamacpp_settings, serve_with, concurrency):
    departments = ["security", "content", "finance", "general"]
    with serve_with(llamacpp_settings) as served:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda d: chat(served.url, message=TASK, department=d), departments))
        assert concurrency["most"] == 2, "two slots: two answers at once, never more"
        assert [r[-1]["trace"]["department"] for r in results] == departments
        assert all(r[-1]["trace"]["backend"] == "llamacpp" for r in results)
        assert served.shared.session.context.forced_department is None, "the shared context is never changed"


def test_turns_of_one_thread_wait_for_each_other_and_keep_the_thread_in_order(llamacpp_settings, serve_with,
                                                                              concurrency):
    with serve_with(llamacpp_settings) as served:
        thread_id = chat(served.url, message=TASK)[0]["thread_id"]
        concurrency["most"] = 0
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda i: chat(served.url, message=f"{TASK}, version {i}", thread_id=thread_id),
                          range(3)))
        assert concurrency["most"] == 1
        state = served.shared.session.graph.get_state({"configurable": {"thread_id": thread_id}}).values
        assert [m.type for m in state["messages"]] == ["human", "ai"] * 4
        assert len(state["traces"]) == 4


def test_a_client_that_leaves_frees_its_slot_and_its_thread_records_the_stop(llamacpp_settings, serve_with,
                                                                             concurrency):
    one_slot = llamacpp_settings.model_copy(update={"parallel": 1, "max_new_tokens": 400})
    with serve_with(one_slot) as served:
        with httpx.stream("POST", f"{served.url}/web/chat", json={"message": TASK}, timeout=60) as response:
            lines = response.iter_lines()
            thread_id = json.loads(next(lines))["thread_id"]
            assert json.loads(next(lines))["event"] == "token"  # answering: then the client hangs up
        second = chat(served.url, message="Is this login email phishing?", department="security")
        assert second[-1]["event"] == "done", "the slot was freed"
        state = served.shared.session.graph.get_state({"configurable": {"thread_id": thread_id}}).values
        assert state["messages"][-1].text.endswith(STOPPED_MARK) and state["trace"]["finish_reason"] == "stopped"


def test_a_new_adapter_answers_from_the_next_turn_without_a_restart(llamacpp_settings, serve_with, store_adapter):
    with serve_with(llamacpp_settings) as served:
        before = chat(served.url, message=TASK, department="content")[-1]
        assert before["trace"]["adapter"] is None
        store_adapter("content", seed=0)
        after = chat(served.url, message=TASK, department="content")[-1]
        assert after["trace"]["adapter"] == {"department": "content", "params": 13}
        assert after["answer"] != before["answer"]
        other = chat(served.url, message=TASK, department="security")[-1]
        assert other["trace"]["adapter"] is None
        model = served.shared.session.context.chat_model
        assert set(model.adapters) == {"content"} and model.engine.config.parallel == 2
