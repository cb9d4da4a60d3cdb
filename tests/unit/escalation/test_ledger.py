"""The spend ledger: reserve before a call, settle after, never over a cap, even from many processes at once; the
same, word for word, in SQLite and in PostgreSQL (COS_DATABASE_URL, a real server from tests/postgres_server.py)."""

import datetime as dt
import multiprocessing as mp

import pytest

from chief_of_staff.escalation.ledger import BudgetExceededError, Ledger
from chief_of_staff.escalation.policy import Tier
from chief_of_staff.postgres import PostgresSchema
from chief_of_staff.settings import BudgetCaps, Budgets, DepartmentCaps

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def place(request, tmp_path):
    """Where the ledger lives: a SQLite file, or the `cos_ledger` schema of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "ledger.sqlite"
    return PostgresSchema(request.getfixturevalue("postgres_url"), "cos_ledger")


def ledger_with(place, sonnet=BudgetCaps(daily_usd=1.0, monthly_usd=5.0), **departments) -> Ledger:
    return Ledger(place, Budgets(sonnet=sonnet, departments=departments))


def rows(ledger: Ledger, sql: str) -> list[tuple]:
    with ledger._connection() as db:
        return [tuple(row) for row in db.execute(sql).fetchall()]


def test_settled_call_counts_its_actual_cost_not_its_estimate(place):
    ledger = ledger_with(place)
    reservation = ledger.reserve(Tier.SONNET, "security", "claude-sonnet-5-5", 0.30, now=NOW)
    assert ledger.budget_left(Tier.SONNET, "security", NOW) == pytest.approx(0.70)
    ledger.settle(reservation, actual_usd=0.05, input_tokens=1000, output_tokens=300)
    assert ledger.budget_left(Tier.SONNET, "security", NOW) == pytest.approx(0.95)


def test_call_over_the_cap_is_refused_naming_the_cap(place):
    ledger = ledger_with(place)
    ledger.reserve(Tier.SONNET, "content", "m", 0.90, now=NOW)
    with pytest.raises(BudgetExceededError, match="daily cap"):
        ledger.reserve(Tier.SONNET, "content", "m", 0.20, now=NOW)


def test_zero_budget_refuses_every_call(place):
    ledger = ledger_with(place, sonnet=BudgetCaps(daily_usd=0.0, monthly_usd=None))
    with pytest.raises(BudgetExceededError):
        ledger.reserve(Tier.SONNET, "content", "m", 0.0, now=NOW)


def test_department_cap_applies_on_top_of_the_tier_cap(place):
    ledger = ledger_with(place, finance=DepartmentCaps(daily_usd=0.10))
    ledger.reserve(Tier.SONNET, "finance", "m", 0.08, now=NOW)
    with pytest.raises(BudgetExceededError, match="department finance"):
        ledger.reserve(Tier.SONNET, "finance", "m", 0.05, now=NOW)
    ledger.reserve(Tier.SONNET, "content", "m", 0.05, now=NOW)  # other departments only meet the tier cap


def test_a_new_day_has_a_fresh_daily_cap_but_the_month_remembers(place):
    ledger = ledger_with(place, sonnet=BudgetCaps(daily_usd=1.0, monthly_usd=1.5))
    ledger.settle(ledger.reserve(Tier.SONNET, "c", "m", 1.0, now=NOW), actual_usd=1.0)
    tomorrow = NOW + dt.timedelta(days=1)
    assert ledger.budget_left(Tier.SONNET, "c", tomorrow) == pytest.approx(0.5)


def test_stale_reservations_of_dead_processes_expire_but_still_count(place):
    ledger = ledger_with(place)
    ledger.reserve(Tier.SONNET, "c", "m", 0.9, now=NOW)  # its process died: never settled
    later = NOW + dt.timedelta(hours=1)
    ledger.reserve(Tier.SONNET, "c", "m", 0.05, now=later)
    assert rows(ledger, "SELECT status FROM spend ORDER BY id") == [("expired",), ("reserved",)]
    assert ledger.budget_left(Tier.SONNET, "c", later) == pytest.approx(0.05), "the API may have charged it"


def test_a_failed_attempt_costs_what_was_reported_but_is_not_an_answer(place):
    ledger = ledger_with(place)
    ledger.settle(ledger.reserve(Tier.SONNET, "c", "m", 0.2, now=NOW), actual_usd=0.01, answered=False)
    ledger.record_local(Tier.LOCAL, "c", "SmolLM2", sonnet_equivalent_usd=0.004, now=NOW)
    summary = ledger.summary(now=NOW)
    assert summary["answers"] == 1 and summary["local_share"] == 1.0
    assert summary["cost_usd"] == pytest.approx(0.01) and summary["all_sonnet_usd"] == pytest.approx(0.004)
    assert ledger.budget_left(Tier.SONNET, "c", NOW) == pytest.approx(0.99)


def test_summary_shows_spend_budget_left_and_saving_against_all_sonnet(place):
    ledger = ledger_with(place)
    ledger.record_local(Tier.LOCAL, "content", "SmolLM2", sonnet_equivalent_usd=0.004, now=NOW)
    ledger.record_local(Tier.SENSITIVE_LOCAL, "finance", "SmolLM2", sonnet_equivalent_usd=0.006, now=NOW)
    ledger.settle(ledger.reserve(Tier.SONNET, "security", "s", 0.02, sonnet_equivalent_usd=0.01, now=NOW),
                  actual_usd=0.01)
    summary = ledger.summary(now=NOW)
    assert summary["answers"] == 3 and summary["local_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["cost_usd"] == pytest.approx(0.01)
    assert summary["all_sonnet_usd"] == pytest.approx(0.02)
    assert summary["saving_usd"] == pytest.approx(0.01)
    assert [row["department"] for row in summary["by_department"]] == ["content", "finance", "security"]
    assert summary["budget_left"]["tier 2 (Claude Sonnet)"][0]["left_usd"] == pytest.approx(0.99)


def _escalate_many(place, count: int, results) -> None:
    ledger = Ledger(place, Budgets(sonnet=BudgetCaps(daily_usd=0.25, monthly_usd=None)))
    made = 0
    for i in range(count):
        try:
            reservation = ledger.reserve(Tier.SONNET, "security", "m", 0.02, now=NOW)
        except BudgetExceededError:
            continue
        ledger.settle(reservation, actual_usd=0.02 if i % 2 else 0.015)  # actual never above the estimate
        made += 1
    results.put(made)


def test_fifty_escalations_from_several_processes_never_overspend(place):
    ledger = Ledger(place, Budgets())  # create the schema once
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_escalate_many, args=(place, 10, results)) for _ in range(5)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    made = sum(results.get(timeout=5) for _ in workers)
    [(spent, calls)] = rows(ledger, "SELECT SUM(actual_usd), COUNT(*) FROM spend WHERE status = 'settled'")
    assert calls == made and 0 < made < 50
    assert spent <= 0.25 + 1e-9
