"""Tier-4 sensitive-data detector: does this text hold data that must never leave the machine?

`detect_sensitive(text)` answers with a `Sensitivity`: yes/no and the *kinds* found, never the values, so the answer
can be logged. It runs on every request and inside the cloud client, so it is plain `re` plus checksums (Luhn for
cards, ISO 7064 mod 97 for IBANs, SSA ranges for SSNs, 3-7-1 for ABA routing numbers). It is our own code because no
PyPI library does this without a heavy NLP stack (Presidio needs spaCy models from a hub). It fails closed: a non-str
or any internal error answers sensitive, with the kind "detector_error".

The judgement calls follow one rule: numbers and secrets flag on their own once their checksum or shape holds; topic
words flag only when tied to a specific person.
- The text is normalised first (NFKC; Unicode spaces, dashes and zero-width characters), so full-width digits or a
  no-break space cannot hide a number. Cards (groups split by one of " ./-"), IBANs, dashed SSNs and API keys flag
  alone. Bare 9-digit SSNs and routing numbers need their label within a few words ("SSN", "routing", "ABA",
  "bank"), so order numbers do not flag.
- credential: a known key shape, a Bearer or Authorization value, scheme://user:password@host, or a password,
  secret or token name set to a real-looking value, also inside config names ("DB_PASSWORD=", "client_secret:").
- contact_details: an email, phone number or street address within 100 characters of a person's name (honorific +
  name, a listed first name or surname, "client Okafor", "named X"); maria@ or jane.doe@ is both at once. Role
  mailboxes (info@, sales@) and items right after "our" ("our new number is ...") are the business's own.
- health/legal/financial_record: a topic word ("prescription", "custody", "tax return") within 100 characters of
  the person it belongs to: his/her, "Maria's", "Priya is", "for Mr Evans", "a letter to Mrs Garcia", "the
  client's", "a patient who/with/has", "patient 55102". A first name that only receives the task ("ask Maria to send
  the bank statement") is not an owner. Topic words alone ("how should we back up patient records?") and the
  business's own records ("our bank statements") do not flag. Record content flags alone: "privileged and
  confidential", an MRN or NHS number, "account number 12345678", a sort code. Hypothetical people ("what if a
  patient has an allergy?") do flag: a specific-sounding person is treated as a real one. The user is a specific
  person too, in the same clause: "I was diagnosed with", "I'm going through a divorce", "my wife has cancer";
  their own finances need a sum ("my salary is 45000", not "my tax return is due"). "I need ...", "help me ...",
  "my team" and "our ..." are the business at work.
Names come from short lists, not a model: an unusual name with no honorific, role word or pronoun can be missed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from chief_of_staff.escalation.people import FIRST_NAMES, ROLES, SURNAMES, name_spans, owner_spans

log = logging.getLogger(__name__)

KINDS = (
    "card_number",  # 13-19 digits, Luhn-valid, with a plausible issuer prefix
    "iban",  # country code + mod-97 check digits, the country's length where known
    "us_ssn",  # AAA-GG-SSSS outside the SSA's never-issued ranges; bare 9 digits only next to "SSN"
    "bank_routing_number",  # 9-digit ABA number with a valid 3-7-1 checksum, next to routing/ABA/bank words
    "credential",  # API keys, private keys, JWTs, Bearer values, URL passwords, "password: X" with a real X
    "contact_details",  # email, phone or street address together with a person's name
    "health_record",  # health details of a specific person
    "legal_record",  # privileged or personal legal matters of a specific person
    "financial_record",  # a specific person's financial records
    "detector_error",  # the detector itself failed: fail closed
)


@dataclass(frozen=True)
class Sensitivity:
    """Whether a text is sensitive, and which kinds of data it holds (sorted names, never the matched values)."""

    sensitive: bool
    kinds: tuple[str, ...]  # sorted, unique names from KINDS

    def __bool__(self) -> bool:
        return self.sensitive


DETECTOR_ERROR = Sensitivity(True, ("detector_error",))
_WINDOW = 100  # characters between a topic word (or contact item) and the person it is tied to


def _any_near(spans: list[tuple[int, int]], others: list[tuple[int, int]], distance: int = _WINDOW) -> bool:
    """Whether some span lies within `distance` characters of some other span; bisect keeps long texts linear."""
    if not spans or not others:
        return False
    others = sorted(others)
    starts = [start for start, _ in others]
    longest = max(end - start for start, end in others)
    for start, end in spans:
        window = others[bisect_left(starts, start - distance - longest) : bisect_right(starts, end + distance)]
        if any(other_end >= start - distance for _, other_end in window):
            return True
    return False


# --- normalisation ------------------------------------------------------------------------------------------------

_SPACES = (0x09, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)  # tab and Unicode space separators
_DASHES = (*range(0x2010, 0x2016), 0x2212, 0xFE58, 0xFE63, 0xFF0D)  # hyphens, en/em dashes, minus signs
_INVISIBLE = (0xAD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)  # soft hyphen, zero-width characters
_SEPARATORS = {**dict.fromkeys(_SPACES, " "), **dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_INVISIBLE)}


def _normalise(text: str) -> str:
    """The text as the patterns expect it: NFKC (full-width digits -> ASCII), every space -> " ", every dash -> "-",
    zero-width characters dropped, so a card split by U+200B or an SSN joined by en-dashes cannot slip through."""
    if text.isascii():
        return text.replace("\t", " ")
    return unicodedata.normalize("NFKC", text).translate(_SEPARATORS)


# --- numbers with checksums ---------------------------------------------------------------------------------------

_CARD = re.compile(  # one separator throughout (" ", ".", "/" or "-"), so "12/28/2026" or "v1.2.3.4" never fit
    r"(?<![\w+])(?<!\d[ ./-])(?:\d{13,19}"
    r"|\d{4}([ ./-])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{3})?"  # 4-4-4-4 (Visa, Mastercard), maybe a CVV after it
    r"|\d{4}([ ./-])\d{6}\2\d{4,5})(?!\w)(?![./]\d)"  # 4-6-5 (Amex), 4-6-4 (Diners)
)
_CARD_ISSUER = re.compile(r"4|5\d|6|3[045-9]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)")  # Visa, MC, Amex, ...


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def find_card_number(text: str) -> bool:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        for candidate in (digits, digits[:16]) if len(digits) == 19 else (digits,):  # a CVV can trail the number
            if _CARD_ISSUER.match(candidate) and _luhn_valid(candidate):
                return True
    return False


_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
_IBAN_LENGTHS = {code[:2]: int(code[2:]) for code in (  # country -> IBAN length, the common countries
    "AD24 AE23 AT20 BE16 BG22 BH22 BR29 CH21 CY28 CZ24 DE22 DK18 EE20 ES24 FI18 FO18 FR27 GB22 GI23 GR27 HR21 HU28 "
    "IE22 IL23 IS26 IT27 KW30 LI21 LT20 LU20 LV21 MC27 MT31 NL18 NO15 PK24 PL28 PT25 QA29 RO24 RS22 SA24 SE24 SI19 "
    "SK24 SM27 TR26 UA29"
).split()}


def _iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    length = _IBAN_LENGTHS.get(compact[:2])
    if length is not None:
        if len(compact) < length:
            return False
        compact = compact[:length]  # the pattern may have run on into the next word
    if not 15 <= len(compact) <= 34 or sum(c.isdigit() for c in compact[4:]) < 6:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def find_iban(text: str) -> bool:
    return any(_iban_valid(match.group()) for match in _IBAN.finditer(text))


_SSN_DASHED = re.compile(r"(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])")
_SSN_LOOSE = re.compile(r"(?<![\w-])(\d{3})[ -]?(\d{2})[ -]?(\d{4})(?![\w-])")
_SSN_LABEL = re.compile(r"\b(?:ssn|ss#|social security|soc\.? ?sec)", re.IGNORECASE)


def _ssn_valid(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def find_us_ssn(text: str) -> bool:
    if any(_ssn_valid(*match.groups()) for match in _SSN_DASHED.finditer(text)):
        return True
    labels = [match.span() for match in _SSN_LABEL.finditer(text)]  # bare or spaced digits need "SSN" nearby
    if not labels:
        return False
    return _any_near([m.span() for m in _SSN_LOOSE.finditer(text) if _ssn_valid(*m.groups())], labels, 40)


_NINE_DIGITS = re.compile(r"(?<![\w-])\d{9}(?![\w-])")
_ROUTING_LABEL = re.compile(r"\b(?:routing|aba|rtn|bank|transit number|ach|wire)\b", re.IGNORECASE)
_ABA_PREFIX = re.compile(r"0\d|1[0-2]|2[1-9]|3[0-2]|6[1-9]|7[0-2]|80")  # Federal Reserve district codes


def _aba_valid(digits: str) -> bool:
    weighted = sum(weight * int(char) for weight, char in zip((3, 7, 1) * 3, digits))
    return _ABA_PREFIX.match(digits) is not None and weighted % 10 == 0


def find_bank_routing_number(text: str) -> bool:
    labels = [match.span() for match in _ROUTING_LABEL.finditer(text)]
    if not labels:
        return False
    return _any_near([m.span() for m in _NINE_DIGITS.finditer(text) if _aba_valid(m.group())], labels, 50)


# --- credentials --------------------------------------------------------------------------------------------------

_API_KEY = re.compile(
    r"""\bsk-(?:ant-)?[A-Za-z0-9_-]{20,}          # OpenAI, Anthropic
      | \b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}    # Stripe
      | \b(?:AKIA|ASIA)[0-9A-Z]{16}\b             # AWS access key id
      | \bgh[pousr]_[A-Za-z0-9]{30,} | \bgithub_pat_[A-Za-z0-9_]{30,}
      | \bxox[baprs]-[A-Za-z0-9-]{10,}            # Slack
      | \bAIza[0-9A-Za-z_-]{35}                   # Google
      | -----BEGIN[A-Z ]*PRIVATE\ KEY-----
      | \beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*   # JWT""",
    re.VERBOSE,
)
_SECRET_ASSIGNMENT = re.compile(  # (?<![A-Za-z]), not \b: "_" joins the words of DB_PASSWORD and client_secret
    r"(?<![A-Za-z])(?:password|passwd|pwd|pw|passcode|passphrase|pin(?: code)?|api[ _-]?key"
    r"|secret(?:[ _-]?access)?(?:[ _-]?key)?|token)[\"']?"  # also api_secret, AWS_SECRET_ACCESS_KEY, auth_token
    r"(?:\s+(?:for|to|of|on)\s+[^.,;:?!\n]{1,40}?)?"  # "the password for the admin account is ..."
    r"(?:\s*[:=]\s*|\s+(?:is|was|will be|should be|=)\s*:?\s*)"
    r"[\"'`]?([^\s\"'`,;]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(  # the value needs a digit: "Bearer tokens expire after an hour" names no token
    r"(?<![A-Za-z])(?:authorization\s*:\s*(?:basic|token)?|bearer)\s+(?=[\w~+/.-]*\d)[\w~+/.-]{16,}", re.IGNORECASE
)
_URL_PASSWORD = re.compile(r"://[^\s:/@]{1,64}:([^\s/@]{1,128})@\w")  # any scheme://user:password@host
_LOGIN_PAIR = re.compile(  # "login: admin / Spring2025#"
    r"\b(?:login|log-?in|credentials|user(?:name)?)\b[^\n]{0,40}?[:=]\s*\S+\s*/\s*([^\s\"'`,;]+)", re.IGNORECASE
)
_DOMAIN = re.compile(r"(?:https?://)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6}(?:/\S*)?")
_PLACEHOLDERS = frozenset({"e.g", "i.e", "etc", "n/a", "none", "null", "tbd", "tbc", "redacted", "hidden"})


