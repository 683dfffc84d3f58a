"""Engineered features fire on what they name; the fast path equals the sklearn pipeline."""

import numpy as np
import pytest

from model.features import ENGINEERED_FEATURES, engineered_row, make_feature_pipeline, sparse_parts
from model.normalize import clean_text, normalize_cleaned


def features_of(text: str, author: str = "", url: str = "") -> dict[str, float]:
    cleaned = clean_text(text)
    return dict(
        zip(
            ENGINEERED_FEATURES,
            engineered_row(text, author, url, cleaned, normalize_cleaned(cleaned)),
            strict=True,
        )
    )


PLAIN = "Thanks for the clear write-up of the vote."


@pytest.mark.parametrize(
    ("feature", "text", "author", "url"),
    [
        ("link_count", "see http://a.example/x and www.b.example", "", ""),
        ("link_count", "visit cheap-pills.com today", "", ""),
        ("distinct_domains", "http://a.example http://b.example", "", ""),
        ("bbcode_link", "[url=http://a.example]cheap[/url]", "", ""),
        ("bbcode_link", '<a href="http://a.example">x</a>', "", ""),
        ("email_address", "write to deals@spam.example now", "", ""),
        ("phone_number", "call 1-888-555-0199 today", "", ""),
        ("phone_number", "call (800) 555 0199 today", "", ""),
        ("toll_free_number", "call 1-888-555-0199 today", "", ""),
        ("support_number", "QuickBooks support number 1-888-555-0199", "", ""),
        ("money", "earn $500 per day from home", "", ""),
        ("commercial_words", "buy cheap pills online", "", ""),
        ("caps_ratio", "THIS IS ALL SHOUTING", "", ""),
        ("shouting_words", "THIS IS ALL SHOUTING", "", ""),
        ("repeated_chars", "soooo goooood", "", ""),
        ("repeated_punctuation", "wow!!! really???", "", ""),
        ("exclamations", "wow! yes!", "", ""),
        ("short_text", "nice", "", ""),
        ("digit_ratio", "12345 67890", "", ""),
        ("invisible_chars", "fr\u200bee", "", ""),
        ("homoglyphs", "\u0441\u0430sino", "", ""),
        ("obfuscated_words", "v1agra fr33", "", ""),
        ("author_commercial", PLAIN, "Cheap Pills Online", ""),
        ("author_many_words", PLAIN, "Best Cheap Pills Online", ""),
        ("author_has_link", PLAIN, "pills.example.com", ""),
        ("author_digits", PLAIN, "seo4u", ""),
        ("url_present", PLAIN, "", "https://blog.example"),
        ("url_commercial", PLAIN, "", "https://cheap-pills-online.example"),
    ],
)
def test_feature_fires(feature: str, text: str, author: str, url: str) -> None:
    assert features_of(text, author, url)[feature] > 0
    assert features_of(PLAIN, "Jane Doe", "")[feature] == 0 or feature in ("caps_ratio", "length")


def test_plain_remark_has_no_spam_features() -> None:
    values = features_of(PLAIN, "Jane")
    for name in (
        "link_count",
        "phone_number",
        "money",
        "email_address",
        "support_number",
        "commercial_words",
    ):
        assert values[name] == 0, name


def test_decimals_and_abbreviations_are_not_links() -> None:
    assert features_of("version 3.5 is e.g. better")["link_count"] == 0


def test_fast_parts_equal_pipeline_transform() -> None:
    pipeline = make_feature_pipeline().fit([("", "", "")])
    rows = [
        ("BUY cheap v1agra http://x.example !!!", "Cheap Pills", "http://y.example"),
        ("ok", "", ""),
        ("!!!", "", ""),
        (PLAIN, "Jane", ""),
    ]
    expected = pipeline.transform(rows).toarray()
    parts = sparse_parts(pipeline, rows)
    n_hashed = expected.shape[1] - len(ENGINEERED_FEATURES)
    got = np.zeros_like(expected)
    np.add.at(got, (parts.docs, parts.cols), parts.values)
    got[:, n_hashed:] = parts.engineered
    np.testing.assert_allclose(got, expected, atol=1e-12)
    # One row alone (its own fast path) gives the same features as inside a batch.
    for k, row in enumerate(rows):
        single = sparse_parts(pipeline, [row])
        got = np.zeros((1, expected.shape[1]))
        np.add.at(got, (single.docs, single.cols), single.values)
        got[:, n_hashed:] = single.engineered
        np.testing.assert_allclose(got, expected[k : k + 1], atol=1e-12)
