"""Ollama's API on `cos serve`, through the real `ollama` client and LangChain's ChatOllama, on the tiny model."""

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import ollama
import pytest
from langchain_ollama import ChatOllama

from chief_of_staff.turns import STOPPED_MARK

TASK = "Write a two-line Instagram caption for our florist's tulip delivery"
TRACE_KEYS = {"department", "tier", "confidence", "cost_usd", "reasons", "thread_id", "route_score"}


def test_tags_list_every_department_as_a_model_after_the_routed_one(served):
    names = [m.model for m in ollama.Client(host=served.url).list().models]
    assert names[0] == "cos" and {"cos-security", "cos-content", "cos-general"} <= set(names)
    assert httpx.get(f"{served.url}/api/version").json()["version"]


def test_show_describes_the_department(served):
    shown = ollama.Client(host=served.url).show("cos-security")
    assert shown.modelinfo["cos.department"] == "security" and "completion" in shown.capabilities


def test_chat_not_streaming_answers_in_the_named_department_with_the_trace(served):
    reply = ollama.Client(host=served.url).chat(model="cos-content", messages=[{"role": "user", "content": TASK}],
                                                 stream=False)
    assert reply.done and reply.message.role == "assistant" and reply.eval_count > 0
    assert reply.total_duration > 0 and reply.done_reason in ("stop", "length")
    raw = httpx.post(f"{served.url}/api/chat", json={"model": "cos-content", "stream": False,
                                                     "messages": [{"role": "user", "content": TASK}]}).json()
    assert TRACE_KEYS <= set(raw["cos"]) and raw["cos"]["department"] == "content" and raw["cos"]["tier"] == 1
    assert served.shared.session.context.forced_department is None, "the forced department is restored"


def test_chat_streams_pieces_then_a_closing_object_with_statistics(served):
    parts = list(ollama.Client(host=served.url).chat(
        model="cos-security", messages=[{"role": "user", "content": "Is this login email a phishing attempt?"}],
        stream=True))
    *pieces, last = parts
    assert pieces and not any(p.done for p in pieces)
    assert last.done and last.eval_count > 0 and last.prompt_eval_count > 0 and last.done_reason
    raw = httpx.post(f"{served.url}/api/chat", json={"model": "cos-security",
                                                     "messages": [{"role": "user", "content": TASK}]})
    lines = [json.loads(line) for line in raw.text.splitlines()]
    assert raw.headers["content-type"] == "application/x-ndjson" and lines[-1]["cos"]["department"] == "security"


def test_only_the_last_user_message_is_the_task_on_a_fresh_thread(served):
    messages = [{"role": "user", "content": "My card is 4111 1111 1111 1111"},
                {"role": "assistant", "content": "Noted."}, {"role": "user", "content": TASK}]
    raw = httpx.post(f"{served.url}/api/chat", json={"model": "cos-content", "messages": messages,
                                                     "stream": False}).json()
    config = {"configurable": {"thread_id": raw["cos"]["thread_id"]}}
    stored = served.shared.session.graph.get_state(config).values["messages"]
    assert [m.type for m in stored] == ["human", "ai"] and stored[0].text == TASK


def test_generate_is_routed_by_the_chief_of_staff_and_honours_num_predict(served):
    client = ollama.Client(host=served.url)
    whole = client.generate(model="cos", prompt=TASK, options={"num_predict": 3, "temperature": 0.7},
                            keep_alive="5m", format="json")
    assert whole.done and whole.eval_count <= 3
    streamed = list(client.generate(model="cos:latest", prompt=TASK, stream=True))
    assert streamed[-1].done and any(p.response for p in streamed[:-1])


def test_an_empty_request_only_loads_the_model_as_ollama_does(served):
    reply = ollama.Client(host=served.url).chat(model="cos", messages=[])
    assert reply.done and reply.done_reason == "load"


def test_chat_ollama_invokes_and_streams(served):
    llm = ChatOllama(base_url=served.url, model="cos-content", num_predict=8)
    assert llm.invoke(TASK).response_metadata["done"] is True
    chunks = list(llm.stream(TASK))
    assert chunks and "".join(c.text for c in chunks) is not None


