"""The moderators' page in a real headless Chromium against a real uvicorn process.

A moderator signs in with a token made by `python -m service token create`, then works a queue of
50 comments from the keyboard alone (approve, spam, reject with a reason, bulk select), and the
public article changes. Needs Debian's `chromium` and the `playwright` package (no downloaded
browser); a screenshot is saved under tests/artifacts/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import comment_fields, holding_database, start_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
POST = "browser-vote"
QUEUE_SIZE = 50


@pytest.fixture(scope="module")
def moderated_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A served database with a moderator token and a default site that holds every comment."""
    folder = tmp_path_factory.mktemp("browser")
    db = str(folder / "comments.db")
    token = holding_database(db, "moderator", "keyboard-kim")
    log = (folder / "server.log").open("w")  # a file, not a pipe nobody reads: a full pipe would stall the server
    base, proc = start_server(folder, db, log)
    yield base, token
    proc.terminate()
    proc.wait(timeout=20)
    log.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / "server.log", ARTIFACTS / "moderation-server.log")


def _post_pending(base: str, post: str, texts: list[str]) -> list[int]:
    ids = []
    with httpx.Client(base_url=base, timeout=10) as http:
        for n, text in enumerate(texts):
            fields = comment_fields(text, comment_post_ID=post, email=f"{post}-{n}@example.net")
            r = http.post("/comments", json=fields)
            assert r.status_code == 201 and r.json()["status"] == "pending", r.text
            ids.append(r.json()["id"])
    return ids


def _launch(playwright):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def test_a_moderator_works_the_queue_from_the_keyboard(moderated_server: tuple[str, str]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download)")
    base, token = moderated_server
    texts = [f"Reader comment {n:02d} on the vote." for n in range(QUEUE_SIZE)]
    ids = _post_pending(base, POST, [texts[0] + " <script>alert(1)</script>", *texts[1:]])

    with sync_api.sync_playwright() as playwright:
        browser = _launch(playwright)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(base + "/moderation/")
        # Sign in with the keyboard: the token field has focus (autofocus; on a loaded machine
        # the browser may apply it after load, so wait until it really has focus before typing).
        sync_api.expect(page.locator("#token")).to_be_focused()
        page.keyboard.type(token)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        # This post's queue, 20 at a time; the filter stays through every action and decided
        # comments leave the page, so the next ones move up.
        page.goto(f"{base}/moderation/?post={POST}&limit=20")
        waiting = page.locator("#waiting")
        sync_api.expect(waiting).to_contain_text(f"{QUEUE_SIZE} pending")
        # Escaped, not run: the comment's <script> shows as text.
        sync_api.expect(page.locator(f"#comment-{ids[0]} .content")).to_contain_text("<script>alert(1)</script>")
        assert page.locator("#queue > li.item").count() == 20

        def keys(*presses: str) -> None:
            """Presses keys; the last one submits, so wait for the page it leads to."""
            for key in presses[:-1]:
                page.keyboard.press(key)
            with page.expect_navigation():
                page.keyboard.press(presses[-1])

        def current_id() -> int:
            return int(page.locator("#queue > li.item.current").get_attribute("data-id") or 0)

        assert current_id() == ids[0]
        keys("a")  # approve the first
        sync_api.expect(page.locator("#notice")).to_contain_text("Approved 1 comment.")
        assert current_id() == ids[1]
        keys("j", "s")  # skip one, mark the next as spam
        sync_api.expect(page.locator("#notice")).to_contain_text("Marked as spam 1 comment.")
        assert current_id() == ids[3]  # the cursor stays where the moderator was
        keys("k", "r", "1")  # back up, reject as toxic
        sync_api.expect(page.locator("#notice")).to_contain_text("Rejected 1 comment.")
        page.keyboard.press("r")
        page.keyboard.press("Escape")  # change of mind: nothing happens
        assert page.locator("#reason-chooser").count() == 0
        # Bulk: select four with x, approve them together.
        keys("x", "j", "x", "j", "x", "j", "x", "a")
        sync_api.expect(page.locator("#notice")).to_contain_text("Approved 4 comments.")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "moderation-queue.png"), full_page=False)
        # Work the rest of the queue: approve, spam, reject as off-topic, in turn.
        left = QUEUE_SIZE - 7
        sync_api.expect(waiting).to_contain_text(f"{left} pending")
        approved = {ids[0], ids[3], ids[4], ids[5], ids[6]}
        for turn in range(left):
            if turn % 3 == 0:
                approved.add(current_id())
            keys(*(["a"], ["s"], ["r", "2"])[turn % 3])
        sync_api.expect(waiting).to_contain_text("0 pending")
        sync_api.expect(page.locator("#queue")).to_contain_text("The queue is empty.")

        # The approved comments are public now; the refused ones are not.
        page.goto(f"{base}/articles/{POST}")
        article = page.content()
        assert "Reader comment 00 on the vote." in article and "Reader comment 01 on the vote." not in article
        page.screenshot(path=str(ARTIFACTS / "moderation-public-article.png"), full_page=True)
        browser.close()
    assert not dialogs  # no script from a comment ever ran

    with httpx.Client(base_url=base, timeout=10) as http:
        published = {c["id"] for c in http.get(f"/posts/{POST}/comments").json()}
    assert published == approved and len(approved) == 5 + (left + 2) // 3


def test_the_page_works_with_javascript_off(moderated_server: tuple[str, str]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download)")
    base, token = moderated_server
    post = "no-script-post"
    keep, drop = _post_pending(base, post, ["Plain approve me, please.", "Plain spam me, please."])
    with sync_api.sync_playwright() as playwright:
        browser = _launch(playwright)
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(base + "/moderation/")
        page.fill("#token", token)
        page.click("button[type=submit]")
        page.goto(f"{base}/moderation/?post={post}")
        sync_api.expect(page.locator("#waiting")).to_contain_text("2 pending")
        page.click(f"button[name=one][value='{keep}:approve']")
        sync_api.expect(page.locator("#notice")).to_contain_text("Approved 1 comment.")
        page.click(f"button[name=one][value='{drop}:spam']")
        sync_api.expect(page.locator("#notice")).to_contain_text("Marked as spam 1 comment.")
        sync_api.expect(page.locator("#waiting")).to_contain_text("0 pending")
        page.goto(f"{base}/articles/{post}")
        sync_api.expect(page.locator("body")).to_contain_text("Plain approve me, please.")
        assert "Plain spam me" not in page.content()
        browser.close()
