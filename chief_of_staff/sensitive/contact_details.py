"""Contact details of people: email addresses, phone numbers and home addresses.

The business's own published contact details stay allowed, as the issue asks: role mailboxes (info@, sales@),
free-phone numbers, and anything shortly after "our", "us" or a business word ("our new number is ...", "call us
on ...", "the supplier on ...") unless a person comes between ("our plumber Dev: his wife Anita, +44 ..."). Everything
else is taken to be a person's: an email address or a phone number flags on its own; a street address flags with a
sign that a person lives or receives post there (a name, "home", "lives at", "ship to").

Phone numbers are found two ways: Google's libphonenumber (the `phonenumbers` port), which knows every country's
numbering plan and so accepts "+33 1 42 68 53 00" or "(415)555-0132" while refusing order numbers; and, for numbers
it rejects as not allocated (the 555 and 07700 900 ranges used in examples, which owners paste too), the shapes
phone numbers are written in: a leading "+" or "(", digit groups starting with 0, or 3-3-4 groups; or any 7-15 digits
after a phone word ("call", "my number"). A reference word just before ("order 9434765871") rules a number out.
"""

from __future__ import annotations

import re

import phonenumbers

from chief_of_staff.sensitive.people import name_spans, owner_spans
from chief_of_staff.sensitive.text import any_near, spans

_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-]{1,64})@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")  # bounded: linear
ROLE_MAILBOXES = frozenset("""
info sales support hello contact admin office accounts accounting billing team enquiries enquiry inquiries help
helpdesk noreply no-reply donotreply bookings booking reception hr jobs careers marketing press media orders shop store
service customerservice feedback invoices payments finance it security webmaster postmaster privacy legal compliance
dpo news newsletter events hi mail studio appointments frontdesk reservations partners abuse
""".split())
_PHONE = re.compile(  # not the digit groups of a card or IBAN ("GB33 REVO 0099 7012 ...")
    r"(?<![\w+/#-])(?<!\d[\s.-])(?<![A-Z]{4} )(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?"
    r"\d[\d\s.-]{5,16}\d(?!\w)(?![.-]\d)"
)
_US_SHAPE = re.compile(r"\d{3}[\s.-]\d{3}[\s.-]\d{4}|\d{3}-\d{4}-\d{4}")
_DATE_OR_TIME = re.compile(  # "01.02.2024 10.30", "2024-01-02"
    r"(?<!\d)(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[.:]\d{2})(?![\d])"
)
_IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}", re.IGNORECASE)  # "GI75 aWBK 0000 0000 7099"
_PHONE_WORD = re.compile(r"\b(?:phone|mobile|cell|tel|telephone|call|ring|text|whatsapp|sms|fax"
                         r"|(?:my|his|her|their)\s+(?:[\w-]+\s+){0,2}(?:number|no\.?))\b", re.IGNORECASE)
_REFERENCE_WORD = re.compile(  # "order reference 9434765871", "ticket 0614-050707-104-0": a number, not a phone
    r"\b(?:order|ref|reference|invoice|inv|batch|ticket|booking|tracking|serial|sku|po|id|case|job|policy|vat|reg"
    r"|registration|receipt|parcel|shipment|confirmation|transaction|reservation|item|model|part|lot)\b[^\n\d]{0,12}$",
    re.IGNORECASE,
)
_FREEPHONE = re.compile(r"^(?:\+?1[\s.-]?)?\(?8(?:00|33|44|55|66|77|88)\)?[\s.-]|^0800|^0808|^\+44\s?800")
_OURS = re.compile(  # "us", not "US" (a country); a business's own line: "the supplier on", "the Leeds shop:"
    r"\b(?:[Oo]urs?|OURS?|[Ww]e|us)\b|(?i:\b(?:supplier|vendor|shop|store|office|branch|company|firm|ltd|limited"
    r"|inc|llc|plc|dental|clinic|surgery|practice|restaurant|hotel|bank|council|helpline|hotline|reception"
    r"|switchboard|landline|main line|head office|courier|garage|salon|bakery|cafe|pharmacy|agency|signature|footer"
    r"|website|letterhead)\b)"
)
_PERSON_OWNED = re.compile(r"\b(?:his|her|their|wife|husband|partner|son|daughter|mum|mom|dad|mobile|cell|personal"
                           r"|home|private|emergency)\b|'s\b", re.IGNORECASE)
