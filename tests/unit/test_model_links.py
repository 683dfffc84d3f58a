"""Links are counted once each, whatever their spelling, and named by what they point to."""

from __future__ import annotations

import pytest

from model.features import engineered_row
from model.patterns import ENGINEERED_FEATURES, count_links, link_kind, link_kind_counts, mask_links


@pytest.mark.parametrize(
    "text",
    [
        "see https://www.reuters.com/world/vote-2024 for more",
        "see http://www.reuters.com for more",
        "see https://reuters.com/world for more",
        "see www.reuters.com/world for more",
        "see WWW.Reuters.com for more",
        "see reuters.com/world for more",
        'see <a href="https://www.reuters.com/world">Reuters</a>',
    ],
)
def test_each_url_form_is_one_link(text: str) -> None:
    assert count_links(text) == (1, 1)


def test_two_links_to_one_host_are_two_links_one_domain() -> None:
    assert count_links("https://www.bbc.co.uk/news/a and http://bbc.co.uk/news/b") == (2, 1)


def test_prose_with_dots_is_not_a_link() -> None:
    assert count_links("e.g. version 3.5 costs 2.50 dollars. Fine.") == (0, 0)


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("en.wikipedia.org", "reference"),
        ("reuters.com", "reference"),
        ("apnews.com", "reference"),
        ("theguardian.com", "reference"),
        ("www.bloomberg.com".removeprefix("www."), "reference"),
        ("epa.gov", "reference"),
        ("data.census.gov", "reference"),
        ("cs.stanford.edu", "reference"),
        ("bit.ly", "shortener"),
        ("tinyurl.com", "shortener"),
        ("cheap-pills-online.example", "commercial"),
        ("bestcasinobonus.net", "commercial"),
        ("my-blog.xyz", "commercial"),
        ("janedoe.net", "other"),
        ("example.org", "other"),
    ],
)
def test_link_kinds(host: str, kind: str) -> None:
    assert link_kind(host) == kind


def test_kind_counts_and_masking() -> None:
    text = "Per https://en.wikipedia.org/wiki/Vote and bit.ly/x2 (buy at cheap-pills-online.example)"
    assert link_kind_counts(text) == (3, 3, 1, 1, 1, 0)
    masked = mask_links(text)
    assert "wikipedia" not in masked and "bit.ly" not in masked
    assert masked.split() == ["Per", "referencelink", "and", "shortenerlink", "(buy", "at", "commerciallink", ")"]


def test_engineered_features_name_the_kind() -> None:
    row = dict(zip(ENGINEERED_FEATURES, engineered_row("Source: https://www.reuters.com/x", "Ann"), strict=True))
    assert row["link_count"] > 0 and row["link_reference"] > 0
    assert row["link_shortener"] == row["link_commercial"] == row["link_other"] == 0
