"""Engineered features fire on what they name; the fast path equals the sklearn pipeline."""

import numpy as np
import pytest

from model.features import engineered_row, make_feature_pipeline, sparse_parts
from model.patterns import ENGINEERED_FEATURES


def features_of(text: str, author: str = "", url: str = "") -> dict[str, float]:
    return dict(zip(ENGINEERED_FEATURES, engineered_row(text, author, url), strict=True))


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
        *_edge_rows(),
    ]
    expected = pipeline.transform(rows).toarray()
    n_hashed = expected.shape[1] - len(ENGINEERED_FEATURES)

    def dense(parts) -> np.ndarray:
        n = len(parts.indptr) - 1
        got = np.zeros((n, expected.shape[1]))
        docs = np.repeat(np.arange(n), np.diff(parts.indptr))
        np.add.at(got, (docs, parts.cols), parts.values)
        got[:, n_hashed:] = parts.engineered
        return got

    np.testing.assert_allclose(dense(sparse_parts(pipeline, rows)), expected, atol=1e-12)
    # One row alone gives the same features as inside a batch.
    for k, row in enumerate(rows):
        np.testing.assert_allclose(dense(sparse_parts(pipeline, [row])), expected[k : k + 1], atol=1e-12)


EDGE_CASES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud83d lone surrogate",
    "emoji \U0001f600\U0001f602 and \U0001d41f\U0001d42b\U0001d41e\U0001d41e",
    "Z\u0336a\u0336l\u0336g\u0336o caf\u00e9",
    "\u0441\u0430sino fr\u200bee \ufeffBOM\ufeff",
    "&amp;&lt;3 &#8203;hidden &#0; &am",
    "www.5abc.com foo-.com a.b-c.com WWW.EXAMPLE.COM e.g. 3.5 wow... end.The",
    "x@y.co mail john.doe+x@mail.example.org @mention",
    "+44 20 7946 0958 (800) 555 0199 1.866.555.0199 2008-05-03 20:15",
    "$5/day 5 usd 10k 20 EUR \u20ac30 \u00a340",
    "SHOUT SHOUT quiet \u01c5AB \u0130STANBUL",
    "soooo!!!!?? ... ***",
    "v1agra c@sino fr33 f r e e c.a.s.h f_r_e_e x_y_z_ 1st 2nd h264 @ss i'm a b c",
    "x" * 6000,
    "word " * 1200,
]


def _edge_rows() -> list[tuple[str, str, str]]:
    rows = [(text, "", "") for text in EDGE_CASES]
    rows += [("plain", author, url) for author, url in [("Cheap Pills 4u", "http://seo.example"), ("\u0410nna", "")]]
    return rows


def _real_rows() -> list[tuple[str, str, str]]:
    from training.datasets import load_davidson, load_jigsaw, load_youtube

    jigsaw = load_jigsaw()
    return load_youtube().rows[::3] + jigsaw.rows[::40] + load_davidson().rows[::40]


def test_few_comment_path_equals_batch_path() -> None:
    """Plain Python (one comment) and numpy (a batch) give the same features for every comment,
    and no comment's features depend on the others in its batch."""
    from model.features import batch_engineered, prepare_batch

    rows = _edge_rows() + _real_rows()
    assert len(rows) > 1500
    batch = prepare_batch(rows)
    assert batch.small is None
    together = batch_engineered(batch)
    texts = batch.text_norm.texts()
    for i, row in enumerate(rows):
        alone = prepare_batch([row])
        assert alone.small is not None
        assert alone.small[0] == texts[i], row
        np.testing.assert_allclose(batch_engineered(alone)[0], together[i], atol=1e-12, err_msg=repr(row))


def test_character_classes_are_pythons() -> None:
    """The class table says what str's own predicates say, astral characters included."""
    from model.codepoints import ALPHA, DIGIT, LOWER, SPACE, UPPER, WORD, classes, encode

    text = "aZ9_ \t\n\u00e9\u0130\u01c5\u0663\u2003\u200b\U0001f600\U0001d41f\U00020000!@"
    flags = classes(encode(text)).tolist()
    for ch, f in zip(text, flags, strict=True):
        assert bool(f & WORD) == (ch.isalnum() or ch == "_"), ch
        assert bool(f & ALPHA) == ch.isalpha(), ch
        assert bool(f & UPPER) == ch.isupper() and bool(f & LOWER) == ch.islower(), ch
        assert bool(f & DIGIT) == ch.isdecimal() and bool(f & SPACE) == ch.isspace(), ch


def test_hashed_columns_stay_in_range_and_spread() -> None:
    from model.codepoints import buckets

    hashes = np.arange(1, 50_001, dtype=np.uint64) * np.uint64(0x100000001B3)
    for n in (2**16, 1000):
        cols = buckets(hashes.copy(), n)
        assert cols.min() >= 0 and cols.max() < n
        # Near what uniform hashing gives (~n * (1 - exp(-50000 / n)) distinct columns).
        expected = n * (1 - np.exp(-50_000 / n))
        assert abs(len(np.unique(cols)) - expected) < 0.02 * expected
