"""Credentials in any form: key and token shapes, private keys, passwords in config lines and in plain sentences,
URLs with a password, `curl -u user:password`, Authorization headers.

Yelp's detect-secrets supplies the vendor shapes it maintains (AWS, GitHub, GitLab, Slack, Stripe, Twilio, JWT,
private keys, ...): its regex plugins are called directly on the text, without its file scanner and without its
entropy plugins, which flag most English words in a sentence. Its keyword detector is made for source files; owners
write passwords into sentences ("log in with user X and password Y"), so that part is ours, with a test of what a
real value looks like (`_looks_like_secret`). `_TOKEN_SHAPES` adds the prefixed tokens detect-secrets 1.5 does not
know (npm, Hugging Face, Anthropic, Slack webhooks, Shopify, ...), taken from gitleaks' rule set, and repeats a
vendor only where ours is looser than detect-secrets' exact lengths (GitHub, Slack, Stripe test keys, SendGrid, JWT).
"""

from __future__ import annotations

import re
from functools import cache

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.base import RegexBasedDetector

_TOKEN_SHAPES = re.compile(
    r"""\bsk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}   # OpenAI, Anthropic
      | \b[rs]k_(?:live|test)_[A-Za-z0-9]{16,} | \bwhsec_[A-Za-z0-9]{20,}   # Stripe
      | \bgh[pousr]_[A-Za-z0-9]{30,} | \bgithub_pat_[A-Za-z0-9_]{30,}
      | \bgl(?:pat|ptt|rt|dt|cbt|ft|imt|agent|oas|soat)-[A-Za-z0-9_-]{20,}   # GitLab
      | \bxox[abeprs]-[A-Za-z0-9-]{10,} | \bxapp-\d-[A-Za-z0-9-]{20,}      # Slack
      | hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}
      | discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{20,}
      | \bAIza[0-9A-Za-z_-]{35} | \bya29\.[0-9A-Za-z_-]{20,} | \bGOCSPX-[A-Za-z0-9_-]{20,}   # Google
      | \bnpm_[A-Za-z0-9]{36}\b | \bpypi-AgE[A-Za-z0-9_-]{50,} | \bhf_[A-Za-z0-9]{30,}\b
      | \bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b | \bdo[por]_v1_[a-f0-9]{64}\b | \bdapi[a-f0-9]{32}\b
      | \bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,} | \bkey-[a-f0-9]{32}\b          # SendGrid, Mailgun
      | \bsq0(?:atp|csp)-[A-Za-z0-9_-]{22,}                                        # Square
      | \bEAA[A-Za-z0-9]{30,} | \bfigd_[A-Za-z0-9_-]{30,} | \blin_api_[A-Za-z0-9]{30,}
      | \bATATT[A-Za-z0-9_=-]{30,} | \b(?:secret|ntn)_[A-Za-z0-9]{43,}\b | \bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b
      | \bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,} | \bpul-[a-f0-9]{40}\b | \bgl(?:c|sa)_[A-Za-z0-9_+/=]{32,}
      | \bNRAK-[A-Z0-9]{27}\b | \bsntry[su]_[A-Za-z0-9_=+/-]{30,} | \bhv[sb]\.[A-Za-z0-9_-]{24,}
      | \bAGE-SECRET-KEY-1[0-9A-Z]{58}\b | \bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b
      | (?<![\w~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}   # Azure AD client secret
      | \bp8e-[A-Za-z0-9-]{32} | "type":\s*"service_account"   # Adobe, a Google service-account key file
      | \bAccountKey=[A-Za-z0-9+/=]{40,} | \bSharedAccessSignature\b | \bsig=[A-Za-z0-9%]{30,}
      | -----BEGIN[A-Z ]*PRIVATE\ KEY(?:\ BLOCK)?-----   # also PKCS#8 "ENCRYPTED PRIVATE KEY", unlike detect-secrets
      | \bATBB[A-Za-z0-9]{24,} | \balcht_[A-Za-z0-9]{20,} | \bptr_[A-Za-z0-9_]{30,}
      | \bapi_org_[A-Za-z]{34}\b | \bABSK[A-Za-z0-9+/]{40,}={0,2} | \bbedrock-api-key-[A-Za-z0-9+/=]{20,}
      | \bdt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64} | \bFlyV1\ fm\d[a-z]?_[A-Za-z0-9+/=_-]{40,}
      | \bfo1_[A-Za-z0-9_-]{40,}
      | \.atlasv1\.[A-Za-z0-9_=-]{40,} | \bHRKU-[A-Za-z0-9_-]{40,} | webhook\.office\.com/webhookb2/\S{40,}
      | \bv1\.0-[a-f0-9]{24}-[a-f0-9]{100,} | \bpat\.[a-z0-9]{22}\.[a-z0-9]{24}\.[a-z0-9]{20}
      | \beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*   # JWT""",
    re.VERBOSE,
)
_SECRET_NAME = (  # (?<![A-Za-z]), not \b: "_" joins the words of DB_PASSWORD, client_secret, my_password_secure
    r"(?<![A-Za-z])(?:password|passwd|passwort|pwd|pw|passcode|passphrase|pin(?: code| number)?|api[ _-]?key"
    r"|access[ _-]?key|private[ _-]?key|secret(?:[ _-]?access)?(?:[ _-]?key)?|secrete|token|auth|credentials?"
    r"|apikey|pass(?![a-z])|key(?=[ \t]*[:=])"
    r"|(?:alarm|door|gate|safe|keypad|entry|lock|access|security|wi-?fi|garage) ?codes?)"
    r"(?:_[A-Za-z]+)*"
)
_CAMEL_SECRET_NAME = (  # adafruitToken, EZAKToken, HEROKU_KEY, SNYK_API_KEY (case-sensitive)
    r"\b[A-Za-z][a-zA-Z0-9]*(?:Token|Key|Secret|Password|Passwd|Pwd|Auth|Credentials?)\b"
    r"|\b[A-Z0-9_]*(?:KEY|PWD|PASS|PASSWORD|SECRET|TOKEN)\b")
