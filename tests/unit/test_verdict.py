from service.intake.rules import RuleHit
from service.intake.verdict import reach_verdict
from service.sites.settings import Thresholds

SPAM = Thresholds(0.5, 0.9)
TOX = Thresholds(0.6, 0.95)


def test_clear_comment_is_approved_without_reasons() -> None:
    d = reach_verdict(0.1, 0.2, SPAM, TOX, [], ("token:x",))
    assert (d.status, d.reasons) == ("approved", ())


def test_between_thresholds_is_pending_with_the_score_named() -> None:
    d = reach_verdict(0.7, 0.1, SPAM, TOX, [], ("link_count",))
    assert d.status == "pending"
    assert d.reasons == ("spam_score", "link_count")
    assert reach_verdict(0.1, 0.7, SPAM, TOX, []).reasons == ("toxicity_score",)


def test_above_refuse_is_spam_and_one_never_refuses() -> None:
    assert reach_verdict(0.91, 0.0, SPAM, TOX, []).status == "spam"
    assert reach_verdict(0.9, 0.0, SPAM, TOX, []).status == "pending"
    assert reach_verdict(0.0, 0.99, SPAM, TOX, []).status == "spam"
    assert reach_verdict(0.0, 1.0, SPAM, Thresholds(0.6, 1.0), []).status == "pending"


def test_rules_only_make_it_stricter() -> None:
    held = reach_verdict(0.0, 0.0, SPAM, TOX, [RuleHit("links>=2", "hold")])
    assert (held.status, held.reasons) == ("pending", ("links>=2",))
    refused = reach_verdict(0.6, 0.0, SPAM, TOX, [RuleHit("disallowed_word", "spam")])
    assert refused.status == "spam" and "disallowed_word" in refused.reasons


def test_trusted_author_skips_only_a_spam_score_hold() -> None:
    skipped = reach_verdict(0.7, 0.1, SPAM, TOX, [], trusted=True)
    assert (skipped.status, skipped.reasons) == ("approved", ("trusted_author",))
    assert reach_verdict(0.1, 0.7, SPAM, TOX, [], trusted=True).status == "pending"  # rudeness still held
    assert reach_verdict(0.7, 0.1, SPAM, TOX, [RuleHit("links>=2", "hold")], trusted=True).status == "pending"
    assert reach_verdict(0.95, 0.1, SPAM, TOX, [], trusted=True).status == "spam"


def test_signals_are_asked_for_only_when_the_comment_is_held_or_refused() -> None:
    asked: list[str] = []

    def signals() -> tuple[str, ...]:
        asked.append("asked")
        return ("token:cheap", "link_count")

    assert reach_verdict(0.1, 0.2, SPAM, TOX, [], signals).reasons == ()
    assert asked == []
    assert reach_verdict(0.7, 0.1, SPAM, TOX, [], signals).reasons == ("spam_score", "token:cheap", "link_count")
    assert asked == ["asked"]
