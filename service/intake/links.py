"""Counting the links in a comment's text, each link once, in time linear in the text's length.

WordPress counts `<a href=...>` tags; bare URLs and BBCode `[url]` links count too, because spam
tools post them and sites auto-link them. One pass of one pattern finds every token that can start
or end a link; a short walk over the tokens counts them:

- an `<a ...href...>` tag or a `[url]` / `[url=...]` tag is one link (its own address is inside the
  tag, so it is never seen again as a bare URL);
- the first bare URL shown as such an element's text is the element's own link, not another one;
  any further URL inside the element counts as a link of its own;
- a bare `http://`, `https://` or `www.` counts once, `https://www.` included.

Every alternative of the pattern starts with a literal and its only unbounded part is possessive and
stops at a delimiter (`<`, `>`, `[`, `]`), so the stretches that different attempts scan do not
overlap and the pass is linear whatever the text.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"(?P<anchor><a\s[^<>]*+>)"
    r"|(?P<anchor_end></a\s*+>)"
    r"|(?P<bbcode>\[url(?:=[^\[\]]*+)?\])"
    r"|(?P<bbcode_end>\[/url\])"
    # A scheme, with the `www.` that usually follows it, is one link; a link after punctuation
    # ("https://a.example,https://b.example") starts its own token.
    r"|(?P<bare>(?<!\w)https?://(?:www\.)?|(?<![\w.\-/])www\.[\w-]++\.\w)",
    re.IGNORECASE,
)


def count_links(text: str) -> int:
    """The number of links in a comment's text, each link counted once."""
    lowered = text.lower()
    # Every token holds one of these; most comments hold none, and the substring tests are nearly free.
    if "://" not in text and "www." not in lowered and "<a" not in lowered and "[url" not in lowered:
        return 0
    links = 0
    in_element = False  # inside a link element (<a href> or [url]) whose shown URL is not seen yet
    for token in _TOKEN.finditer(text):
        kind = token.lastgroup
        if kind == "anchor":
            if "href" in token.group().lower():
                links += 1
                in_element = True
        elif kind == "bbcode":
            links += 1
            in_element = True
        elif kind in ("anchor_end", "bbcode_end"):
            in_element = False
        elif in_element:
            in_element = False  # the element's own URL, shown as its text
        else:
            links += 1
    return links