def _looks_like_secret(value: str) -> bool:
    """A real-looking value: 4+ chars with a digit, a symbol or inner capitals, or 16+ letters; not a placeholder."""
    value = value.rstrip(".,)")
    if len(value) < 4 or value.lower() in _PLACEHOLDERS or len(set(value)) == 1 or value[0] in "$<{%[(*":
        return False  # "password: tbd", "********", "${DB_PASSWORD}", "<your password>"
    if "environ" in value or "getenv" in value or "@" in value or _DOMAIN.fullmatch(value):
        return False  # "password: mail-upgrade-portal.com" names a place, not a secret
    return any(not c.isalpha() for c in value) or any(c.isupper() for c in value[1:]) or len(value) >= 16


def find_credential(text: str) -> bool:
    if _API_KEY.search(text) or _BEARER.search(text):
        return True
    assignments = (*_SECRET_ASSIGNMENT.finditer(text), *_LOGIN_PAIR.finditer(text), *_URL_PASSWORD.finditer(text))
    return any(_looks_like_secret(match.group(1)) for match in assignments)


# --- contact details ----------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-]{1,64})@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")  # bounded: linear
_ROLE_MAILBOXES = frozenset("""
info sales support hello contact admin office accounts accounting billing team enquiries enquiry inquiries help
helpdesk noreply no-reply bookings booking reception hr jobs careers marketing press media orders shop store service
customerservice feedback invoices payments finance it security webmaster postmaster privacy legal compliance dpo news
newsletter events hi mail studio appointments frontdesk reservations partners
""".split())
_PHONE = re.compile(  # not the digit groups of a card or IBAN ("GB33 REVO 0099 7012 ...")
    r"(?<![\w+])(?<!\d[\s.-])(?<![A-Z]{4} )(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d[\d\s.-]{6,16}\d(?!\w)"
)
_US_PHONE_SHAPE = re.compile(r"\d{3}[\s.-]\d{3}[\s.-]\d{4}")
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")  # "01.02.2024 10.30" is not a phone number
_EMAIL_PARTS = re.compile(r"[._\d+-]")
_STREET = re.compile(
    r"(?<!\d[\s.-])\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Za-z'’.-]+\s+){1,3}"
    r"(?:(?i:street|road|avenue|lane|boulevard|blvd|crescent|terrace|gardens|mews)|St|Rd|Ave|Ln|Way|Close|Court"
    r"|Drive|Place|Square|Grove|Parade)\b"
    r"|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b"  # UK postcode
)
_OURS = re.compile(r"\bour\b", re.IGNORECASE)


