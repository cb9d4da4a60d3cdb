"""The pages of `cos serve` over real HTTP (httpx against uvicorn on 127.0.0.1, the tiny model): chat threads
with each answer's trace, the scorecard on its LangGraph flow, departments with plugin errors, costs."""

import json
import re

import httpx
import pytest
from langchain_core.messages import AIMessage
from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.models.catalogue import measured_scores
from chief_of_staff.scorecard.questions import QUESTIONS
from tests.unit.training.conftest import write_toy_department

TASK = "Is this email asking for my Microsoft password a phishing attempt?"
HTML = {"Accept": "text/html"}


def chat(url: str, **body) -> list[dict]:
    response = httpx.post(f"{url}/web/chat", json=body, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    return [json.loads(line) for line in response.text.splitlines()]


def test_home_sends_the_browser_to_chat(served):
    response = httpx.get(served.url, headers=HTML)
    assert response.status_code == 303 and response.headers["location"] == "/chat"


def test_chat_streams_the_answer_then_its_department_tier_confidence_cost_and_reasons(served):
    events = chat(served.url, message=TASK, department="security")
    first, *middle, last = events
    assert first["event"] == "thread" and first["url"] == f"/chat/{first['thread_id']}"
    tokens = [e["text"] for e in middle if e["event"] == "token"]
    assert tokens and last["event"] == "done" and "".join(tokens).strip() in last["answer"]
    trace = last["trace"]
    assert trace["department"] == "security" and trace["tier"] == 1 and trace["cost_usd"] == 0
    assert trace["confidence"] is not None and trace["reasons"]
    assert 'data-testid="department">security<' in last["meta_html"] and "tier 1 · local" in last["meta_html"]


def test_a_thread_continues_and_its_page_shows_every_answer_with_its_own_trace(served):
    thread_id = chat(served.url, message=TASK, department="security")[0]["thread_id"]
    second = chat(served.url, message="Write a tweet about our spring sale", thread_id=thread_id,
                  department="content")
    assert second[0]["thread_id"] == thread_id and second[-1]["trace"]["department"] == "content"
    page = httpx.get(f"{served.url}/chat/{thread_id}", headers=HTML)
    assert page.status_code == 200 and TASK in page.text and "spring sale" in page.text
    departments = re.findall(r'data-testid="department">(\w+)<', page.text)
    assert departments == ["security", "content"], "each answer keeps the department that gave it"
    assert page.text.count('data-testid="confidence"') == 2 and page.text.count('data-testid="cost"') == 2
    assert f'href="/chat/{thread_id}"' in httpx.get(f"{served.url}/chat", headers=HTML).text, "listed"


def test_task_text_model_output_and_reasons_are_escaped_on_the_page(served):
    thread_id = chat(served.url, message="<script>alert(1)</script> is this safe?")[0]["thread_id"]
    graph, config = served.shared.session.graph, {"configurable": {"thread_id": thread_id}}
    state = graph.get_state(config).values
    answer = state["messages"][-1]
    trace = {**state["traces"][answer.id], "reasons": ['<img src=x onerror="alert(2)">']}
    # as if the model had written markup, and a plugin's reason carried some
    graph.update_state(config, {"messages": [AIMessage(id=answer.id, content="<b>bold</b>", name=answer.name)],
                                "traces": {answer.id: trace}}, as_node="respond")
    page = httpx.get(f"{served.url}/chat/{thread_id}", headers=HTML).text
    for markup in ("<script>alert(1)</script>", "<b>bold</b>", '<img src=x onerror="alert(2)">'):
        assert markup not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page


def test_critical_and_private_flags_reach_the_policy(served):
    trace = chat(served.url, message="Should we sign the supplier contract?", critical=True,
                 private=True)[-1]["trace"]
    assert trace["critical"] and trace["sensitive"]["sensitive"] and trace["tier"] == 4
    assert served.shared.session.context.critical is False and served.shared.session.context.private is False


def test_no_adapter_is_a_per_message_choice(served):
    trace = chat(served.url, message="Is this email phishing?", no_adapter=True)[-1]["trace"]
    assert trace["adapter"] is None
    assert served.shared.session.context.use_adapter is True  # the next message uses the adapter again


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"message": "   "}, 400, "the message is empty"),
    ({}, 400, "message: Field required"),
    ({"message": "hi", "department": "hr"}, 404, "no department 'hr'; choose one of"),
    ({"message": "hi", "thread_id": "nope"}, 404, "no thread 'nope'"),
    ({"message": "hi", "thread_id": "../etc"}, 400, "thread_id"),
    ({"message": "hi", "colour": "red"}, 400, "colour"),
])
def test_bad_chat_requests_are_refused_with_a_message(served, body, status, message):
    response = httpx.post(f"{served.url}/web/chat", json=body)
    assert response.status_code == status and message in response.json()["error"]


