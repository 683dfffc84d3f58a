"""The headers that tell a browser what our answers may do.

Every answer gets `X-Content-Type-Options: nosniff`, so a browser never runs a JSON or text answer
as a script or page. An HTML page also gets a Content-Security-Policy that allows scripts and
styles from our own `/static/` files only: a comment that slipped markup past the templates'
escaping still could not run a script, load one, or be framed by another site (clickjacking a
moderator's buttons). An avatar (SVG) gets the same policy.
"""

from __future__ import annotations

# No inline script and no inline style anywhere: the pages link /static/*.js and /static/*.css.
# `img-src 'self'`: avatars are our own identicons; `form-action 'self'`: a page can only post
# to this service; `base-uri 'none'`: injected markup cannot move relative links elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

EVERY_ANSWER: tuple[tuple[bytes, bytes], ...] = ((b"x-content-type-options", b"nosniff"),)

HTML_PAGE: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


_FOR_DOCUMENTS = (*EVERY_ANSWER, *HTML_PAGE)


def security_headers(headers: list[tuple[bytes, bytes]]) -> tuple[tuple[bytes, bytes], ...]:
    """The headers to add to an answer whose own headers are `headers` (raw, lower-case names)."""
    document = False
    for name, value in headers:
        if name == b"content-type":
            # An SVG opened on its own is a document that could hold script, like a page.
            document = value.startswith((b"text/html", b"image/svg+xml"))
            break
    return _FOR_DOCUMENTS if document else EVERY_ANSWER
