"""Finance's tools: small-business arithmetic, exact on Decimal (no floats, no eval).

Each tool returns {"result": the figure as text, "working": how it was computed}. The examples under each tool
are what the local model's tool choice is matched against (chief_of_staff/tools/selection.py); they were written
for this file, never copied from the department's held-out tasks. An argument whose name ends in `_percent` takes a
number the task writes as a percentage.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from langchain_core.tools import tool

from chief_of_staff.tools.contract import tool_examples
from chief_of_staff.tools.dates import days_between

# Tasks finance answers without a tool: the tool choice weighs them against the tools' examples.
NO_TOOL_EXAMPLES = [
    "Which expense category is a $38 taxi to the airport? Answer with one word.",
    "Categorise this expense: $129 for a year of accounting software.",
    "Put this receipt in a category: team lunch at a pizza place, $64.",
    "What category does the $1,800 office rent payment belong to?",
    "Is a $250 Facebook ad campaign marketing or office?",
    "Should I lease or buy a delivery van for my business?",
    "How do I read a cash flow statement?",
    "What's the difference between profit and cash flow?",
    "Explain what accounts receivable means.",
    "Should I pay myself a salary or dividends from my company?",
]

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _share(percent: Decimal) -> Decimal:
    return percent / HUNDRED


def _figure(result: str, working: str) -> dict[str, str]:
    return {"result": result, "working": working}


@tool_examples(
    "We buy mugs at $6 each and mark them up 40% on cost. What do we sell them for?",
    "A shop pays $20 for a jacket and applies a 120% markup. What's the retail price?",
    "What's the price of an item that costs us 3.50 with a 60% markup?",
)
@tool
def add_markup(cost: Decimal, markup_percent: Decimal) -> dict[str, str]:
    """Selling price from a cost and a markup on that cost."""
    price = cost * (1 + _share(markup_percent))
    return _figure(_money(price), f"{cost} × (1 + {markup_percent}%) = {_money(price)}")


@tool_examples(
    "Our cost is $30 per unit and we want a 40% gross margin. What price should we set?",
    "To make a 25% margin on the selling price of a product that costs $9, what should it sell for?",
    "What price gives a 35% profit margin if the item costs us 13 dollars?",
)
@tool
def price_for_margin(cost: Decimal, margin_percent: Decimal) -> dict[str, str]:
    """Selling price that leaves a given gross margin on the price (not a markup on cost)."""
    if margin_percent >= HUNDRED:
        raise ValueError("a margin must be under 100% of the price")
    price = cost / (1 - _share(margin_percent))
    return _figure(_money(price), f"{cost} ÷ (1 − {margin_percent}%) = {_money(price)}")


@tool_examples(
    "Rent is 30% of our $12,000 monthly revenue. How much is rent?",
    "How much is 7% of $2,450?",
    "We put aside 20 percent of a $5,000 payment for tax. How much do we set aside?",
    "Commission is 6% of the sale price of $310,000. What is the commission?",
)
@tool
def percent_of(amount: Decimal, share_percent: Decimal) -> dict[str, str]:
    """A percentage of an amount."""
    part = amount * _share(share_percent)
    return _figure(_money(part), f"{amount} × {share_percent}% = {_money(part)}")


@tool_examples(
    "A chair is $120 before tax. With 7.5% sales tax, what does the customer pay?",
    "Add 20% VAT to a net price of £450. What's the gross price?",
    "What's the total with 6% sales tax on a $89 order?",
)
@tool
def add_tax(net_amount: Decimal, tax_percent: Decimal) -> dict[str, str]:
    """Price including VAT or sales tax, from the price before tax."""
    gross = net_amount * (1 + _share(tax_percent))
    return _figure(_money(gross), f"{net_amount} × (1 + {tax_percent}%) = {_money(gross)}")


@tool_examples(
    "An invoice is €2,400 including 20% VAT. What is the amount before VAT?",
    "The receipt says $107 with 7% tax included. What was the price before tax?",
    "How much of a £360 total including 20% VAT is the net price?",
)
@tool
def remove_tax(gross_amount: Decimal, tax_percent: Decimal) -> dict[str, str]:
    """Price before VAT or sales tax, from a price that includes it."""
    net = gross_amount / (1 + _share(tax_percent))
    return _figure(_money(net), f"{gross_amount} ÷ (1 + {tax_percent}%) = {_money(net)}")


@tool_examples(
    "How much VAT do we charge on a net invoice of £1,500 at 20%?",
    "A $240 order before tax: what is the 8% sales tax on it?",
    "What is the sales tax amount on a $75 purchase at 6.5%?",
    "Our net price is €900 and VAT is 21%. How much VAT is that?",
)
@tool
def tax_amount(net_amount: Decimal, tax_percent: Decimal) -> dict[str, str]:
    """The VAT or sales tax charged on a price before tax (the tax alone, not the total)."""
    tax = net_amount * _share(tax_percent)
    return _figure(_money(tax), f"{net_amount} × {tax_percent}% = {_money(tax)}")


@tool_examples(
    "A receipt of £96 includes 20% VAT. How much of it is VAT?",
    "How much sales tax is inside a $53.50 total that includes 7% tax?",
    "We were charged €242 including 21% VAT. What's the VAT portion?",
)
@tool
def tax_included(gross_amount: Decimal, tax_percent: Decimal) -> dict[str, str]:
    """The VAT or sales tax contained in a price that includes it (the tax alone)."""
    tax = gross_amount - gross_amount / (1 + _share(tax_percent))
    return _figure(_money(tax), f"{gross_amount} − {gross_amount} ÷ (1 + {tax_percent}%) = {_money(tax)}")


@tool_examples(
    "How many dollars do we save with 15% off a $640 order?",
    "A 25% discount on a £120 coat: how much is taken off?",
    "What is the discount in euros if we knock 8% off a €2,500 quote?",
)
@tool
def discount_amount(price: Decimal, discount_percent: Decimal) -> dict[str, str]:
    """How much a percentage discount takes off a price (the saving, not the price paid)."""
    saving = price * _share(discount_percent)
    return _figure(_money(saving), f"{price} × {discount_percent}% = {_money(saving)}")


@tool_examples(
    "Payroll was $18,000 out of $60,000 of revenue. What percentage of revenue is payroll?",
    "We spent $1,200 on ads from a $15,000 budget. What percent of the budget is that?",
    "What share of our $80,000 sales came from online orders worth $20,000, as a percentage?",
)
@tool
def percent_share(part: Decimal, whole: Decimal) -> dict[str, str]:
    """What percentage one amount (the part) is of another (the whole)."""
    if whole == 0:
        raise ValueError("the whole is 0: a share of nothing has no percentage")
    share = part / whole * HUNDRED
    return _figure(_money(share), f"{part} ÷ {whole} × 100 = {_money(share)}%")


@tool_examples(
    "We sell a lamp for $80 that costs us $52. What is our gross margin percentage?",
    "A cake sells for £24 and costs £9 to make. What's the margin as a percent of the price?",
    "What's the profit margin on a $150 service that costs us $105 to deliver?",
)
@tool
def margin_percent(price: Decimal, cost: Decimal) -> dict[str, str]:
    """The gross margin as a percentage of the selling price, from the price and the cost."""
    if price == 0:
        raise ValueError("the price is 0: a margin needs a selling price")
    margin = (price - cost) / price * HUNDRED
    return _figure(_money(margin), f"({price} − {cost}) ÷ {price} × 100 = {_money(margin)}%")


@tool_examples(
    "An overdue bill of $900 gets a 5% late fee added. What does the customer owe now?",
    "Our prices go up 4% next month. What will a $250 service cost?",
    "Add a 3% card surcharge to a $420 payment. What's the total charged?",
)
@tool
def add_percent(amount: Decimal, increase_percent: Decimal) -> dict[str, str]:
    """An amount increased by a percentage (a surcharge, a late fee added to the bill, a price rise)."""
    increased = amount * (1 + _share(increase_percent))
    return _figure(_money(increased), f"{amount} × (1 + {increase_percent}%) = {_money(increased)}")


@tool_examples(
    "A supplier gives us 15% off a $2,000 order. What do we pay?",
    "A $80 dress is on sale at 25% off. What's the sale price?",
    "With a 10 percent early-payment discount on a $1,250 bill, how much is due?",
)
@tool
def apply_discount(price: Decimal, discount_percent: Decimal) -> dict[str, str]:
    """Price after a percentage discount."""
    paid = price * (1 - _share(discount_percent))
    return _figure(_money(paid), f"{price} × (1 − {discount_percent}%) = {_money(paid)}")


@tool_examples(
    "Sales went from $40,000 last year to $46,000 this year. What's the percentage change?",
    "Our rent rose from 1,500 to 1,650 a month. By what percent did it increase?",
    "Website visits fell from 8,000 to 6,800. What is the percent drop?",
)
@tool
def percent_change(old_value: Decimal, new_value: Decimal) -> dict[str, str]:
    """Percentage change from an old value to a new one (negative for a fall)."""
    if old_value == 0:
        raise ValueError("the old value is 0: a change from nothing has no percentage")
    change = (new_value - old_value) / old_value * HUNDRED
    return _figure(f"{_money(change)}%", f"({new_value} − {old_value}) ÷ {old_value} × 100 = {_money(change)}%")


@tool_examples(
    "Fixed costs are $9,000 a month, we sell each unit at $45 and each costs $15 to make. How many units to break "
    "even?",
    "How many meals must a food truck sell to cover $4,800 of fixed costs if a meal sells for $12 and the "
    "ingredients cost $4?",
)
@tool
def break_even_units(fixed_costs: Decimal, unit_price: Decimal, unit_variable_cost: Decimal) -> dict[str, str]:
    """Units to sell to cover fixed costs, rounded up to a whole unit."""
    contribution = unit_price - unit_variable_cost
    if contribution <= 0:
        raise ValueError("the price must be above the variable cost per unit to ever break even")
    units = (fixed_costs / contribution).quantize(Decimal(1), rounding=ROUND_CEILING)
    return _figure(str(units), f"{fixed_costs} ÷ ({unit_price} − {unit_variable_cost}) = {units} units (rounded up)")


@tool_examples(
    "Our yearly software licence is $2,880. What is that a month?",
    "An annual salary of $54,000: how much per month?",
    "The business insurance costs $1,980 a year. What's the monthly cost?",
)
@tool
def per_month(annual_amount: Decimal) -> dict[str, str]:
    """A yearly amount spread over 12 months."""
    monthly = annual_amount / 12
    return _figure(_money(monthly), f"{annual_amount} ÷ 12 months = {_money(monthly)}")


@tool_examples(
    "An employee earns $62,400 a year working 40 hours a week for 52 weeks. What's the hourly rate?",
    "A salary of $45,000 for 37.5 hours a week, 48 weeks a year: what is that per hour?",
)
@tool
def hourly_rate(annual_pay: Decimal, hours_per_week: Decimal, weeks_per_year: Decimal = Decimal(52)) -> dict[str, str]:
    """Pay per hour from a yearly pay, weekly hours and weeks worked a year."""
    hours = hours_per_week * weeks_per_year
    rate = annual_pay / hours
    return _figure(_money(rate), f"{annual_pay} ÷ ({hours_per_week} h × {weeks_per_year} weeks) = {_money(rate)}")


@tool_examples(
    "Add up these expenses: $45.20, $310.00, $12.99 and $88.50.",
    "What's the total of invoices for $1,200, $860.40 and $95?",
    "Sum this week's takings: 412.50, 389.00, 455.25, 501.10 and 610.75.",
)
@tool
def total(amounts: list[Decimal]) -> dict[str, str]:
    """The sum of a list of amounts."""
    if not amounts:
        raise ValueError("no amounts to add")
    result = sum(amounts, Decimal(0))
    return _figure(_money(result), " + ".join(str(a) for a in amounts) + f" = {_money(result)}")


@tool_examples(
    "A $20,000 loan at 6% simple interest for 3 years. How much interest is paid?",
    "What simple interest does $8,000 earn at 3.5% a year over 4 years?",
)
@tool
def simple_interest(principal: Decimal, rate_percent: Decimal, years: Decimal) -> dict[str, str]:
    """Simple interest on a principal at an annual rate for a number of years."""
    interest = principal * _share(rate_percent) * years
    return _figure(_money(interest), f"{principal} × {rate_percent}% × {years} years = {_money(interest)}")


@tool_examples(
    "We borrow $6,000 at 5% simple interest for 2 years. What is the total we pay back?",
    "How much will we repay in all on a $3,500 loan at 8% simple annual interest over 3 years?",
)
@tool
def simple_interest_total(principal: Decimal, rate_percent: Decimal, years: Decimal) -> dict[str, str]:
    """Principal plus simple interest at an annual rate for a number of years: the total repaid."""
    repaid = principal * (1 + _share(rate_percent) * years)
    return _figure(_money(repaid), f"{principal} × (1 + {rate_percent}% × {years} years) = {_money(repaid)}")


@tool_examples(
    "We put $10,000 in savings at 4% compounded yearly for 5 years. What will it grow to?",
    "What does $5,000 become after 3 years at 6% annual interest, compounded?",
)
@tool
def compound_interest(principal: Decimal, rate_percent: Decimal, years: Decimal) -> dict[str, str]:
    """What a principal grows to at an annual rate compounded yearly."""
    grown = principal * (1 + _share(rate_percent)) ** int(years)
    return _figure(_money(grown), f"{principal} × (1 + {rate_percent}%)^{years} = {_money(grown)}")


@tool_examples(
    "What's the monthly payment on a $25,000 van loan at 7% a year over 60 months?",
    "We borrow $12,000 at 5.5% annual interest, repaid monthly over 36 months. What is each payment?",
)
@tool
def loan_payment(principal: Decimal, annual_rate_percent: Decimal, months: Decimal) -> dict[str, str]:
    """The fixed monthly payment that repays a loan (amortised) at an annual rate over a number of months."""
    n = int(months)
    if n <= 0:
        raise ValueError("the loan needs at least one month")
    r = _share(annual_rate_percent) / 12
    payment = principal / n if r == 0 else principal * r / (1 - (1 + r) ** -n)
    return _figure(_money(payment), f"{principal} at {annual_rate_percent}%/12 a month over {n} months: "
                   f"P·r ÷ (1 − (1 + r)^−n) = {_money(payment)}")


@tool_examples(
    "We paid $1,260 for 300 bottles. What did each bottle cost?",
    "A $540 bill is split between 6 partners. How much does each pay?",
    "Ink cartridges: $378 for a box of 12. What's the cost per cartridge?",
)
@tool
def divide(amount: Decimal, count: Decimal) -> dict[str, str]:
    """An amount shared across a count: cost per unit, or a bill split between people."""
    if count == 0:
        raise ValueError("cannot divide by 0")
    each = amount / count
    return _figure(_money(each), f"{amount} ÷ {count} = {_money(each)}")


@tool_examples(
    "A client's late fee is $35 plus 2% of the overdue balance of $4,000. What's the fee?",
    "We charge a $25 flat fee plus 1.5% of the $900 unpaid amount. How much is the late charge?",
)
@tool
def flat_plus_percent(flat_fee: Decimal, fee_percent: Decimal, amount: Decimal) -> dict[str, str]:
    """A flat fee plus a percentage of an amount (late fees, card fees, commission with a base)."""
    fee = flat_fee + amount * _share(fee_percent)
    return _figure(_money(fee), f"{flat_fee} + {fee_percent}% × {amount} = {_money(fee)}")


@tool_examples(
    "How many days from 2026-03-01 to 2026-04-15 is the invoice outstanding?",
    "The invoice was issued on January 5, 2026 and paid on February 20, 2026. How many days did it take?",
)
@tool
def days_between_dates(start: date, end: date) -> dict[str, str]:
    """Calendar days from one date to another."""
    days = days_between(start, end)
    return _figure(str(days), f"{end.isoformat()} − {start.isoformat()} = {days} days")