def test_malformed_json_is_refused(served):
    response = httpx.post(f"{served.url}/web/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "bad request" in response.json()["error"]


def test_an_unknown_thread_page_is_a_404_page(served):
    page = httpx.get(f"{served.url}/chat/does-not-exist", headers=HTML)
    assert page.status_code == 404 and "No such thread" in page.text


def answer(client: httpx.Client, thread: str, choice: str | None) -> httpx.Response:
    return client.post(f"/scorecard/{thread}", data={} if choice is None else {"answer": choice})


def test_the_scorecard_asks_seven_questions_refuses_a_missing_answer_and_shows_results_with_the_chart(served):
    with httpx.Client(base_url=served.url, headers=HTML, follow_redirects=True) as client:
        started = client.post("/scorecard")
        thread = started.url.path.rsplit("/", 1)[1]
        assert thread.startswith("scorecard-") and "question 1 of 7" in started.text
        refused = answer(client, thread, None)
        assert "question 1 of 7" in refused.text and 'role="alert"' in refused.text
        for number, question in enumerate(QUESTIONS, start=1):
            page = answer(client, thread, question.choices[0].id)
            assert (f"question {number + 1} of 7" in page.text) if number < 7 else "/100" in page.text
        assert "<svg" in page.text and "area scores" in page.text and "Projected monthly cloud cost" in page.text
        results = client.get(f"/scorecard/{thread}/report.json").json()
        assert set(results["answers"]) == {q.id for q in QUESTIONS} and 0 <= results["scores"]["overall"] <= 100
        assert client.get(f"/scorecard/{thread}/chart.svg").headers["content-type"] == "image/svg+xml"
        again = answer(client, thread, QUESTIONS[0].choices[0].id)
        assert again.status_code == 200 and "/100" in again.text, "answering a finished scorecard shows its results"


def test_a_scorecard_left_after_question_four_continues_at_question_five(served):
    with httpx.Client(base_url=served.url, headers=HTML, follow_redirects=True) as client:
        thread = client.post("/scorecard").url.path.rsplit("/", 1)[1]
        for question in QUESTIONS[:4]:
            answer(client, thread, question.choices[1].id)
    with httpx.Client(base_url=served.url, headers=HTML) as later:  # a new browser session
        listing = later.get("/scorecard").text
        assert thread in listing and "question 5 of 7" in listing
        assert "question 5 of 7" in later.get(f"/scorecard/{thread}").text
        early = later.get(f"/scorecard/{thread}/report.json")
        assert early.status_code == 409 and "question 5 of 7" in early.json()["error"]


def test_an_unknown_scorecard_is_a_404(served):
    assert httpx.get(f"{served.url}/scorecard/scorecard-nope", headers=HTML).status_code == 404
    assert httpx.post(f"{served.url}/scorecard/scorecard-nope", data={"answer": "x"}).status_code == 404


def test_departments_page_lists_departments_adapters_and_every_plugin_that_failed(tmp_path, tiny_settings,
                                                                                   serve_with):
    (tmp_path / "departments" / "halfdone").mkdir(parents=True)  # no department.toml
    manifest = write_toy_department(tmp_path) / "department.toml"  # with house rules: the four arms show too
    manifest.write_text(manifest.read_text().replace("[training]", '[style]\nsign_off = "#toy"\n\n[training]'))
    trained = CliRunner().invoke(app, ["adapters", "train", "toy", "--steps", "1"])
    assert trained.exit_code == 0, trained.output
    [row] = [r for r in json.loads(CliRunner().invoke(app, ["adapters", "list", "--json"]).stdout)
             if r["department"] == "toy"]
    with serve_with(tiny_settings) as served:
        page = httpx.get(f"{served.url}/departments", headers=HTML).text
    for name in ("security", "content", "finance", "general", "toy"):
        assert f"<b>{name}</b>" in page
    assert "always local" in page and "cos adapters train security" in page
    assert f"{row['params']} parameters, {row['bytes']} bytes" in page
    before, after = row["eval"]["before"], row["eval"]["after"]
    assert f"held-out reward_yes: {before:.3f} → {after:.3f} (n={row['eval']['n']})" in page
    arms = re.findall(r'data-testid="arm">([^<]+)<', page)
    assert [a.split(" ")[0] for a in arms] == ["base", "rules", "adapter", "adapter"] and "%" in arms[2]
    assert "halfdone" in page and "missing department.toml" in page
    models = page.split('data-testid="models"')[1].split("</table>")[0]
    assert "<b>qwen2.5-coder-1.5b</b>" in models and "cos models pull qwen2.5-coder-1.5b" in models  # not pulled
    security = measured_scores()["models"]["qwen2.5-coder-1.5b"]["departments"]["security"]
    assert f"{security['right']}/{security['n']}" in models  # the measured table, as docs/benchmarks.md has it


def test_costs_page_shows_spend_budget_and_the_chart(served):
    empty = httpx.get(f"{served.url}/costs", headers=HTML).text
    assert "No answers recorded" in empty and "Claude Sonnet daily cap" in empty
    chat(served.url, message=TASK, department="security")
    page = httpx.get(f"{served.url}/costs?days=7", headers=HTML).text
    assert "1 answer</b>" in page and "100% answered on this machine" in page and "<svg" in page
    assert httpx.get(f"{served.url}/costs?days=0", headers=HTML).status_code == 400


def test_a_browser_that_leaves_mid_answer_stops_the_turn_and_the_page_shows_it_stopped(tiny_settings, serve_with,
                                                                                        paced_model):
    with serve_with(tiny_settings.model_copy(update={"max_new_tokens": 120})) as served:
        with httpx.stream("POST", f"{served.url}/web/chat", json={"message": TASK}) as response:
            lines = response.iter_lines()
            thread_id = json.loads(next(lines))["thread_id"]
            assert json.loads(next(lines))["event"] == "token"  # the first piece, then the tab closes
        assert served.shared.wait_idle(timeout=30)  # the turn has ended
        page = httpx.get(f"{served.url}/chat/{thread_id}", headers=HTML).text
        assert "[stopped]" in page and "stopped by the user" in page.lower() and ">stopped</span>" in page
        follow_up = chat(served.url, message="And what should I do now?", thread_id=thread_id)
        assert follow_up[-1]["event"] == "done", "the thread goes on after a stopped answer"
