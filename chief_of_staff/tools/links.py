"""Is a link what it claims to be? Signs of a lookalike or hidden destination, offline.

The registrable domain comes from tldextract with its bundled Public Suffix List snapshot and no fetching (so
"paypal.com.account-verify.info" belongs to account-verify.info, and "hsbc.co.uk" to hsbc). The signs:
  - a bare IP address as host;
  - punycode (xn--) or non-Latin letters in the host;
  - a link shortener, which hides the destination;
  - a well-known brand's name, or a lookalike of it (digits for letters, rn for m, one letter off), on a domain
    that is not the brand's;
  - link text that names one domain while the link goes to another.
Unknown small businesses' domains show no sign and pass: this checks for disguise, not reputation.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

BRANDS = frozenset("""
paypal apple icloud microsoft microsoftonline office outlook live hotmail onedrive sharepoint google gmail youtube
amazon facebook instagram whatsapp netflix dropbox docusign adobe linkedin twitter chase wellsfargo bankofamerica
citibank hsbc barclays santander lloydsbank natwest halifax stripe square shopify intuit quickbooks xero ebay fedex
usps royalmail hmrc zoom slack github coinbase binance kraken venmo zelle cashapp americanexpress mastercard
visa yahoo spotify steam walmart costco bestbuy booking airbnb uber godaddy namecheap salesforce okta wise revolut
monzo etsy alibaba aliexpress discord telegram signal tiktok snapchat pinterest reddit twitch gusto adp paychex
""".split())
SHORTENERS = frozenset("""
bit.ly tinyurl.com t.co goo.gl ow.ly is.gd rb.gy cutt.ly buff.ly tiny.cc shorturl.at t.ly rebrand.ly bl.ink
lnkd.in s.id v.gd qr.ae soo.gd short.io bitly.com tr.im
""".split())
# Digits and letter pairs that read as letters (a lookalike's "skeleton"), and non-Latin letters that look Latin.
ASCII_LOOKALIKES = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("3", "e"), ("4", "a"), ("5", "s"), ("7", "t"),
                    ("8", "b"), ("@", "a"), ("$", "s"))
UNICODE_LOOKALIKES = str.maketrans("аеорсхуіјѕԁɡһӏոԛԝοαρνκτіⅼ", "aeopcxyijsdghlnqwoapvktil")
_URL = re.compile(r"""(?:https?://|www\.)[^\s<>"'\])]+|\b(?:[\w-]+\.)+(?:com|net|org|info|io|co|xyz|site|online|"""
                  r"""biz|top|app|ly|gl|gd|me|us|uk|de|ru|cn)\b(?:/[^\s<>"'\])]*)?""", re.IGNORECASE | re.UNICODE)
_HTML_LINK = re.compile(r"""<a\s[^>]*href=["']([^"']+)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL)
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_DOMAIN_LIKE = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?$", re.IGNORECASE | re.UNICODE)


@dataclass(frozen=True)
class LinkVerdict:
    url: str
    domain: str  # the registrable domain, e.g. account-verify.info
    suspicious: bool
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"url": self.url, "domain": self.domain, "suspicious": self.suspicious, "reasons": self.reasons}


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # the bundled snapshot: never fetches


def _skeleton(label: str) -> str:
    text = unicodedata.normalize("NFKC", label.lower()).translate(UNICODE_LOOKALIKES)
    for lookalike, letter in ASCII_LOOKALIKES:
        text = text.replace(lookalike, letter)
    return text


def _one_edit_apart(a: str, b: str) -> bool:
    """One substitution, insertion, deletion or swap of neighbours turns a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _brand_imitated(label: str) -> str | None:
    """The brand a domain label imitates without being it, or None."""
    if label in BRANDS:
        return None
    skeleton = _skeleton(label)
    tokens = [t for t in re.split(r"[-_.]", skeleton) if t]
    for brand in BRANDS:
        if skeleton == brand or brand in tokens:
            return brand
        if len(brand) >= 5 and brand in skeleton:
            return brand
        if len(brand) >= 6 and any(_one_edit_apart(t, brand) for t in tokens):
            return brand
    return None


def _host(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    return (parts.hostname or "").rstrip(".")


def registrable_domain(host: str) -> tuple[str, str, str]:
    """(subdomain, domain label, suffix) of a host name."""
    parts = _extractor()(host)
    return parts.subdomain, parts.domain, parts.suffix


def inspect_link(url: str, link_text: str | None = None) -> LinkVerdict:
    """The signs that `url` (shown as `link_text`, if any) is a lookalike or hides where it goes."""
    host = _host(url.strip())
    reasons: list[str] = []
    try:
        ipaddress.ip_address(host.strip("[]"))
        return LinkVerdict(url, host, True, ["the link goes to a bare IP address, not a named site"])
    except ValueError:
        pass
    shown = host
    if "xn--" in host:
        try:
            shown = host.encode("ascii").decode("idna")
            reasons.append(f"punycode host: it displays as {shown}")
        except UnicodeError:
            reasons.append("a malformed punycode host")
    if any(ord(c) > 127 for c in shown):
        if shown.translate(UNICODE_LOOKALIKES) != shown:
            reasons.append("letters from another alphabet that look like Latin ones")
    subdomain, label, suffix = registrable_domain(shown)
    domain = f"{label}.{suffix}" if suffix else label
    if domain.lower() in SHORTENERS:
        reasons.append(f"{domain} is a link shortener: it hides where the link really goes")
    imitated = _brand_imitated(label)
    if imitated:
        reasons.append(f"the domain {domain} imitates {imitated} but is not {imitated}'s")
    elif label not in BRANDS:
        in_subdomain = next((b for b in BRANDS if b in re.split(r"[-_.]", _skeleton(subdomain))), None)
        if in_subdomain:
            reasons.append(f"{in_subdomain} appears in front of someone else's domain, {domain}")
    if link_text and _DOMAIN_LIKE.match(link_text.strip()):
        _, text_label, text_suffix = registrable_domain(_host(link_text.strip()))
        if (text_label, text_suffix) != (label, suffix):
            reasons.append(f"the link text shows {text_label}.{text_suffix} but the link goes to {domain}")
    return LinkVerdict(url, domain, bool(reasons), reasons)


def links_in(text: str) -> list[tuple[str, str | None]]:
    """(url, link text) for each link in `text`: HTML anchors, Markdown links, then bare URLs and domains."""
    found: list[tuple[str, str | None]] = []
    for href, shown in _HTML_LINK.findall(text):
        found.append((href, re.sub(r"<[^>]+>", "", shown).strip() or None))
    for shown, href in _MARKDOWN_LINK.findall(text):
        found.append((href, shown))
    taken = " ".join(u for u, _ in found) + " " + " ".join(t or "" for _, t in found)
    for match in _URL.finditer(_MARKDOWN_LINK.sub(" ", _HTML_LINK.sub(" ", text))):
        url = match.group(0).rstrip(".,;:!?")
        if url not in taken:
            found.append((url, None))
    return found
