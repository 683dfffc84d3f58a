"""XSS payloads in a comment's name, website and text never run, in a real headless Chromium
against a real uvicorn process: not on the article, not on the moderators' page, not on the
pages a browser's form post leads to; and a `javascript:` website is never a link.

Each payload would set `window.__pwned` or open a dialog if it ran; a dialog handler records any
dialog, and the pages are checked for the flag, for links that are not http(s) and for
Content-Security-Policy violations (which would mean markup got past the templates' escaping,
or a page of ours breaks its own policy).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import PROBE_EMAIL, bearer, comment_fields, holding_database, start_server, stored_comment

from service.store import make_store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
POST = "xss-probe"
PAYLOADS = [
    "<script>window.__pwned = 1; alert('script')</script>",
    "<img src=x onerror=\"window.__pwned = 2; alert('img')\">",
    "<svg onload=\"window.__pwned = 3; alert('svg')\"></svg>",
    "\"><script>window.__pwned = 4; alert('attr')</script>",
    "'><body onload=alert('quote')>",
    "</textarea><script>alert('textarea')</script>",
    "<a href=\"javascript:window.__pwned = 5; alert('link')\">click me</a>",
    "<iframe src=\"javascript:alert('frame')\"></iframe>",
    "<style>body{background:url('javascript:alert(1)')}</style>",
    "</p><details open ontoggle=alert('toggle')>",
]
WEBSITES = [
    "javascript:alert('website')",
    "JaVaScRiPt:window.__pwned=6",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://example.org/\"><script>alert('url')</script>",
    "https://example.org/?q=<img src=x onerror=alert('q')>",
    "https://example.org/' onmouseover='alert(1)",
]
# Stored straight into the database: links a client can never get past validation, to show
# that the article itself never renders a non-http(s) website as a link.
STORED_WEBSITES = ["javascript:window.__pwned = 7; alert('stored')", "data:text/html,<b>x</b>", "vbscript:msgbox(1)"]


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    folder = tmp_path_factory.mktemp("xss")
    db = str(folder / "comments.db")
    token = holding_database(db, "admin", "xss-admin")
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        base, proc = start_server(folder, db, log)
        yield base, token, Path(db)
        proc.terminate()
        proc.wait(timeout=20)
    assert "Traceback" not in log_path.read_text()


def _store_unchecked_websites(db: Path) -> list[int]:
    async def insert() -> list[int]:
        store = make_store(str(db))
        await store.open()
        try:
            site = await store.default_site()
            return [
                await store.insert_comment(
                    stored_comment(site_id=site.id, post_id=POST, author=f"Stored {n}", url=url, content="Stored.")
                )
                for n, url in enumerate(STORED_WEBSITES)
            ]
        finally:
            await store.close()

    return asyncio.run(insert())


def _post_payloads(base: str, token: str) -> tuple[list[int], list[int]]:
    """Every payload as a name, a website and a text; half approved, half held. Returns (approved, held)."""
    ids: list[int] = []
    with httpx.Client(base_url=base, timeout=10) as http:
        for n, payload in enumerate(PAYLOADS):
            website = WEBSITES[n % len(WEBSITES)]
            fields = comment_fields(f"Comment {n}: {payload}", author=payload[:245], url=website, comment_post_ID=POST)
            fields["email"] = f"xss{n}@example.net"
            r = http.post("/comments", json=fields)
            if r.status_code == 422:  # a website validation refuses: the rest of the payload still goes in
                assert set(r.json()["errors"]) == {"url"}, r.text
                r = http.post("/comments", json={**fields, "url": ""})
            assert r.status_code == 201 and r.json()["status"] == "pending", r.text
            ids.append(r.json()["id"])
        for n, website in enumerate(WEBSITES):
            r = http.post(
                "/comments",
                json=comment_fields(f"Website probe {n}.", url=website, email=PROBE_EMAIL, comment_post_ID=POST),
            )
            assert r.status_code in (201, 422), r.text
            if r.status_code == 201:
                ids.append(r.json()["id"])
                assert r.json()["status"] == "pending"
        approved, held = ids[::2], ids[1::2]
        r = http.post("/moderation/decisions", json={"ids": approved, "decision": "approve"}, headers=bearer(token))
        assert r.status_code == 200 and r.json()["done"] == len(approved), r.text
    return approved, held


def _launch(playwright):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def test_xss_payloads_never_run_and_javascript_websites_are_never_links(xss_server) -> None:  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download)")
    base, token, db = xss_server
    approved, held = _post_payloads(base, token)
    approved += _store_unchecked_websites(db)
    dialogs: list[str] = []
    violations: list[str] = []

    with sync_api.sync_playwright() as playwright:
        browser = _launch(playwright)
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

        def check(where: str) -> None:
            assert page.evaluate("window.__pwned") is None, where
            schemes = page.evaluate("Array.from(document.querySelectorAll('a[href]'), a => a.protocol)")
            assert set(schemes) <= {"http:", "https:"}, (where, schemes)
            assert page.locator("iframe, details, svg").count() == 0, where

        page.goto(f"{base}/articles/{POST}")
        content = page.locator("#comments")
        sync_api.expect(content).to_contain_text("<script>window.__pwned = 1;")  # shown as text
        for stored in ("Stored 0", "Stored 1", "Stored 2"):
            sync_api.expect(content).to_contain_text(stored)  # the name, not a link
        check("article")

        # The moderators' page: the held comments in the queue, then the approved ones.
        page.goto(base + "/moderation/")
        page.fill("#token", token)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.goto(f"{base}/moderation/?post={POST}&limit=200")
        sync_api.expect(page.locator("#waiting")).to_contain_text(f"{len(held)} pending")
        sync_api.expect(page.locator("#queue")).to_contain_text("<img src=x onerror=")
        page.keyboard.press("j")  # the page's own script runs under the policy
        check("queue")
        page.goto(f"{base}/moderation/?post={POST}&status=approved&limit=200")
        sync_api.expect(page.locator("#queue")).to_contain_text("javascript:window.__pwned = 7")
        check("approved")

        # A reader's form post from the article: the awaiting page, then the error page.
        for website, lands_on in (
            ("https://example.org/", "/awaiting-moderation"),
            ("javascript:alert(9)", "/comments"),
        ):
            page.goto(f"{base}/articles/{POST}")
            page.fill("#comment", PAYLOADS[1] + " " + PAYLOADS[0])
            page.fill("#author", PAYLOADS[3][:245])
            page.fill("#email", "reader@example.net")
            page.fill("#url", website)
            with page.expect_navigation():
                page.click("#submit")
            assert lands_on in page.url, page.url
            check(lands_on)
        assert "could not be posted" in page.content()
        browser.close()

    assert dialogs == [], dialogs
    assert violations == [], violations
