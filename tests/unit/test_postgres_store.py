"""Threads, scorecards, the ledger and calibrations in PostgreSQL (COS_DATABASE_URL, a real server from
tests/postgres_server.py): two `cos serve` replicas that share nothing but the database continue each other's
threads and scorecards, hold one budget, and escalate at the same calibrated thresholds."""

import json
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.escalation.calibration import calibrate, load_calibration, save_calibration
from chief_of_staff.scorecard.questions import QUESTIONS
from tests.unit.server.conftest import paced_model, serving  # noqa: F401 (paced_model: a fixture)
from tests.unit.server.test_server_pages import HTML, TASK, answer, chat

pytestmark = pytest.mark.postgres


@pytest.fixture()
def replicas(tiny_settings, postgres_url, tmp_path):
    """Settings for replica A and replica B: one database, each its own data directory."""
    shared = tiny_settings.model_copy(update={"database_url": postgres_url})
    return tuple(shared.model_copy(update={"data_dir": tmp_path / name}) for name in ("a", "b"))


def test_a_thread_started_on_one_replica_continues_on_another_with_its_traces(replicas, tmp_path):
    with serving(replicas[0]) as a, serving(replicas[1]) as b:
        thread_id = chat(a.url, message=TASK, department="security")[0]["thread_id"]
        second = chat(b.url, message="Write a tweet about our spring sale", thread_id=thread_id,
                      department="content")
        assert second[0]["thread_id"] == thread_id
        assert second[-1]["trace"]["tokens_in"] > 0
        page = httpx.get(f"{a.url}/chat/{thread_id}", headers=HTML).text  # back on A: both answers
    assert re.findall(r'data-testid="department">(\w+)<', page) == ["security", "content"]
    assert TASK in page and "spring sale" in page
    assert not list(tmp_path.rglob("threads.sqlite")), "nothing was written to SQLite"


def test_a_scorecard_begun_on_one_replica_resumes_on_another_after_question_four(replicas):
    with serving(replicas[0]) as a, serving(replicas[1]) as b:
        with httpx.Client(base_url=a.url, headers=HTML, follow_redirects=True) as on_a:
            thread = on_a.post("/scorecard").url.path.rsplit("/", 1)[1]
            for question in QUESTIONS[:4]:
                answer(on_a, thread, question.choices[1].id)
        with httpx.Client(base_url=b.url, headers=HTML, follow_redirects=True) as on_b:
            assert "question 5 of 7" in on_b.get(f"/scorecard/{thread}").text
            for question in QUESTIONS[4:]:
                page = answer(on_b, thread, question.choices[1].id)
    assert "/100" in page.text


def test_cos_ask_keeps_its_threads_in_postgres(postgres_url, monkeypatch, isolated_config):
    import psycopg

    monkeypatch.setenv("COS_DATABASE_URL", postgres_url)
    runner = CliRunner()
    for task in ("Plan the office move", "What comes first?"):
        assert runner.invoke(app, ["ask", "--thread", "move", "--offline", task]).exit_code == 0
    with psycopg.connect(postgres_url) as conn:
        threads = conn.execute("SELECT DISTINCT thread_id FROM cos_threads.checkpoints").fetchall()
        versions = conn.execute("SELECT count(*) FROM cos_threads.checkpoint_migrations").fetchone()[0]
    assert threads == [("move",)] and versions > 0  # the schema is created and migrated by the program
    assert not (isolated_config / "data" / "threads.sqlite").exists()