_SECRET_ASSIGNMENT = re.compile(  # also api_secret, AWS_SECRET_ACCESS_KEY, auth_token, "the password for X is Y"
    r"(?:(?-i:" + _CAMEL_SECRET_NAME + r")|" + _SECRET_NAME + r")(?:\[\d*\])?[\"']?"  # secret[] = "..." (C)
    r"(?:\s+(?:for|to|of|on)\s+[^.,;:?!\n]{1,40}?)?"
    # on one line ("KEY=\nOTHER=" is empty): =, :, :=, ?=, ==, ("...", .assign("..."), " - '...'"
    r"(?:[ \t]*(?::{1,3}=|\?=|=>|[!=]==?|[:=]|\(|\.assign\()[ \t]*|[ \t]+(?:-[ \t]+)?(?=[\"'])"
    r"|\s+(?:is|was|will be|should be|=|is now|has been changed to|changed to|set to"
    r"|reset to)\s*:?\s*)@?(?:[\"'`]([^\"'`\n]{4,2000})[\"'`]|([^\s\"'`,;]+))",
    re.IGNORECASE,
)
_COMPARED_SECRET = re.compile(  # if ("hunter2!" == password)
    r"[\"'`]([^\"'`\n]{4,200})[\"'`]\s*[!=]==?\s*(?:[A-Za-z]+_)*" + _SECRET_NAME + r"\b", re.IGNORECASE
)
_SENTENCE_SECRET = re.compile(  # "log in with user bob and password hunter2!", "my password Sunny2024 stopped working"
    r"(?<![A-Za-z])(?:password|passcode|passphrase|pin|pwd|(?:alarm|door|gate|safe|keypad|entry|lock|key ?safe"
    r"|access) code)[\s:#]+(?!is\b|was\b|for\b|to\b|of\b|on\b|policy|manager|reset"
    r"|change|expir)[\"'`]?([^\s\"'`,;]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(  # the value needs a digit: "Bearer tokens expire after an hour" names no token
    r"(?<![A-Za-z])(?:(?:authorization\s*:\s*(?:basic|token|bearer)?|bearer|token)\s+(?=[\w~+/.=-]*\d)[\w~+/.=-]{16,}"
    r"|authorization\s*:\s*basic\s+[A-Za-z0-9+/]{8,}={0,2})",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"://[^\s:/@\"']{1,64}:([^\s/@\"']{1,128})@[\w.-]")  # any scheme://user:password@host
_LOGIN_FLAG = re.compile(r"\blogin\b[^\n]{0,80}?\s(?:-p|--password[ =])\s*[\"']?([^\s\"']{4,})")  # docker login -p
_CURL_USER = re.compile(r"(?:\s-u\s*|--user[ =]\s*)[\"']?([^\s:\"']{0,64}):([^\s\"']{0,128})")
_LOGIN_PAIR = re.compile(  # "login: admin / Spring2025#", "user: admin pass: Spring2025#"
    r"\b(?:login|log-?in|credentials|user(?:name)?|email)\b[^\n]{0,40}?[:=]\s*\S+\s*(?:/|\s(?:pass|pw|pwd)\s*[:=])"
    r"\s*([^\s\"'`,;]+)",
    re.IGNORECASE,
)
_PATH = re.compile(r"(?:~|\.{1,2})?(?:/[\w.-]+)+/?")
_CODE_REFERENCE = re.compile(r"[A-Za-z_]\w*(?:\.[a-z_]+)+|[A-Z][A-Z_]*_[A-Z_]*\d?[A-Z_]*")
_EMAIL_LIKE = re.compile(r"\w@\w+\.\w")
_DOMAIN = re.compile(r"(?:https?://)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6}(?:/\S*)?")
_PLACEHOLDER_WORDS = re.compile(r"insert|your|_here|placeholder|fake|dummy|xxx|changeme|todo|redacted",
                                re.IGNORECASE)  # not "example": AWS's documented keys end in EXAMPLE and get pasted
