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
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
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


def count_links(cleaned: str) -> tuple[int, int]:
    """Number of links and of distinct host names in the text."""
    if "://" not in cleaned and "www." not in cleaned and not MAYBE_BARE_LINK_RE.search(cleaned):
        return 0, 0
    hosts = []
    for link in LINK_RE.findall(cleaned):
        bare = "://" not in link and not link.lower().startswith("www.")
        target = link if not bare else "http://" + link
        try:
            host = (urlsplit(target).hostname or "").removeprefix("www.")
        except ValueError:
            continue
        if bare and host.rsplit(".", 1)[-1] not in TLDS:
            continue
        hosts.append(host)
    return len(hosts), len(set(hosts))
