"""The calls a small model may make are built from the task's own numbers and dates, typed by argument."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from langchain_core.tools import tool

from chief_of_staff.tools.calls import candidate_calls
from chief_of_staff.tools.dates import dates_in
from chief_of_staff.tools.numbers import quantities_in


def test_numbers_are_read_exactly_with_percentages_and_money_marked():
    found = quantities_in("Paid $1,437.50 for 250 boxes, 8.25% tax, a $5k deposit and two refunds of 12 euros")
    assert [(q.value, q.percent, q.money) for q in found] == [
        (Decimal("1437.50"), False, True), (Decimal("250"), False, False), (Decimal("8.25"), True, False),
        (Decimal("5000"), False, True), (Decimal("2"), False, False), (Decimal("12"), False, True)]


def test_digits_inside_dates_are_not_amounts():
    assert [q.value for q in quantities_in("Invoice of $90 dated 2026-03-01, due March 31, 2026")] == [Decimal(90)]
    assert dates_in("from 3/1/2026 to 2026-04-15 or 1 June 2026") == [
        date(2026, 3, 1), date(2026, 4, 15), date(2026, 6, 1)]


def test_impossible_dates_are_skipped():
    assert dates_in("on 2026-02-30") == []


@tool
def divide(amount: Decimal, count: Decimal) -> str:
    """An amount shared across a count."""
    return str(amount / count)


@tool
def add_tax(net_amount: Decimal, tax_percent: Decimal) -> str:
    """Price with tax."""
    return str(net_amount * (1 + tax_percent / 100))


@tool
def total(amounts: list[Decimal]) -> str:
    """A sum."""
    return str(sum(amounts))


@tool
def draft_reply(topic: str) -> str:
    """Free text the small model would have to write."""
    return topic


def test_percent_arguments_take_only_percentages():
    calls = candidate_calls(add_tax, "A lamp is $64 before 8.25% tax. Total?")
    assert [c.arguments for c in calls] == [{"net_amount": "64", "tax_percent": "8.25"}]


def test_money_goes_to_money_arguments_before_text_order():
    calls = candidate_calls(divide, "A salon bought 40 bottles of shampoo for $318.00. Cost per bottle?")
    assert calls[0].arguments == {"amount": "318", "count": "40"}
    assert len(calls) == 2  # the other order stays a candidate


def test_a_list_argument_takes_every_amount():
    calls = candidate_calls(total, "Invoices: $3,120.40, $987.25 and $155.35.")
    assert [c.arguments for c in calls] == [{"amounts": ["3120.4", "987.25", "155.35"]}]


def test_a_task_lacking_the_numbers_has_no_call():
    assert candidate_calls(add_tax, "Add VAT to the price please") == []
    assert candidate_calls(draft_reply, "Write a reply about 3 late parcels") == []  # free text: not for a 135M


@tool
def simple_interest(principal: Decimal, rate_percent: Decimal, years: Decimal) -> str:
    """Simple interest."""
    return str(principal * rate_percent / 100 * years)


@tool
def loan_payment(principal: Decimal, annual_rate_percent: Decimal, months: Decimal) -> str:
    """A monthly payment."""
    return "..."


def test_a_time_fills_an_argument_counting_its_unit_converted_when_written_in_another():
    assert [q.unit for q in quantities_in("$2,400 at 9% over 6 months, a 3-year loan, 40 hours")] == [
        "", "", "month", "year", "hour"]
    interest = candidate_calls(simple_interest, "A $2,400 credit line at 9% simple interest: interest over 6 months?")
    assert interest[0].arguments == {"principal": "2400", "rate_percent": "9", "years": "0.5"}
    payment = candidate_calls(loan_payment, "Monthly payment on $18,000 at 7% over 3 years?")
    assert payment[0].arguments == {"principal": "18000", "annual_rate_percent": "7", "months": "36"}
    plain = candidate_calls(simple_interest, "Interest on $5,000 at 3% for 4 years?")
    assert plain[0].arguments == {"principal": "5000", "rate_percent": "3", "years": "4"}
    pairs = {(c.arguments["principal"], c.arguments["years"]) for c in interest}
    assert ("6", "0.5") not in pairs and ("0.5", "6") not in pairs  # "6 months" is one number, in one unit
