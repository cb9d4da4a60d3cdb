"""Who a piece of text is about, for the sensitive-data checkers: people's names (short lists of common first names
and surnames, honorifics, "client Okafor", initials such as "client J.D.") and the owners a record can belong to
("Maria's", "for Mr Evans", his/her, "the client's", "a patient who ..."). Plain `re`, no model: an unusual name
with no honorific, role word, initials or pronoun is missed.
"""

from __future__ import annotations

import re

FIRST_NAMES = frozenset("""
james john robert michael david richard joseph thomas charles christopher daniel matthew anthony steven paul andrew
joshua kevin brian george edward ronald timothy jason jeffrey jacob gary nicholas eric jonathan stephen larry justin
brandon benjamin samuel gregory alexander patrick raymond dennis tyler aaron jose adam nathan henry douglas zachary
peter kyle walter ethan jeremy harold keith noah gerald carl terry sean arthur lawrence jesse dylan bryan joe bruce
albert gabriel logan alan juan wayne roy ralph eugene vincent louis philip oliver harry charlie oscar liam leo theo
felix hugo finn mohammed muhammad ahmed omar ali ibrahim khalid hassan yusuf tariq jamal raj rahul anil deepak arjun
sanjay vikram amit ravi wei hao hiroshi takeshi kenji carlos miguel pablo diego javier luis jorge alejandro mateo
rafael fernando ricardo sergio andres marco luca giovanni pierre hans klaus lars sven erik ivan dmitri mikhail sergei
piotr kwame kofi emeka chidi tunde oluwaseun declan ciaran connor callum hamish rhys owen gareth tom tim dan ben sam
jim tony pete alex chris dave steve ryan mary patricia jennifer linda elizabeth barbara susan jessica sarah karen
nancy lisa betty margaret sandra ashley kimberly emily donna michelle dorothy amanda melissa deborah stephanie
rebecca sharon laura cynthia kathleen amy shirley angela helen anna brenda pamela nicole emma samantha katherine
christine catherine janet maria heather diane julie joyce evelyn joan kelly christina lauren martha cheryl megan
andrea olivia hannah alice gloria teresa sara marie diana natalie jane sophia sophie chloe zoe freya amelia isabel
lucia sofia elena ana priya aisha fatima sunita yuki giulia francesca camille ingrid olga natasha nadia amara fiona
claire siobhan niamh aoife sian bethan nina tina rosa alicia carmen lucy ellie abigail alexis kate beth
""".split())
SURNAMES = frozenset("""
smith johnson williams jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson moore
jackson martin lee perez thompson harris sanchez clark ramirez lewis robinson walker allen wright torres nguyen flores
adams nelson mitchell roberts carter phillips evans turner diaz edwards collins stewart morris murphy rivera rogers
peterson reed bailey howard ramos kim cox richardson watson brooks chavez bennett mendoza ruiz hughes alvarez castillo
sanders patel myers ross foster jimenez powell jenkins perry sullivan butler barnes fisher henderson coleman simmons
patterson reynolds hamilton graham gonzales wallace griffin hayes gibson ellis murray singh kumar sharma gupta khan
chen wang zhang liu yang huang tanaka suzuki sato mueller muller schmidt schneider fischer weber meyer rossi russo
bianchi dubois moreau laurent okafor okonkwo adeyemi mensah walsh byrne doyle kowalski nowak novak ivanov petrov
silva santos oliveira pereira fernandes almeida doe
""".split())

_WORD = re.compile(r"[A-Za-z]+")
_HONORIFIC_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.?\s+[A-Z][A-Za-z-]+")
ROLES = (r"(?:client|customer|patient|tenant|employee|staff member|member of staff|candidate|applicant|worker"
          r"|colleague|contractor|student|resident|guest|volunteer|receptionist|nurse|driver|cleaner|manager"
          r"|assistant|bookkeeper|hygienist|chef|apprentice|intern|landlord|policyholder|supervisor|stylist|therapist"
          r"|teacher|pupil|child|member|partner|associate|technician|agent|caller|buyer|borrower|debtor|claimant)")
_NAMED = re.compile(  # "client Okafor", "client J.D."
    r"(?i:\b(?:" + ROLES + r"|name is|named|dear))\s+([A-Z][a-z-]+|[A-Z]\.\s?[A-Z]\.?)"
)
_INITIALS = re.compile(r"\b[A-Z]\.\s?[A-Z]\.(?!\w)")  # "J.D. reported ...": a person written by initials
_NOT_A_NAME = frozenset({"service", "services", "support", "care", "portal", "success", "team", "experience", "data",
                         "records", "relations", "satisfaction", "feedback", "account", "accounts", "list", "the",
                         "customer", "customers", "client", "clients", "sir", "madam", "all"})