def test_a_bad_or_unreachable_database_is_a_clear_error_without_the_password(monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("COS_DATABASE_URL", "mysql://cos@127.0.0.1/chief")
    wrong = runner.invoke(app, ["ask", "--offline", "hello"])
    assert wrong.exit_code == 2 and "database_url" in wrong.output and "postgresql://" in wrong.output
    monkeypatch.setenv("COS_DATABASE_URL", "postgresql://cos:s3cret@127.0.0.1:1/chief")
    down = runner.invoke(app, ["ask", "--offline", "hello"])
    assert down.exit_code == 2 and "cannot open PostgreSQL at cos@127.0.0.1:1/chief" in down.output
    assert "s3cret" not in down.output


def test_cos_db_copy_moves_threads_a_paused_scorecard_and_calibrations_into_postgres_losing_nothing(
        tiny_settings, postgres_url, monkeypatch, tmp_path):
    with serving(tiny_settings) as laptop:  # SQLite, the default
        thread_id = chat(laptop.url, message=TASK, department="security")[0]["thread_id"]
        chat(laptop.url, message="And what do I tell the team?", thread_id=thread_id)
        with httpx.Client(base_url=laptop.url, headers=HTML, follow_redirects=True) as client:
            scorecard = client.post("/scorecard").url.path.rsplit("/", 1)[1]
            for question in QUESTIONS[:4]:
                answer(client, scorecard, question.choices[1].id)
    calibration = calibrate("content", [0.9, 0.8, 0.2, 0.1], [True, True, False, False])
    save_calibration(tiny_settings.calibration_store, calibration)
    runner = CliRunner()
    laptop_costs = json.loads(runner.invoke(app, ["costs", "--json"]).stdout)
    copied = runner.invoke(app, ["db", "copy", "--to", postgres_url])
    assert copied.exit_code == 0, copied.output
    assert "threads: copied 1 threads" in copied.output and "scorecards: copied 1 threads" in copied.output
    assert "calibrations: copied 1 (content) to PostgreSQL" in copied.output
    assert "ledger: copied 2 entries" in copied.output  # the two answers, local ones included
    again = runner.invoke(app, ["db", "copy", "--to", postgres_url])
    assert again.exit_code == 2 and "already has 2 entries: not copied" in again.output
    monkeypatch.setenv("COS_DATABASE_URL", postgres_url)
    assert runner.invoke(app, ["db", "migrate"]).exit_code == 0  # rerunning the setup changes nothing
    in_postgres = tiny_settings.model_copy(update={"database_url": postgres_url, "data_dir": tmp_path / "elsewhere"})
    assert load_calibration(in_postgres.calibration_store, "content") == calibration, "every replica reads it"
    assert json.loads(runner.invoke(app, ["costs", "--json"]).stdout) == laptop_costs
    stores = json.loads(runner.invoke(app, ["db", "check", "--json"]).stdout)
    assert [(s["store"], s["threads"]) for s in stores] == [("threads", 1), ("scorecards", 1)]
    assert all(s["where"].startswith("PostgreSQL cos@127.0.0.1:") for s in stores)
    with serving(tiny_settings.model_copy(update={"database_url": postgres_url})) as server:
        page = httpx.get(f"{server.url}/chat/{thread_id}", headers=HTML).text
        assert TASK in page and "what do I tell the team" in page and page.count('data-testid="department"') == 2
        assert "question 5 of 7" in httpx.get(f"{server.url}/scorecard/{scorecard}", headers=HTML).text


def test_cos_db_copy_needs_a_postgresql_url():
    result = CliRunner().invoke(app, ["db", "copy", "--to", "sqlite:///elsewhere.db"])
    assert result.exit_code == 2 and "--to must be a postgresql:// URL" in result.output


def test_fifty_escalations_on_two_replicas_never_go_over_their_shared_cap(tiny_settings, postgres_url, tmp_path,
                                                                          monkeypatch):
    """The ledger's reservation is one PostgreSQL transaction under an advisory lock, so a cap holds across
    replicas; every reservation ends settled or failed, none left open."""
    import psycopg

    from chief_of_staff.escalation.calibration import Calibration
    from chief_of_staff.settings import BudgetCaps, Budgets
    from tests.fakes.anthropic_server import DEFAULT_API_KEY, FakeAnthropicServer

    cap = 0.17  # a 1,000-word answer costs about a cent on Sonnet: the cap allows 10 to 20 of them
    replicas = [tiny_settings.model_copy(update={  # each its own data dir: only the database is shared
        "database_url": postgres_url, "data_dir": tmp_path / name,
        "budgets": Budgets(sonnet=BudgetCaps(daily_usd=cap, monthly_usd=None))}) for name in ("a", "b")]
    for department in ("content", "general"):  # never sure enough to answer locally, on either replica
        save_calibration(replicas[0].calibration_store, Calibration(
            department=department, threshold=1.0, target_accuracy=0.9, local_share=0.0, local_accuracy=None,
            base_accuracy=0.0, auroc=None, n=1))

    with FakeAnthropicServer(answer=" ".join(["tulips"] * 1000)) as claude:
        monkeypatch.setenv("ANTHROPIC_API_KEY", DEFAULT_API_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", claude.url)
        monkeypatch.setenv("COS_CLAUDE_MAX_RETRIES", "0")
        traces = ask_fifty_at_once(*replicas)
    escalated = [t for t in traces if t["tier"] == 2]
    with psycopg.connect(postgres_url) as conn:
        spent, settled = conn.execute("SELECT COALESCE(SUM(actual_usd), 0), COUNT(*) FROM cos_ledger.spend "
                                      "WHERE tier = 2 AND status = 'settled'").fetchone()
        open_reservations = conn.execute("SELECT COUNT(*) FROM cos_ledger.spend WHERE status = 'reserved'").fetchone()
    print(f"{len(escalated)} of 50 escalated, ${spent:.4f} settled under a ${cap} cap")
    assert 0 < len(escalated) < 50 and settled == len(escalated)
    assert spent <= cap + 1e-9 and spent == pytest.approx(sum(t["cost_usd"] for t in escalated), abs=1e-4)
    assert open_reservations == (0,)


def ask_fifty_at_once(settings_a, settings_b) -> list[dict]:
    """50 escalating turns at once, alternating between two replicas; each turn's trace."""
    with serving(settings_a) as a, serving(settings_b) as b:
        def ask(number: int) -> dict:
            body = {"model": "cos-content", "stream": False,
                    "messages": [{"role": "user", "content": f"Write tweet {number} about our spring sale"}]}
            response = httpx.post(f"{(a, b)[number % 2].url}/api/chat", json=body, timeout=300)
            assert response.status_code == 200, response.text
            return response.json()["cos"]

        with ThreadPoolExecutor(max_workers=50) as pool:
            return list(pool.map(ask, range(50)))


@pytest.mark.usefixtures("paced_model")
def test_two_replicas_answering_one_thread_at_once_take_turns_instead_of_forking_it(replicas):
    """The second turn waits for the first (a PostgreSQL advisory lock per thread): both answers are kept, in
    order, on one thread. Without the lock both turns would start from the same state and one would be lost."""
    slow = [r.model_copy(update={"max_new_tokens": 40}) for r in replicas]
    with serving(slow[0]) as a, serving(slow[1]) as b:
        thread_id = chat(a.url, message=TASK)[0]["thread_id"]
        with ThreadPoolExecutor(max_workers=2) as pool:
            turns = list(pool.map(lambda args: chat(args[0], message=args[1], thread_id=thread_id),
                                  [(a.url, "First follow-up question?"), (b.url, "Second follow-up question?")]))
        assert all(turn[-1]["event"] == "done" for turn in turns)
        state = a.shared.session.graph.get_state({"configurable": {"thread_id": thread_id}}).values
    kinds = [m.type for m in state["messages"]]
    assert kinds == ["human", "ai"] * 3, kinds
    asked = [m.content for m in state["messages"] if m.type == "human"][1:]
    assert sorted(asked) == ["First follow-up question?", "Second follow-up question?"]


def test_a_replica_killed_in_the_middle_of_an_escalation_leaves_a_reservation_that_expires_and_still_counts(
        postgres_url, isolated_config, monkeypatch):
    """SIGKILL gives the replica no chance to settle: its reservation stays, counts against the cap at its estimate
    (the API may have charged for the call), and the next reservation after `stale_after` marks it expired."""
    import datetime as dt
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time
    from pathlib import Path

    import psycopg

    from chief_of_staff.escalation.calibration import Calibration
    from chief_of_staff.escalation.ledger import Ledger
    from chief_of_staff.escalation.policy import Tier
    from chief_of_staff.postgres import PostgresSchema
    from chief_of_staff.settings import BudgetCaps, Budgets
    from tests.fakes.anthropic_server import DEFAULT_API_KEY, FakeAnthropicServer
    from tests.unit.models.test_openai_backend import free_port

    save_calibration(PostgresSchema(postgres_url, "cos_calibrations"), Calibration(
        department="content", threshold=1.0, target_accuracy=0.9, local_share=0.0, local_accuracy=None,
        base_accuracy=0.0, auroc=None, n=1))  # never sure enough to answer locally
    port = free_port()
    with FakeAnthropicServer(default_mode="slow", slow_s=120) as claude:
        env = {**os.environ, "COS_DATABASE_URL": postgres_url, "COS_MAX_NEW_TOKENS": "8", "COS_PARALLEL": "1",
               "COS_BUDGETS__SONNET__DAILY_USD": "1", "ANTHROPIC_API_KEY": DEFAULT_API_KEY,
               "ANTHROPIC_BASE_URL": claude.url, "COS_CLAUDE_MAX_RETRIES": "0", "COS_CLAUDE_TIMEOUT_S": "300"}
        replica = subprocess.Popen([str(Path(sys.executable).with_name("cos")), "serve", "--port", str(port)],
                                   env=env, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while not _answers(url):
                assert replica.poll() is None and time.monotonic() < deadline, "the replica did not start"
                time.sleep(0.2)
            body = {"model": "cos-content", "stream": False,
                    "messages": [{"role": "user", "content": "Write a tweet about our spring sale"}]}
            threading.Thread(target=_post_ignoring_errors, args=(f"{url}/api/chat", body), daemon=True).start()
            while not claude.requests:  # the call is in flight: its reservation is in the ledger
                assert time.monotonic() < deadline, "the escalation never reached Claude"
                time.sleep(0.05)
            os.kill(replica.pid, signal.SIGKILL)
            replica.wait(timeout=30)
        finally:
            if replica.poll() is None:
                replica.kill()

    with psycopg.connect(postgres_url) as conn:
        [(status, estimate)] = conn.execute("SELECT status, estimated_usd FROM cos_ledger.spend").fetchall()
    assert status == "reserved" and estimate > 0
    ledger = Ledger(PostgresSchema(postgres_url, "cos_ledger"), Budgets(sonnet=BudgetCaps(daily_usd=1.0)),
                    stale_after=dt.timedelta(minutes=15))
    assert ledger.budget_left(Tier.SONNET, "content") == pytest.approx(1.0 - estimate)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=16)
    ledger.reserve(Tier.SONNET, "content", "claude-sonnet", 0.01, now=later)
    with psycopg.connect(postgres_url) as conn:
        statuses = [s for (s,) in conn.execute("SELECT status FROM cos_ledger.spend ORDER BY id").fetchall()]
    assert statuses == ["expired", "reserved"]
    assert ledger.budget_left(Tier.SONNET, "content", now=later) == pytest.approx(1.0 - estimate - 0.01)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/version", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _post_ignoring_errors(url: str, body: dict) -> None:
    try:
        httpx.post(url, json=body, timeout=300)
    except httpx.HTTPError:
        pass  # the replica is killed under it


def test_while_the_database_is_down_a_replica_answers_503_naming_it_and_recovers_when_it_is_back(tiny_settings):
    """503, not 500: a load balancer may retry elsewhere. The pools check a connection before lending it, so the
    connections the restart cut are replaced, not handed to the next turn."""
    from tests.postgres_server import control_postgres, running_postgres

    body = {"model": "cos-security", "stream": False, "messages": [{"role": "user", "content": TASK}]}
    with running_postgres() as url, serving(tiny_settings.model_copy(update={"database_url": url})) as replica:
        assert httpx.post(f"{replica.url}/api/chat", json=body, timeout=120).status_code == 200
        control_postgres(url, "stop")
        down = httpx.post(f"{replica.url}/api/chat", json=body, timeout=120)
        assert down.status_code == 503, down.text
        assert down.json()["error"].startswith(f"cannot open PostgreSQL at cos@127.0.0.1:{url.rsplit(':')[-1]}")
        [event] = chat(replica.url, message=TASK)  # the page's stream ends with the reason, not a cut connection
        assert event["event"] == "error" and event["error"].startswith("cannot open PostgreSQL at cos@127.0.0.1")
        control_postgres(url, "start")
        back = httpx.post(f"{replica.url}/api/chat", json=body, timeout=120)
        assert back.status_code == 200, back.text
