"""Payment cards: 13-19 digits in the groupings cards are written in, a known issuer prefix, and a valid Luhn check
digit (python-stdnum's `luhn`). A card number flags on its own: nobody pastes a valid one by accident."""

from __future__ import annotations

import re

from stdnum import luhn

_CARD = re.compile(  # one separator throughout (" ", ".", "/" or "-"), so "12/28/2026" or "v1.2.3.4" never fit
    r"(?<![\w+])(?<!\d[ ./-])(?:\d{13,19}"
    r"|\d{4}([ ./-])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{3})?"  # 4-4-4-4 (Visa, Mastercard), maybe a CVV after it
    r"|\d{4}([ ./-])\d{6}\2\d{4,5})(?!\w)(?![./]\d)"  # 4-6-5 (Amex), 4-6-4 (Diners)
)
_ISSUER = re.compile(r"4|5[1-5]|6(?:011|5|4[4-9]|22)|3[47]|3(?:0[0-5]|[68])|35(?:2[89]|[3-8])"  # Visa MC Amex JCB
                     r"|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|62|5[0678]|6[37]")  # MC 2-series, UnionPay, Maestro


def find_payment_card(text: str) -> bool:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        for candidate in (digits, digits[:16]) if len(digits) == 19 else (digits,):  # a CVV can trail the number
            issuer = _ISSUER.match(candidate) or (len(candidate) == 15 and candidate[0] == "1")  # UATP (airlines)
            if issuer and luhn.is_valid(candidate):
                return True
    return False