_SPECIFIC = (r"(?:who|with|whose|has|had|is|was|told|owes|got|gets|received|receives|disclosed|admitted|mentioned"
             r"|reported|revealed)")  # not "said", "asked", "wants": "An employee asked for a pay rise" is a question
_PERSON_CUE = re.compile(
    r"\b(?:his|her|hers|him|himself|herself)\b|\b(?:he|she)(?:'s|’s|\s+" + _SPECIFIC + r"\b)"
    r"|\b(?:a|an|one|this|that|the|our|my)\s+(?:of\s+our\s+)?(?:[a-z-]+\s+)?" + ROLES  # "one of our patients has"
    + r"s?,?\s+(?:[A-Z][a-z]+,?\s+)?(?:(?:in|at|from|on)\s+[a-z]+\s+)?(?:is\s+being\s+|being\s+)?" + _SPECIFIC
    + r"\b"  # "the employee in accounts is", "one of our hygienists, Paula, is"
    r"|\b(?:the|this|that|our|my|your)\s+(?:[a-z-]+\s+)?" + ROLES + r"(?:'s|’s)"  # "the client's"
    r"|\b(?:" + ROLES + r"|case|member)\s*(?:#|no\.?|number|id|ref\.?)?\s*:?\s*[A-Z]{0,4}-?\d{3,}",  # "patient 55102"
    re.IGNORECASE,
)
_OWNER_AFTER = re.compile(  # "Maria Lopez's", "Priya is", "Ella Grant (age 9) has", "Mia Chen: $58,000"
    r"(?:\s+[A-Z][a-z]+)?(?:\s*\(age \d+\))?(?:'s|’s|'|’|:|\s+" + _SPECIFIC + r"\b)"
)
_FULL_NAME = re.compile(r"\b[A-Z][a-z]+ (?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b|[A-Z]\.)")  # "Ella Grant", "Ruth A."
_NOT_PEOPLE = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december today tomorrow yesterday christmas easter google microsoft apple
amazon facebook instagram linkedin xero quickbooks stripe paypal hmrc irs gdpr uk us eu london what that there here who
where when how let it this today year month week company business team everyone nobody somebody someone""".split())
_CAPITAL_OWNER = re.compile(  # "Jess's payslip", "Ellie in accounts has", "Dom: diagnosed": a capitalised word as owner
    r"\b([A-Z][a-z]{1,20})(?:'s|’s|\s+in\s+[a-z]+\s+" + _SPECIFIC + r"\b)")
_OWNER_BEFORE = re.compile(r"\b(?:for|of|against|behalf of|re:?)\s+$", re.IGNORECASE)  # "the lawsuit against X"
_WRITTEN_TO = re.compile(r"\b(?:to|with)\s+$", re.IGNORECASE)  # "the settlement offer to Mr Singh": a client's matter


def name_spans(text: str) -> list[tuple[int, int]]:
    """Where a person's name appears: honorific + name, a listed first name or surname, "client Okafor", "named X"."""
    spans = [match.span() for match in _HONORIFIC_NAME.finditer(text)]
    spans += [match.span() for match in _NAMED.finditer(text) if match.group(1).lower() not in _NOT_A_NAME]
    spans += [match.span() for match in _INITIALS.finditer(text)]
    for match in _WORD.finditer(text):
        word = match.group()
        lower = word.lower()
        if lower in FIRST_NAMES or (word[0].isupper() and lower in SURNAMES):
            spans.append(match.span())
    return spans


def full_name_spans(text: str) -> list[tuple[int, int]]:
    """Listed names plus any "First Last" or "First L." pair: "Ruth A. | 38,000" in a pasted table."""
    return name_spans(text) + [match.span() for match in _FULL_NAME.finditer(text)]


def owner_spans(text: str) -> list[tuple[int, int]]:
    """Who a record can belong to: a name as owner ("Maria's", "Priya is", "for Mr Evans"), his/her, "the client's",
    "a patient who/with/has...", "employee #123". A name that only gets the task ("ask Maria to ...") is not one."""
    spans = [match.span() for match in _PERSON_CUE.finditer(text)]
    spans += [match.span() for match in _NAMED.finditer(text) if match.group(1).lower() not in _NOT_A_NAME]
    spans += [match.span() for match in _INITIALS.finditer(text)]  # "session w/ A.B.": notes about a client
    spans += [match.span() for match in _CAPITAL_OWNER.finditer(text) if match.group(1).lower() not in _NOT_PEOPLE]
    spans += [match.span() for pattern in (_HONORIFIC_NAME, _FULL_NAME) for match in pattern.finditer(text)
              if _WRITTEN_TO.search(text, max(0, match.start() - 10), match.start())]
    for start, end in name_spans(text) + [match.span() for match in _FULL_NAME.finditer(text)]:
        if _OWNER_AFTER.match(text, end) or _OWNER_BEFORE.search(text, max(0, start - 20), start):
            spans.append((start, end))
    return spans