def _contact_items(text: str) -> list[tuple[int, int]]:
    items = [match.span() for match in _STREET.finditer(text)]
    for match in _PHONE.finditer(text):
        number = match.group()
        digits = sum(c.isdigit() for c in number)
        shaped = number[0] in "+(0" or _US_PHONE_SHAPE.fullmatch(number)
        if 10 <= digits <= 15 and shaped and not _DATE.search(number):
            items.append(match.span())
    for match in _EMAIL.finditer(text):
        if match.group(1).lower() not in _ROLE_MAILBOXES:
            items.append(match.span())
    return items


def _personal_email(text: str) -> bool:
    """maria@, jane.doe@, j.smith@: the address itself names its person (role mailboxes never do)."""
    for match in _EMAIL.finditer(text):
        local = match.group(1).lower()
        parts = [part for part in _EMAIL_PARTS.split(local) if part]
        if local in _ROLE_MAILBOXES or any(part in _ROLE_MAILBOXES for part in parts):
            continue
        if any(part in FIRST_NAMES or part in SURNAMES for part in parts):
            return True
    return False


def _owned_by_business(text: str, item: tuple[int, int], name_starts: list[int]) -> bool:
    """"our new number is 020 ...": an "our" shortly before the item, with no person's name in between."""
    ours = [match.start() for match in _OURS.finditer(text, max(0, item[0] - 40), item[0])]
    return bool(ours) and bisect_left(name_starts, ours[-1]) == bisect_left(name_starts, item[0])


