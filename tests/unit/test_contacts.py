"""Contact details typed into a comment: masked however they are disguised, prose left alone."""

from __future__ import annotations

import pytest

from service.privacy.contacts import EMAIL_MASK, PHONE_MASK, mask_contacts

ADDRESS_FORMS = [
    "jane@example.com",
    "JANE@EXAMPLE.ORG",
    "jane.doe+news@mail.example.co.uk",
    # invisible characters inside the address
    "jane\u200b@example.com",
    "ja\u200cne@exa\u200dmple.com",
    "jane@\u2060example.com",
    "ja\ufeffne@example\ufeff.com",
    "jan\u00ade@exam\u00adple.com",
    # full-width and small forms of "@" and "."
    "jane＠example.com",
    "jane@example．com",
    "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    "jane﹫example.com",
    # spaces around "@"
    "jane @ example.com",
    "jane @example.com",
    "jane@ example.com",
    # "at" and "dot" words, with and without brackets
    "jane at example dot com",
    "jane AT example DOT com",
    "jane [at] example [dot] com",
    "jane(at)example(dot)com",
    "jane (at) example (dot) com",
    "jane{at}example{dot}org",
    "jane <at> example <dot> net",
    "jane[at]example.com",
    "jane(AT)example.com",
    "jane [ At ] example . org",
    "jane at example\nDOT\nuk",
    "j at ex DoT de",
    "jane at mail dot example dot co dot uk",
    "jane at example dot com",
    # several disguises at once
    "jane\u200b [at] exam\u00adple．com",
]


@pytest.mark.parametrize("address", ADDRESS_FORMS)
def test_a_disguised_address_is_masked(address: str) -> None:
    masked = mask_contacts(f"Write to {address} for the files.")
    assert masked.emails == 1, masked.text
    assert masked.text == f"Write to {EMAIL_MASK} for the files.", masked.text


def test_a_local_part_spelled_with_dot_words_is_masked_whole() -> None:
    for text in ("mail jane dot doe at example dot com now", "mail jane[dot]doe[at]example[dot]com now"):
        masked = mask_contacts(text)
        assert masked.text == f"mail {EMAIL_MASK} now", masked.text


def test_an_address_ending_a_sentence_keeps_the_sentence() -> None:
    masked = mask_contacts("Mail jane@example.com. Then wait. Or jane at example dot com, then call.")
    assert masked.text == f"Mail {EMAIL_MASK}. Then wait. Or {EMAIL_MASK}, then call."
    assert masked.emails == 2


def test_an_address_inside_a_refused_candidate_is_still_found() -> None:
    masked = mask_contacts("hi @ bob.smith@example.com and look at jane@example.org")
    assert masked.emails == 2 and "example" not in masked.text, masked.text


@pytest.mark.parametrize(
    "number",
    [
        "+1 415 555 0142",
        "(212) 555-0199",
        "212.555.0199",
        "212-555-0199",
        "212 555 0199",
        "1-800-555-0199",
        "+44 20 7946 0958",
        "0044 20 7946 0958",
        "+49 (30) 1234 5678",
        "2125550199",
        # odd separators
        "212–555–0199",
        "212 / 555 / 0199",
        "212 - 555 - 0199",
        "212·555·0199",
        "212_555_0199",
        "(212)555--0199",
        # invisible characters and full-width digits
        "212\u200b555\u200b0199",
        "２１２−５５５−０１９９".replace("−", "-"),
        "\u0665\u0665\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
    ],
)
def test_a_phone_number_is_masked(number: str) -> None:
    masked = mask_contacts(f"Call {number} today")
    assert masked.phones == 1, masked.text
    assert masked.text == f"Call {PHONE_MASK} today", masked.text


@pytest.mark.parametrize(
    "prose",
    [
        "look at example.com for the details",
        "Look at example.org, it has the figures.",
        "meet at 5",
        "We meet at 5.30 at the town hall",
        "look at the dot com bubble of 2000",
        "I looked at this (at all) and not even a dot.",
        "No contact details (at all), not even a dot.",
        "In 2013 2014 and 2015 the vote was 153 to 10; see example.org and look at this.",
        "The vote was 1,234,567 to 1,000,000.",
        "Prices: $12.50, 3.5 kg, 10-20 people, 2024-05-12.",
        "follow @jane.doe on the site",
        "email me @ 5pm",
        "at at at dot dot dot",
        "The meeting is at noon. Dot the i's.",
        "at the end of the day",
        "Score was 12 - 3 - 4 at half time",
    ],
)
def test_prose_is_not_masked(prose: str) -> None:
    masked = mask_contacts(prose)
    assert not masked.changed, masked.text
    assert masked.text == prose


def test_masking_counts_each_kind_and_keeps_the_rest_of_the_text() -> None:
    masked = mask_contacts(
        "Write to jane@example.org or jane [at] example [dot] com, call +1 415 555 0142 or (212) 555-0199."
    )
    assert masked.text == f"Write to {EMAIL_MASK} or {EMAIL_MASK}, call {PHONE_MASK} or {PHONE_MASK}."
    assert (masked.emails, masked.phones) == (2, 2)


def test_digits_of_an_address_are_not_a_phone_number() -> None:
    masked = mask_contacts("reach 2125550199@example.com")
    assert (masked.emails, masked.phones) == (1, 0)


def test_invisible_characters_outside_an_address_are_kept() -> None:
    text = "Hello\u200b world, write to ja\u200bne@example.com\u200b please"
    assert mask_contacts(text).text == f"Hello\u200b world, write to {EMAIL_MASK}\u200b please"
