"""Contact details typed into a comment's text, masked before anything is published (privacy rule 4).

Email addresses are found however they are disguised: invisible characters inside them (zero-width
spaces and joiners, soft hyphens, word joiners, byte-order marks), full-width `＠` and `．`, spaces
around `@`, and "at"/"dot" words with or without brackets ("jane at example dot com",
"jane [at] example [dot] com", "jane(at)example(dot)com"). Phone numbers are found in the shapes
people type them, with the usual and a few odd separators. Plain prose ("look at example.com",
"meet at 5", "2013 2014 2015") is left alone.

Every pattern here runs in time linear in the text's length, whatever the text:
- a match can only start where a run of its first characters starts (a look-behind refuses a start
  inside the run), so no two attempts scan the same run;
- every unbounded quantifier is possessive (`*+`, `++`): an attempt never backtracks into it;
- every other quantifier is bounded by a small constant.
Checks that a pattern cannot express without backtracking (the last label of a spelled-out address
is a top-level domain, "at" between ordinary words is not an address) run in Python on each match.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

EMAIL_MASK = "[email hidden]"
PHONE_MASK = "[phone hidden]"

# Characters that render as nothing and so can hide inside an address or a number.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
# What the patterns read: invisible characters dropped; full-width ASCII (`＠`, `．`, `ｊａｎｅ`,
# `５５５`) and the small `﹫` and `﹒` read as their ASCII forms. Every kept character stays one
# character, so a position in this text maps back to the original by the dropped ones alone.
_FOLD = str.maketrans(
    {
        **dict.fromkeys(map(ord, _INVISIBLE), None),
        **{0xFF01 + i: 0x21 + i for i in range(0x5E)},
        0xFE6B: "@",
        0xFE52: ".",
        0x3000: " ",
    }
)

_TLDS = frozenset(
    "com net org edu gov mil int info biz io co me tv app dev xyz online site top club shop store pro name mobi "
    "asia blog live email us uk de ru cn in jp fr es it nl pl br au ca ch se no dk fi be at cz pt gr ie nz za mx "
    "ar kr tr ua vn id my ph sg hk tw il ro hu sk bg hr si lt lv ee is lu eu cc ws ly gl to".split()
)
# Words that "at" joins in ordinary prose ("look at the dot com bubble", "meet us at ..."): an
# address spelled with a bare "at" word is not one when either side is such a word.
_PROSE_BEFORE_AT = frozenset(
    "look looking looked looks stare staring glance meet meeting met arrive arrived be is are was were am "
    "me us him her them it you stay stayed live lived lives work worked works here there".split()
)
_PROSE_AFTER_AT = frozenset(
    "the a an this that these those my your our their his her its some any all least most last first once "
    "home work night noon times which what one".split()
)

_LOCAL = r"[\w.+\-]"
_LABEL = r"[\w\-]"
_OPEN = r"[\[({<]"
_CLOSE = r"[\])}>]"
# An address as the form's own rule takes it: local@label(.label)+.
_PLAIN_EMAIL = re.compile(rf"(?<!{_LOCAL}){_LOCAL}++@{_LABEL}++(?:\.{_LABEL}++)++")
_ANY_DOT = rf"(?:\s*+(?:\.|{_OPEN}\s*+dot\s*+{_CLOSE})\s*+|\s++dot\s++)"
_SPELLED_DOT = rf"(?:\s*+{_OPEN}\s*+dot\s*+{_CLOSE}\s*+|\s++dot\s++)"
# A disguised address: local, how "@" is written, the domain's first label, then (dot, label) pairs.
# With a bare "at" word, at least one dot must be spelled too ("jane at example dot com"), which
# the pattern says without backtracking: plain dots, possessively, then a spelled one, then any.
_EMAIL = re.compile(
    rf"(?<!{_LOCAL})(?P<local>{_LOCAL}++)(?:"
    rf"(?P<word_at>\s++at\s++)(?P<word_domain>{_LABEL}++)"
    rf"(?P<word_rest>(?:\s*+\.\s*+{_LABEL}++)*+{_SPELLED_DOT}{_LABEL}++(?:{_ANY_DOT}{_LABEL}++)*+)"
    rf"|(?P<at>\s*+@\s*+|\s*+{_OPEN}\s*+at\s*+{_CLOSE}\s*+)(?P<domain>{_LABEL}++)"
    rf"(?P<rest>(?:{_ANY_DOT}{_LABEL}++)++))",
    re.IGNORECASE,
)
# The (dot, label) pairs of a match's `rest`, read one by one to find where the address ends.
_DOT_LABEL = re.compile(rf"(?P<dot>{_ANY_DOT})(?P<label>{_LABEL}++)", re.IGNORECASE)
# A local part spelled with dot words ("jane dot doe at ..."), read backwards from the local part:
# the text before it is reversed, so this pattern is the reverse of "(word dot)+".
_SPELLED_LOCAL_REVERSED = re.compile(
    rf"(?:(?:\s*+{_CLOSE}\s*+tod\s*+{_OPEN}\s*+|\s++tod\s++){_LOCAL}++)++", re.IGNORECASE
)
# Labels read after the first one: more than any real address has, and a bound on the Python work per match.
_MAX_LABELS = 8
_LOOK_BACK = 200  # characters read backwards for a spelled local part: a bound, so each match costs O(1) more

_PHONE_SEP = r"[\s.\-\u2010-\u2015/\u00b7\u2022_~|]{0,3}"
# Phone numbers in the shapes people type them. Plain runs of numbers separated by spaces
# ("2013 2014 2015") are left alone: years and prices are not contact details.
_PHONE = re.compile(
    rf"""(?<![\w+])(?:
        (?P<intl>(?:\+|00)\d{{1,3}}+(?:{_PHONE_SEP}\(?\d{{1,4}}+\)?){{2,5}}+)   # international, with + or 00
      | (?:1{_PHONE_SEP})?\(?\d{{3}}\)?{_PHONE_SEP}\d{{3}}{_PHONE_SEP}\d{{4}}  # North American
      | \d(?:[.\-\u2010-\u2015]?\d){{9,14}}+                               # long digit runs
    )(?!\w)""",
    re.VERBOSE,
)
_MIN_INTL_DIGITS = 8
_AT_WORD = re.compile(r"(?<!\w)at(?!\w)", re.IGNORECASE)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class MaskedText:
    text: str
    emails: int
    phones: int

    @property
    def changed(self) -> bool:
        return bool(self.emails or self.phones)


def mask_contacts(text: str) -> MaskedText:
    """Masks email addresses and phone numbers typed into a comment (privacy rule 4)."""
    probe = text.translate(_FOLD)
    email_spans = _email_spans(probe)
    if email_spans:
        # Digits inside an address are the address's, not a phone number.
        probe = _blank(probe, email_spans)
    phone_spans = _phone_spans(probe)
    if not email_spans and not phone_spans:
        return MaskedText(text=text, emails=0, phones=0)
    to_original = _position_map(text, probe)
    spans = sorted([(s, e, EMAIL_MASK) for s, e in email_spans] + [(s, e, PHONE_MASK) for s, e in phone_spans])
    pieces: list[str] = []
    last = 0
    for start, end, mask in spans:
        start, end = to_original(start), to_original(end - 1) + 1
        pieces += [text[last:start], mask]
        last = end
    pieces.append(text[last:])
    return MaskedText(text="".join(pieces), emails=len(email_spans), phones=len(phone_spans))


def _email_spans(probe: str) -> list[tuple[int, int]]:
    if "@" in probe:
        # The undisguised form needs no check in Python: found in one pass, then blanked out.
        plain = [match.span() for match in _PLAIN_EMAIL.finditer(probe)]
        if plain:
            return sorted(plain + _disguised_email_spans(_blank(probe, plain)))
    return _disguised_email_spans(probe)


def _disguised_email_spans(probe: str) -> list[tuple[int, int]]:
    if "@" not in probe and _AT_WORD.search(probe) is None:
        return []
    spans: list[tuple[int, int]] = []
    pos = 0
    while (match := _EMAIL.search(probe, pos)) is not None:
        end = _address_end(match)
        if end is None:
            # Refused as a whole; an address may still start inside it ("hi @ bob.smith [at] example.com"),
            # and the look-behind keeps the next attempts out of the runs this one read.
            pos = match.start() + 1
            continue
        start = max(_spelled_local_start(probe, match.start()), spans[-1][1] if spans else 0)
        spans.append((start, end))
        pos = end
    return spans


def _address_end(match: re.Match[str]) -> int | None:
    """Where the address in `match` ends: after its last label that makes it an address; None if none does."""
    if match.group("word_at") is not None:
        if match.group("local").lower() in _PROSE_BEFORE_AT or match.group("word_domain").lower() in _PROSE_AFTER_AT:
            return None
        rest, bare_at, word_at = "word_rest", False, True
    else:
        rest, bare_at, word_at = "rest", match.group("at") == "@", False
    all_plain_dots = bare_at
    spelled_dot = False
    best = None
    offset = match.start(rest)
    for pair in itertools.islice(_DOT_LABEL.finditer(match.group(rest)), _MAX_LABELS):
        dot = pair.group("dot")
        plain = dot == "."
        all_plain_dots = all_plain_dots and plain
        spelled_dot = spelled_dot or "." not in dot
        if all_plain_dots:
            best = offset + pair.end()  # jane@example.org: what the form's own rule takes for an address
        elif pair.group("label").lower() in _TLDS and (spelled_dot or not word_at):
            best = offset + pair.end()
    return best


def _spelled_local_start(probe: str, start: int) -> int:
    """The start of a local part written with dot words ("jane dot doe at ..."), or `start`."""
    before = probe[max(0, start - _LOOK_BACK) : start]
    if not before or not (before[-1].isspace() or before[-1] in "])}>"):
        return start
    spelled = _SPELLED_LOCAL_REVERSED.match(before[::-1])
    return start - spelled.end() if spelled else start


def _phone_spans(probe: str) -> list[tuple[int, int]]:
    if _DIGIT.search(probe) is None:
        return []
    spans = []
    for match in _PHONE.finditer(probe):
        intl = match.group("intl")
        if intl is not None and sum(c.isdigit() for c in intl) < _MIN_INTL_DIGITS:
            continue
        spans.append(match.span())
    return spans


def _blank(probe: str, spans: list[tuple[int, int]]) -> str:
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        pieces += [probe[last:start], "\0" * (end - start)]
        last = end
    pieces.append(probe[last:])
    return "".join(pieces)


def _position_map(text: str, probe: str) -> Callable[[int], int]:
    """Maps a position in `probe` to the position of the same character in `text`."""
    if len(probe) == len(text):
        return lambda position: position
    # The k-th dropped character (k from 0) stands before the probe's character at (its index - k).
    dropped_before = [m.start() - k for k, m in enumerate(_INVISIBLE_RE.finditer(text))]
    return lambda position: position + bisect_right(dropped_before, position)