def find_contact_details(text: str) -> bool:
    items = _contact_items(text)
    if not items:
        return False
    if _personal_email(text):
        return True
    names = name_spans(text)
    name_starts = sorted(start for start, _ in names)
    return _any_near([item for item in items if not _owned_by_business(text, item, name_starts)], names)


# --- records tied to a person -------------------------------------------------------------------------------------


def _topic(words: str) -> re.Pattern[str]:
    """Topic words, except right after "our" (the business's own records: "our bank statements")."""
    return re.compile(r"(?<!\bour )\b(?:" + words + r")\b", re.IGNORECASE)


_NOT_ME = r"(?!(?:" + ROLES + r"|team|staff|business|company|firm|shop|practice|clinic)(?:s|'s|s'|’s)?(?![a-z]))"
_NOT_DOING = (r"(?!(?:to|writing|drafting|planning|running|organi[sz]ing|hosting|launching|creating|making|designing"
              r"|preparing|updating|selling|offering|stocking|hiring)\b)")  # "I'm planning a mental health day"
_NOT_A_THEME = r"(?![\s-]+(?:awareness|friendly|policy|policies|campaign|law|charity|research)\b)"  # "allergy-friendly"


def _first_person(words: str) -> re.Pattern[str]:
    """The user as the owner, within a few words in one clause: "my salary", "my wife's diagnosis", "I was diagnosed
    with", "I'm going through a divorce", "sued me". A bare "I" or "me" ("I need a ...", "help me ...") is the user
    asking, not owning; "I'm planning a ..." is the business at work; "my staff's", "my client's" are other people,
    left to `_owner_spans`."""
    word = _NOT_ME + r"[a-z'’-]+\s+"
    topic = r"(?:" + words + r")\b" + _NOT_A_THEME
    return re.compile(
        r"\bmy\s+(?:" + word + r"){0,2}" + topic
        + r"|\bi(?:'m|’m|'ve|’ve|\s+(?:am|was|have|had|got))\s+(?:" + _NOT_DOING + word + r"){0,3}" + topic
        + r"|\b(?:" + words + r")\s+(?:for\s+|against\s+|to\s+)?me\b",
        re.IGNORECASE,
    )


