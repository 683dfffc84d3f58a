"""Link counting: every URL form counts once, and a link shown as a link element's text is not counted again."""

from __future__ import annotations

import pytest

from service.intake.links import count_links


@pytest.mark.parametrize(
    ("text", "links"),
    [
        # <a href>: the tag is one link, whatever its attributes and quoting
        ('see <a href="http://a.example/x">the report</a> here', 1),
        ("<A HREF=https://a.example>report</A>", 1),
        ('<a class="x" target="_blank" href="https://a.example">report</a>', 1),
        ('<a name="top">no href, no link</a>', 0),
        # BBCode [url] and [url=]
        ("[url]http://x.example[/url]", 1),
        ("[url=http://spam.example]cheap pills[/url]", 1),
        ("[URL=http://spam.example]cheap[/URL] [url]http://x.example[/url]", 2),
        # bare http(s)://
        ("read http://a.example/story", 1),
        ("read https://a.example/story", 1),
        # bare www.
        ("read www.a.example/story", 1),
        # https://www. is one link, not two
        ("read https://www.reuters.com/world/vote", 1),
        ("read http://www.a.example and https://www.b.example", 2),
        # a URL shown as an anchor's or a [url]'s text belongs to that link
        ('<a href="http://a.example">http://a.example</a>', 1),
        ('<a href="https://www.a.example">www.a.example</a>', 1),
        ("[url=http://a.example]https://www.a.example[/url]", 1),
        # a second URL inside the element's text is a link of its own
        ('<a href="http://a.example">http://a.example and http://b.example</a>', 2),
        # uppercase schemes and hosts
        ("HTTPS://A.EXAMPLE and WWW.B.EXAMPLE", 2),
        ("WWW.Shout.example and HTTP://loud.example", 2),
        # URLs separated by punctuation, or by nothing but a comma
        ("https://a.example,https://b.example;http://c.example", 3),
        ("(https://a.example) [https://b.example] <https://c.example>", 3),
        ("www.a.example,www.b.example", 2),
        # prose that is not a link
        ("no links here, just example.org in prose and www. alone", 0),
        ("", 0),
    ],
)
def test_each_link_counts_once(text: str, links: int) -> None:
    assert count_links(text) == links


def test_the_links_of_a_mixed_comment_add_up() -> None:
    text = (
        'See <a href="http://a.example">a</a>, https://www.b.example, www.c.example, '
        "[url=http://d.example]d[/url] and [url]http://e.example[/url]."
    )
    assert count_links(text) == 5


def test_an_unclosed_tag_is_still_one_link() -> None:
    assert count_links('<a href="http://a.example">click here') == 1
    assert count_links("[url=http://a.example]click here") == 1
    # A tag with no closing ">" is no tag: the URL in it is a bare link.
    assert count_links('<a href="http://a.example"') == 1