_STREET = re.compile(
    r"(?<!\d[\s.-])\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Za-z'’.-]+\s+){1,3}"
    r"(?:(?i:street|road|avenue|lane|boulevard|blvd|crescent|terrace|gardens|mews|drive|court|close|place|way)|St|Rd"
    r"|Ave|Ln|Dr|Ct|Pl|Square|Grove|Parade)\b"
    r"|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b"  # UK postcode
)
_RESIDENT = re.compile(
    r"\b(?:home|lives|living|resides|residence|residential|moved to|moving to|flat|apartment|apt|ship(?:ping)? to"
    r"|deliver(?:y)? to|send (?:it|this|them|the [a-z]+) to|post (?:it|this|them) to|mailing address|address is)\b",
    re.IGNORECASE,
)


def _business_own(text: str, start: int) -> bool:
    """"our new number is 020 ...", "call us on ...", "email us at ...": the business's own, published; but not
    "our client Maria's number is ...", where a person's name comes between."""
    ours = [match.end() for match in _OURS.finditer(text, max(0, start - 60), start)]
    if not ours or _PERSON_OWNED.search(text, ours[-1], start):
        return False
    return not any(ours[-1] <= name_start < start for name_start, _ in name_spans(text))


def _personal_email(text: str) -> bool:
    for match in _EMAIL.finditer(text):
        local = match.group(1).lower()
        parts = [part for part in re.split(r"[._\d+-]", local) if part]
        if local in ROLE_MAILBOXES or (parts and all(part in ROLE_MAILBOXES for part in parts)):
            continue
        if not _business_own(text, match.start()):
            return True
    return False


def _phone_numbers(text: str) -> list[tuple[int, int]]:
    not_phones = spans(_DATE_OR_TIME, text) + spans(_IBAN_LIKE, text)  # digit groups that are something else

    def plausible(start: int, end: int) -> bool:
        digits = [c for c in text[start:end] if c.isdigit()]
        inside_other = any(s < end and start < e for s, e in not_phones)
        return not inside_other and 7 <= len(digits) <= 15 and len(set(digits)) > 2 and text[start - 1 : start] != "-"

    found = []
    for region in ("US", "GB"):  # national numbers are read in these two plans; "+" numbers in any country's
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            if plausible(match.start, match.end):
                found.append((match.start, match.end))
    for match in _PHONE.finditer(text):
        if plausible(*match.span()):
            found.append(match.span())
    labels = spans(_PHONE_WORD, text)
    return [(start, end) for start, end in found if _phone_like(text, start, end, labels)]


def _phone_like(text: str, start: int, end: int, labels: list[tuple[int, int]]) -> bool:
    """A phone word nearby ("call", "my number") decides; else a reference word just before ("order 943...") rules it
    out; else the number needs a phone's look: "+", "(", or digit groups starting with 0 or in 3-3-4."""
    if any_near([(start, end)], labels, 30):
        return True
    if _REFERENCE_WORD.search(text, max(0, start - 30), start):
        return False
    number = text[start:end]
    if sum(c.isdigit() for c in number) < 9:  # "pallets 0034-0037"
        return False
    grouped = any(c in number for c in " .-")
    return number[0] in "+(" or bool(_US_SHAPE.search(number)) or (number[0] == "0" and grouped)


def _personal_phone(text: str) -> bool:
    for start, end in _phone_numbers(text):
        number = text[start:end]
        if not _FREEPHONE.match(number) and not _business_own(text, start):
            return True
    return False


def _home_address(text: str) -> bool:
    addresses = [(start, end) for start, end in spans(_STREET, text) if not _business_own(text, start)]
    if not addresses:
        return False
    people = name_spans(text) + owner_spans(text) + spans(_RESIDENT, text)
    return any_near(addresses, people)


def find_contact_details(text: str) -> bool:
    if "@" in text and _personal_email(text):
        return True
    return _personal_phone(text) or _home_address(text)