_HEALTH_WORDS = (
    r"diagnos[a-z]*|prescri(?:ption|ptions|bed)|medications?|medical (?:history|records?|conditions?|notes|reports?"
    r"|leave|certificate)|patient (?:records?|files?|notes|chart)|health (?:records?|conditions?|issues?|problems?)"
    r"|treatment (?:plans?|for)|hiv|mental health|depression|anxiety|bipolar|schizophreni[a-z]*|ptsd|autism|adhd"
    r"|dementia|alzheimer'?s|pregnan(?:t|cy)|miscarriage|ivf|allerg(?:y|ies|ic)|mri|ct scan|x-rays?|blood (?:tests?"
    r"|pressure|results|sugar)|lab results|scan results|biopsy|cancer|tumou?r|chemo[a-z]*|diabet[a-z]*|asthma"
    r"|epilep[a-z]*|seizures?|heart (?:attack|condition|disease)|(?:had|has|having|needs?|after|from) surgery"
    r"|sick note|fit note|doctor'?s note"
    r"|disabilit(?:y|ies)|therap(?:y|ist)|rehab|addiction|overdose|hepatitis|covid|symptoms|dosage"
    r"|\d+ ?mg|insulin|antidepressants?|injur(?:y|ies|ed)|hospitali[sz]ed|dental (?:records?|history)"
)
_HEALTH_TOPIC, _HEALTH_MINE = _topic(_HEALTH_WORDS), _first_person(_HEALTH_WORDS)
_HEALTH_CONTENT = re.compile(r"\bMRN\b|\bNHS (?:no|number)\.?\s*:?\s*\d{3}\s?\d{3}\s?\d{4}", re.IGNORECASE)
_LEGAL_WORDS = (
    r"attorney[- ]client|custody|criminal (?:records?|convictions?|history|charges?|case|background)|convicted"
    r"|conviction|arrested|lawsuit|sued|suing|settlement (?:terms|agreement|offer|amount|figure)|divorce[a-z]*"
    r"|separation agreement|prenup[a-z]*|immigration (?:status|case|hearing|application)|visa (?:status|application)"
    r"|undocumented|deport[a-z]*|asylum|court (?:case|hearing|date|order|summons)|tribunal|restraining order"
    r"|probation|parole|dui|dwi|charged with|indict[a-z]*|plea (?:deal|bargain)|deposition|subpoena[a-z]*"
    r"|litigation|power of attorney|without prejudice|(?:harassment|discrimination|unfair dismissal) (?:claim|case"
    r"|complaint|allegations?)|disciplinary (?:hearing|case|action)"
)
_LEGAL_TOPIC, _LEGAL_MINE = _topic(_LEGAL_WORDS), _first_person(_LEGAL_WORDS)
_LEGAL_CONTENT = re.compile(
    r"\bprivileged (?:and|&) confidential\b|\blegally privileged\b|\battorney[- ]client privileged\b", re.IGNORECASE
)
_FINANCIAL_WORDS = (
    r"bank statements?|account (?:number|no|#)|tax returns?|salary|salaries|pay ?slips?|pay stubs?|P60|P45|W-2"
    r"|1099|credit (?:score|report|history|rating|check)|loan (?:applications?|statement|balance)|mortgage"
    r"|debts?|arrears|bankrupt[a-z]*|insolven[a-z]*|net worth|income|pensions?"
    r"|investment portfolio|brokerage account|inheritance|benefits claim"
)
_FINANCIAL_TOPIC, _FINANCIAL_MINE = _topic(_FINANCIAL_WORDS), _first_person(_FINANCIAL_WORDS)
_AMOUNT = re.compile(  # a sum, not a year: "45000", "1,200", "£950", "3k", "2000 a month"
    r"[£$€]\s?\d|\b\d{1,3}(?:,\d{3})+\b|\b(?!(?:19|20)\d\d\b)\d{4,}\b"
    r"|\b\d+(?:\.\d+)?\s?(?:k|grand|pounds|dollars|euros|gbp|usd|eur)\b|\b\d[\d,.]*\s(?:a|per)\s(?:month|year|week)\b",
    re.IGNORECASE,
)
_FINANCIAL_CONTENT = re.compile(
    r"(?<!customer )(?<!order )\b(?:account|acct|a/c)\.? ?(?:number|no\.?|#)\s*(?:is|:)?\s*\d{8,17}\b"
    r"|\bsort code\s*(?:is|:)?\s*\d{2}[- ]?\d{2}[- ]?\d{2}\b",
    re.IGNORECASE,
)


