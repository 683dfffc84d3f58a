"""Every text rule stays linear on the worst inputs known for it, at the largest comment accepted.

A pattern that backtracks takes seconds to minutes on these inputs (`<a href ` repeated with no
closing `>`, an address spelled with "at" and "dot" words, a run of `a.` after an `@`); a linear one
takes about as long as on ordinary prose of the same size. Each family is timed against such prose
in the same test (measured in turns), so a slow or busy machine slows both alike.
The absolute budget (milliseconds of CPU per comment) is measured by bench/worst_case.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from service.http.client_json import nesting_depth_exceeds
from service.intake.links import count_links
from service.intake.validation import MAX_COMMENT_BYTES
from service.privacy.contacts import mask_contacts

# Ordinary prose holding every kind of thing the rules look for, so no quick pre-check skips a pattern.
PROSE = (
    "The council voted 7 to 2 on the budget at the town hall; the mayor said the plan (at last) would pass. "
    "See https://www.example.org/vote or www.example.net, write to jane@example.org or call 212-555-0199. "
)
MAX_RATIO = 20


def fill(unit: str, prefix: str = "", suffix: str = "") -> str:
    """`prefix`, then `unit` repeated, then `suffix`: as many bytes of UTF-8 as a comment may have, or just under."""
    room = MAX_COMMENT_BYTES - len(prefix.encode()) - len(suffix.encode())
    return prefix + unit * (room // len(unit.encode())) + suffix


WORST_CASES: dict[str, list[str]] = {
    "links": [
        fill("<a href "),
        fill("<a href=x>"),
        fill("<a "),
        fill(" ", prefix="<a "),
        fill(" ", prefix="</a"),
        fill("[url="),
        fill("[url]"),
        fill("x", prefix="[url="),
        fill("www."),
        fill("http://"),
        fill("https://www."),
        fill("www.a-"),
        fill("[/url]<a href=http://a>"),
    ],
    "email_address": [
        fill("a.", prefix="@"),
        fill("a", suffix="@" + "a" * 30000),
        fill("a@"),
        fill("a.@"),
        fill("a @ "),
        fill("a@a."),
        fill("a.", prefix="jane@example."),
        fill("\u200ba"),
        fill("＠a．"),
        fill("a @ a.a "),
    ],
    "email_spelled": [
        fill("a at a dot "),
        fill("jane at example dot "),
        fill("a [at] a [dot] "),
        fill("a(at)"),
        fill("a(at)a(dot)"),
        fill("a dot "),
        fill("a at "),
        fill(" ", prefix="a"),
        fill(" dot a", prefix="a at a"),
        fill("a dot ", suffix="a at example dot com"),
        fill(" [dot] "),
    ],
    "phone": [
        fill("1"),
        fill("1."),
        fill("1-"),
        fill("1 "),
        fill("+1 2 "),
        fill("+12 3456 7890 1234 5678x "),
        fill("(123) "),
        fill("00"),
        fill("1 ", prefix="+"),
        fill("1 - "),
        fill("\u200b1"),
    ],
}


def cpu_ms(rule: Callable[[str], object], text: str) -> float:
    start = time.process_time()
    rule(text)
    return (time.process_time() - start) * 1000


def within_ratio(rule: Callable[[str], object], worst: str, baseline: str, tries: int = 3) -> tuple[float, float]:
    """CPU time of `rule` on `worst` and on `baseline`, measured again in turns while over the ratio
    (up to `tries` times, keeping the fastest of each), so a burst of load on the machine is not a failure."""
    worst_ms = baseline_ms = float("inf")
    for _ in range(tries):
        baseline_ms = min(baseline_ms, cpu_ms(rule, baseline))
        worst_ms = min(worst_ms, cpu_ms(rule, worst))
        # CPU time has a tick of about a millisecond on some systems: never compare with less.
        if worst_ms <= MAX_RATIO * max(baseline_ms, 1.0):
            break
    return worst_ms, max(baseline_ms, 1.0)


def baseline_text() -> str:
    text = fill(PROSE)
    assert MAX_COMMENT_BYTES - len(PROSE) < len(text.encode()) <= MAX_COMMENT_BYTES
    return text


@pytest.mark.parametrize(
    ("family", "rule"),
    [
        ("links", count_links),
        ("email_address", mask_contacts),
        ("email_spelled", mask_contacts),
        ("phone", mask_contacts),
    ],
)
def test_worst_cases_take_about_as_long_as_prose_of_the_same_size(family: str, rule: Callable[[str], object]) -> None:
    baseline = baseline_text()
    for worst in WORST_CASES[family]:
        assert len(worst.encode()) > MAX_COMMENT_BYTES - 64
        worst_ms, baseline_ms = within_ratio(rule, worst, baseline)
        assert worst_ms <= MAX_RATIO * baseline_ms, (family, worst[:40], worst_ms, baseline_ms)


def test_every_worst_case_also_passes_the_other_rules() -> None:
    # A text built against one family must not be the worst case of another.
    baseline = baseline_text()
    for cases in WORST_CASES.values():
        for worst in cases:
            for rule in (count_links, mask_contacts):
                worst_ms, baseline_ms = within_ratio(rule, worst, baseline)
                assert worst_ms <= MAX_RATIO * baseline_ms, (rule.__name__, worst[:40], worst_ms, baseline_ms)


def test_the_worst_cases_are_read_correctly() -> None:
    # Linear is not enough: the rules still find what is there at the size limit.
    assert count_links(fill("http://a.example ")) == MAX_COMMENT_BYTES // len("http://a.example ")
    assert count_links(fill("<a href ")) == 0
    many = mask_contacts(fill("jane at example dot com "))
    assert many.emails == MAX_COMMENT_BYTES // len("jane at example dot com ")
    assert "example" not in many.text
    one = mask_contacts(fill("a.", prefix="x@"))
    assert one.emails == 1 and one.text == "[email hidden]."  # a dot with no label after it ends the address


def test_json_strings_are_skipped_in_one_pass_however_the_body_is_built() -> None:
    # The depth check reads past JSON strings with a pattern before counting brackets: quotes and
    # backslashes that never close a string must not make each quote's attempt read to the end.
    # 16 KB first: a pattern that backtracks fails here in seconds instead of running for hours at 1 MB.
    for size in (16_000, 1_000_000):  # 1 MB: the largest body a route accepts by default
        _json_worst_cases_within_ratio(size)
    assert nesting_depth_exceeds(b"[" * 40 + b'"an unclosed string')
    assert not nesting_depth_exceeds(b'["' + b"[" * 40 + b'"]')


def _json_worst_cases_within_ratio(size: int) -> None:
    ordinary = b"[" * 40 + b'"a", ' * (size // 5) + b"]" * 40
    for worst in (b"[" * 40 + b'"\\' * (size // 2), b"[" * 40 + b'"' * size, b"[" * 40 + b'"\\"' * (size // 3)):
        worst_ms, baseline_ms = within_ratio(nesting_depth_exceeds, worst, ordinary)  # type: ignore[arg-type]
        assert worst_ms <= MAX_RATIO * baseline_ms, (size, worst[38:50], worst_ms, baseline_ms)
