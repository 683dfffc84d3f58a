"""What spam and abuse look like to the engineered features: links, contact details, money,
commercial words. Shared by the batch (numpy) and the few-comments (plain Python) feature code."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

TLDS = frozenset(
    "com net org info biz io co us uk de ru cn in me tv ly gl xyz online site top club shop store link "
    "click pro ca au fr es it nl pl br jp to cc ws tk ml ga cf gq be eu asia mobi name live app blog page "
    "example".split()
)
# Candidate links: scheme or www. prefixed, or bare host names; bare ones are kept only when they end
# in a known TLD, so "e.g." or "3.5" are not links.
LINK_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'\]\[]+|(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[^\s<>\"'\]\[]*)?",
    re.IGNORECASE,
)
BBCODE_RE = re.compile(r"\[url[=\]]|<a\s+href|\[link[=\]]", re.IGNORECASE)
# From the start of a run only, possessively: one pass over a long run without a dot after its "@".
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
# North-American and international phone numbers with the usual separators, including the
# "1-888-555-0199", "(800) 555 0199", "+44 20 7946 0958" and "1.866.555.0199" spellings.
PHONE_RE = re.compile(
    r"(?<![\w.])(?:\+?\d{1,3}[\s.\-]?)?(?:\(\d{3}\)|\d{3})[\s.\-]?\d{3}[\s.\-]?\d{4}(?!\w)"
    r"|(?<![\w.])\+\d{1,3}(?:[\s.\-]?\d{2,4}){3,4}(?!\w)"
)
TOLL_FREE_RE = re.compile(r"(?<!\d)(?:\+?1[\s.\-]?)?\(?8(?:00|33|44|55|66|77|88)\)?[\s.\-]?\d{3}[\s.\-]?\d{4}")
CURRENCY_RE = re.compile(r"[$€£¥]\s?\d|\d\s?[$€£¥]|\d\s?(?:usd|eur|k)\b|/(?:day|hour|week|month)\b", re.IGNORECASE)
MONEY_WORDS = frozenset(
    "cash money income earn earning earnings paid payday loan loans credit bitcoin crypto forex dollars "
    "bucks profit investment invest rich".split()
)
SUPPORT_RE = re.compile(
    r"\b(?:support|helpline|help ?line|help ?desk|customer (?:care|service)|tech(?:nical)? support|"
    r"toll[- ]?free|hotline|phone number|contact number|call (?:us|now|at|our)?)\b",
    re.IGNORECASE,
)
COMMERCIAL_WORDS = frozenset(
    "cheap buy discount sale deal deals offer offers order shop store online pill pills pharmacy viagra "
    "cialis casino poker betting bet loan loans credit insurance seo backlink backlinks traffic followers "
    "subscribe subscribers replica essay dating sex porn xxx crypto bitcoin forex investment weight diet "
    "free win winner prize promo coupon bonus earn money cash income channel click visit website service "
    "services agency marketing escort vpn download hack cheat cheats".split()
)
DIGIT_RE = re.compile(r"\d")

ENGINEERED_FEATURES: tuple[str, ...] = (
    "link_count",
    "distinct_domains",
    "link_reference",
    "link_shortener",
    "link_commercial",
    "link_other",
    "bbcode_link",
    "email_address",
    "phone_number",
    "toll_free_number",
    "support_number",
    "money",
    "commercial_words",
    "caps_ratio",
    "shouting_words",
    "repeated_chars",
    "repeated_punctuation",
    "exclamations",
    "length",
    "short_text",
    "digit_ratio",
    "invisible_chars",
    "homoglyphs",
    "obfuscated_words",
    "author_commercial",
    "author_many_words",
    "author_has_link",
    "author_digits",
    "url_present",
    "url_commercial",
)


MAYBE_BARE_LINK_RE = re.compile(r"[A-Za-z0-9]\.[A-Za-z]{2}")
WORDS_RE = re.compile(r"\w+")  # re's idea of a word: what tokenization splits on too


def link_hosts(cleaned: str) -> list[tuple[str, str]]:
    """``(link text, host name)`` of every link in the text, each link once (``https://www.x.y``
    is one link: the scheme and ``www.`` belong to the same match)."""
    if "://" not in cleaned and "www." not in cleaned and not MAYBE_BARE_LINK_RE.search(cleaned):
        return []
    found = []
    for link in LINK_RE.findall(cleaned):
        bare = "://" not in link and not link.lower().startswith("www.")
        target = link if "://" in link else "http://" + link
        try:
            host = (urlsplit(target).hostname or "").removeprefix("www.")
        except ValueError:
            continue
        if bare and host.rsplit(".", 1)[-1] not in TLDS:
            continue
        found.append((link, host))
    return found


def count_links(cleaned: str) -> tuple[int, int]:
    """Number of links and of distinct host names in the text."""
    hosts = [host for _, host in link_hosts(cleaned)]
    return len(hosts), len(set(hosts))


# What a link points to decides what it means. A reader citing a news report, an encyclopedia, a
# government or a university is not advertising; a shortener hides where it leads, and a host
# stuffed with sales words or on a throw-away TLD is the spammer's own.
REFERENCE_HOSTS = frozenset(
    """wikipedia.org wikimedia.org wiktionary.org wikisource.org britannica.com archive.org
    reuters.com apnews.com ap.org theguardian.com guardian.co.uk bbc.co.uk bbc.com nytimes.com
    washingtonpost.com bloomberg.com wsj.com ft.com economist.com npr.org pbs.org cnn.com nbcnews.com
    cbsnews.com abcnews.go.com foxnews.com politico.com theatlantic.com newyorker.com latimes.com
    usatoday.com aljazeera.com axios.com propublica.org snopes.com factcheck.org politifact.com
    nature.com science.org sciencemag.org arxiv.org doi.org pubmed.ncbi.nlm.nih.gov ncbi.nlm.nih.gov
    who.int un.org europa.eu jstor.org cbc.ca abc.net.au dw.com france24.com lemonde.fr spiegel.de
    time.com newsweek.com cnbc.com marketwatch.com theverge.com arstechnica.com wired.com vox.com
    thehill.com independent.co.uk telegraph.co.uk irishtimes.com smh.com.au nationalgeographic.com
    scientificamerican.com theconversation.com pewresearch.org census.gov github.com stackoverflow.com
    python.org mozilla.org w3.org ietf.org adn.com seattletimes.com oregonlive.com""".split()
)
REFERENCE_SUFFIXES = (".gov", ".mil", ".edu", ".int", ".museum", ".ac.uk", ".gov.uk", ".gc.ca", ".gov.au", ".europa.eu")
SHORTENER_HOSTS = frozenset(
    """bit.ly bitly.com goo.gl tinyurl.com t.co ow.ly is.gd buff.ly rebrand.ly cutt.ly shorturl.at tiny.cc
    rb.gy t.ly adf.ly shorte.st bc.vc lnkd.in v.gd qr.net soo.gd clck.ru s.id shorturl.com tr.im""".split()
)
# Sales words that spammers pack into host names ("cheap-pills-online.xyz"); matched inside labels.
HOST_SALES_WORDS = (
    "casino poker betting viagra cialis pharma pills loan payday bitcoin crypto forex essay replica seo backlink "
    "followers escort porn xxx cheap discount coupon deal buy money cash earn income profit invest hack cheat "
    "free win prize bonus dating shop store sale offer promo"
).split()
SPAM_TLDS = frozenset(
    "xyz top club online site shop store click link loan win bid icu buzz biz info tk ml ga cf gq".split()
)
LINK_KINDS: tuple[str, ...] = ("reference", "shortener", "commercial", "other")


def link_kind(host: str) -> str:
    """``reference``, ``shortener``, ``commercial`` or ``other`` for a host name (no ``www.``)."""
    host = host.lower().rstrip(".")
    if host in SHORTENER_HOSTS:
        return "shortener"
    parts = host.split(".")
    for k in range(len(parts) - 1):
        if ".".join(parts[k:]) in REFERENCE_HOSTS:
            return "reference"
    if host.endswith(REFERENCE_SUFFIXES):
        return "reference"
    labels = parts[:-1]
    if parts[-1] in SPAM_TLDS or host.count("-") >= 2 or any(w in label for label in labels for w in HOST_SALES_WORDS):
        return "commercial"
    return "other"


def link_kind_counts(cleaned: str) -> tuple[int, int, int, int, int, int]:
    """``(links, distinct hosts, reference, shortener, commercial, other)`` links in the text."""
    found = link_hosts(cleaned)
    kinds = [link_kind(host) for _, host in found]
    return (
        len(found),
        len({host for _, host in found}),
        *(sum(1 for k in kinds if k == name) for name in LINK_KINDS),
    )  # type: ignore[return-value]


def mask_links(cleaned: str) -> str:
    """The text with each link replaced by a word for its kind (``referencelink``...), for the
    n-gram features: the pieces of a URL (``www``, ``com``, ``https``) say nothing about it, and
    on YouTube they stood for spam; the kind says what the link is."""
    found = link_hosts(cleaned)
    if not found:
        return cleaned
    out = cleaned
    for link, host in found:
        out = out.replace(link, f" {link_kind(host)}link ", 1)
    return out