def _tied_to_person(text: str, topic: re.Pattern[str], mine: re.Pattern[str], needs_sum: bool = False) -> bool:
    """A topic word owned by someone else (`_owner_spans`) or by the user (`mine`), the user's with a sum nearby
    when `needs_sum`: "my salary is 45000" flags, "my tax return is due next week" asks about a chore."""
    terms = [match.span() for match in topic.finditer(text)]
    if not terms:  # most texts stop here; `mine` only matches around a topic word
        return False
    if needs_sum:
        own = _any_near([m.span() for m in mine.finditer(text)], [m.span() for m in _AMOUNT.finditer(text)], 40)
    else:
        own = mine.search(text) is not None
    return own or _any_near(terms, owner_spans(text))


def find_health_record(text: str) -> bool:
    return bool(_HEALTH_CONTENT.search(text)) or _tied_to_person(text, _HEALTH_TOPIC, _HEALTH_MINE)


def find_legal_record(text: str) -> bool:
    return bool(_LEGAL_CONTENT.search(text)) or _tied_to_person(text, _LEGAL_TOPIC, _LEGAL_MINE)


def find_financial_record(text: str) -> bool:
    return bool(_FINANCIAL_CONTENT.search(text)) or _tied_to_person(text, _FINANCIAL_TOPIC, _FINANCIAL_MINE, True)


# --- the detector -------------------------------------------------------------------------------------------------

CHECKERS = {
    "bank_routing_number": find_bank_routing_number,
    "card_number": find_card_number,
    "contact_details": find_contact_details,
    "credential": find_credential,
    "financial_record": find_financial_record,
    "health_record": find_health_record,
    "iban": find_iban,
    "legal_record": find_legal_record,
    "us_ssn": find_us_ssn,
}  # kind -> checker; looked up at call time so a test can swap one


def detect_sensitive(text: str) -> Sensitivity:
    """Which kinds of sensitive data `text` holds; fails closed (sensitive, "detector_error") instead of raising."""
    try:
        if not isinstance(text, str):
            log.error("sensitive-data detector got a %s, not a str: treating it as sensitive", type(text).__name__)
            return DETECTOR_ERROR
        text = _normalise(text)
        kinds = tuple(sorted(kind for kind, check in CHECKERS.items() if check(text)))
        return Sensitivity(bool(kinds), kinds)
    except Exception as error:  # fail closed; log the type only, since a message could quote the text
        log.error("sensitive-data detector failed (%s): treating the text as sensitive", type(error).__name__)
        return DETECTOR_ERROR