def test_unknown_model_is_a_404_in_ollamas_shape(served):
    client = ollama.Client(host=served.url)
    for call in (lambda: client.chat(model="cos-astrology", messages=[{"role": "user", "content": TASK}]),
                 lambda: list(client.chat(model="llama3", messages=[{"role": "user", "content": TASK}], stream=True)),
                 lambda: client.show("cos-astrology")):
        with pytest.raises(ollama.ResponseError) as caught:
            call()
        assert caught.value.status_code == 404 and "not found" in caught.value.error


def test_malformed_json_is_a_400_naming_the_problem(served):
    broken = httpx.post(f"{served.url}/api/chat", content=b'{"model": "cos", "messages": [',
                        headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "error" in broken.json()
    missing = httpx.post(f"{served.url}/api/generate", json={"prompt": TASK})
    assert missing.status_code == 400 and "model" in missing.json()["error"]


def test_a_client_that_leaves_mid_stream_stops_the_turn_and_the_thread_records_it(tiny_settings, serve_with,
                                                                                   paced_model):
    long_answers = tiny_settings.model_copy(update={"max_new_tokens": 120})
    with serve_with(long_answers) as served:
        with httpx.stream("POST", f"{served.url}/api/chat", json={
                "model": "cos-content", "messages": [{"role": "user", "content": TASK}]}) as response:
            assert not json.loads(next(response.iter_lines()))["done"]  # the first piece, then hang up
        assert served.shared.wait_idle(timeout=30)  # the turn has ended
        graph = served.shared.session.graph
        threads = {c.config["configurable"]["thread_id"] for c in graph.checkpointer.list(None)}
        assert len(threads) == 1
        state = graph.get_state({"configurable": {"thread_id": threads.pop()}}).values
        assert [m.type for m in state["messages"]] == ["human", "ai"]
        assert state["messages"][-1].text.endswith(STOPPED_MARK) and state["trace"]["finish_reason"] == "stopped"
        again = ollama.Client(host=served.url).generate(model="cos-content", prompt=TASK, options={"num_predict": 4})
        assert again.done


def test_requests_at_once_take_turns_on_the_model_each_on_its_own_thread(served):
    client = ollama.Client(host=served.url)
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: client.generate(model="cos-content", prompt=TASK,
                                                          options={"num_predict": 4}), range(3)))
    assert all(r.done for r in replies)
    graph = served.shared.session.graph
    threads = {c.config["configurable"]["thread_id"] for c in graph.checkpointer.list(None)}
    assert len(threads) == 3
    for thread_id in threads:
        messages = graph.get_state({"configurable": {"thread_id": thread_id}}).values["messages"]
        assert [m.type for m in messages] == ["human", "ai"]


@pytest.mark.usefixtures("unsure", "claude")
def test_the_tier_policy_applies_as_in_chat(tiny_settings, serve_with):
    with serve_with(tiny_settings) as served:
        body = {"model": "cos-content", "messages": [{"role": "user", "content": TASK}]}
        whole = httpx.post(f"{served.url}/api/chat", json={**body, "stream": False}).json()
        assert whole["message"]["content"].startswith("Fresh tulips")
        assert whole["cos"]["tier"] == 2 and whole["cos"]["cost_usd"] > 0
        streamed = [json.loads(line) for line in httpx.post(f"{served.url}/api/chat", json=body).text.splitlines()]
        text = "".join(part["message"]["content"] for part in streamed)
        assert "escalating to claude-sonnet" in text and text.endswith("#Bloom")
        assert streamed[-1]["cos"]["escalated_to"]


def test_a_json_body_is_read_whatever_its_content_type_as_ollama_does(served):
    response = httpx.post(f"{served.url}/api/generate", content=json.dumps({"model": "cos-content", "prompt": TASK}),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})  # what `curl -d` sends
    assert response.status_code == 200 and json.loads(response.text.splitlines()[-1])["done"]
