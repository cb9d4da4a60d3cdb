"""Financial records of a specific person: bank statements, tax returns, salary, credit reports, debts, loans.
A topic word needs its person (records.py); the user's own needs a sum ("my salary is 45000", not "my tax return is
due"). Bank account numbers themselves are bank_account.py's."""

from __future__ import annotations

from chief_of_staff.sensitive.people import full_name_spans
from chief_of_staff.sensitive.records import AMOUNT, first_person, tied_to_person, topic
from chief_of_staff.sensitive.text import any_near, spans

_FINANCIAL_WORDS = (
    r"bank statements?|tax returns?|salary|salaries|pay ?slips?|pay stubs?|P60|P45|W-2|1099|credit (?:score|report"
    r"|history|rating|check|card debt)|loan (?:applications?|statement|balance)|mortgage|debts?|arrears|bankrupt[a-z]*"
    r"|insolven[a-z]*|net worth|income|pensions?|investment portfolio|brokerage account|inheritance|benefits claim"
    r"|wage garnishment|garnish[a-z]*|overdraft|child support|alimony|payday loan|ccj|county court judgment"
    r"|loans?|loan default|defaulted|missed (?:\d+ )?payments|collections|AGI|adjusted gross income"
    r"|(?:federal|state|tax) refund|raise letters?|pay rise|bonus|wages|compensation|comp review|pay review"
    r"|salary review|payslip|payroll"
)
_SUBJECT, _MINE = topic(_FINANCIAL_WORDS), first_person(_FINANCIAL_WORDS)


def find_financial_record(text: str) -> bool:
    if tied_to_person(text, _SUBJECT, _MINE, needs_sum=True):
        return True
    # a pasted pay table: a topic word, and names with sums next to them ("Ruth A. | 38,000 | 40,500")
    return bool(_SUBJECT.search(text)) and any_near(full_name_spans(text), spans(AMOUNT, text), 12)