_PLACEHOLDERS = frozenset({"e.g", "i.e", "etc", "n/a", "none", "null", "tbd", "tbc", "redacted", "hidden", "password",
                           "secret", "changeme", "example", "xxxx", "yourpassword", "your_password", "true", "false",
                           "required", "optional", "string", "str", "env", "undefined", "pass", "test", "token",
                           "user", "username", "admin", "digest", "key", "apikey", "api_key"})


@cache
def _detect_secrets_plugins() -> tuple[RegexBasedDetector, ...]:
    """detect-secrets' regex plugins, loaded once: every vendor shape it knows; not its entropy or IP plugins, nor its
    URL check, which flags "user:password@" from the docs (`_URL_PASSWORD` with `_looks_like_secret` does not)."""
    plugins = get_mapping_from_secret_type_to_class().values()
    return tuple(plugin() for plugin in plugins if issubclass(plugin, RegexBasedDetector) and plugin.__name__
                 not in ("IPPublicDetector", "BasicAuthDetector"))  # URL passwords are ours: placeholders stay allowed


def _looks_like_secret(value: str) -> bool:
    """A real-looking value: 4+ chars with a digit, a symbol or inner capitals, or 12+ letters; not a placeholder,
    a variable reference or a place."""
    value = value.rstrip(".,)!?:")
    if not value or _PLACEHOLDER_WORDS.search(value) or value[0] in "$<{%[(*#":
        return False  # "${DB_PASSWORD}", "<your password>", "insert_key_here"
    if " " in value:  # a quoted value with spaces: "value with quotes and spaces" is still a value
        return len(value) >= 8
    if _CODE_REFERENCE.fullmatch(value):  # X25519.secret_length, ACCESS_TOKEN: a name in code, not a value
        return False
    if len(value) < 4 or value.lower() in _PLACEHOLDERS or len(set(value)) == 1:
        return False  # "password: tbd", "********"
    if _PATH.fullmatch(value) or value.startswith(("http:", "https:")):  # DB_PASSWORD_FILE=/run/secrets/db: a file
        return False
    if "environ" in value or "getenv" in value or _EMAIL_LIKE.search(value) or _DOMAIN.fullmatch(value):
        return False  # "password: mail-upgrade-portal.com" names a place, not a secret
    if value.lower().startswith(("process.", "os.", "config.", "settings.", "self.", "env.", "vault:")):
        return False
    return any(not c.isalpha() for c in value) or any(c.isupper() for c in value[1:]) or len(value) >= 12


def find_credential(text: str) -> bool:
    # a key's shape flags even when filled with x's ("ghp_xxxx..."): gitleaks calls those placeholders, detect-secrets
    # calls them keys; failing closed, we side with detect-secrets (docs/benchmarks.md counts both)
    if _TOKEN_SHAPES.search(text) or _BEARER.search(text):
        return True
    if any(next(iter(plugin.analyze_string(text)), None) for plugin in _detect_secrets_plugins()):
        return True
    if any(_curl_password(match.group(2) or match.group(1)) and not _curl_password_is_placeholder(match.group(0))
           for match in _CURL_USER.finditer(text)):
        return True
    candidates = (*_SECRET_ASSIGNMENT.finditer(text), *_COMPARED_SECRET.finditer(text),
                  *_SENTENCE_SECRET.finditer(text), *_LOGIN_PAIR.finditer(text), *_URL_PASSWORD.finditer(text),
                  *_LOGIN_FLAG.finditer(text))
    return any(_looks_like_secret(next((group for group in match.groups() if group), "")) for match in candidates)


def _curl_password_is_placeholder(option: str) -> bool:
    """`curl -u <user:password>`, `--user "$USER:$PASS"`: a template, not a credential."""
    return any(c in option for c in "<[{") or re.search(r"\$[A-Z_{(]", option) is not None


def _curl_password(value: str) -> bool:
    """`curl -u admin:H4rb0r@l!`: whatever follows the colon is the password ("@" included), unless a placeholder."""
    if len(value) < 4:
        return False
    return not (_PLACEHOLDER_WORDS.search(value) or value.lower() in _PLACEHOLDERS or value[0] in "$<{%[*")
