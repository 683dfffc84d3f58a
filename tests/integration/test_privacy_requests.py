"""Privacy rule 5 end to end: the real app writes comments, the real CLI exports and erases them.

After an erasure nothing of the address may remain in the SQLite files (database and write-ahead
log): not the address, not its keyed look-up hash, not its avatar hash.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import PROBE_EMAIL, comment_fields
from starlette.testclient import TestClient

from service.app import create_app
from service.scoring.scorer import Scorer
from service.settings import Settings
from service.sites.settings import SiteSettings, new_site_key

PROBE_URL = "https://probe-homepage.example/"
PROBE_AGENT = "ProbeAgent/7.1 (privacy request test)"
PROBE_AUTHOR = "Probe Person"
OTHER_EMAIL = "someone.else@example.net"


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m service ...` in a fresh process, given the server's key the way an operator would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    env["COMMENTS_SECRET_KEY"] = settings.secret_key
    return subprocess.run(
        [sys.executable, "-m", "service", *args, "--db", settings.db_target],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.data_dir.parent,
        timeout=60,
    )


def post_probe_comments(client: TestClient) -> list[int]:
    ids = []
    texts = [
        "First comment from the person who will ask to be forgotten.",
        "Second one: call me on +44 20 7946 0958 to talk it over.",  # masked, original kept encrypted
    ]
    for text in texts:
        fields = comment_fields(text, author=PROBE_AUTHOR, url=PROBE_URL)
        r = client.post("/comments", json=fields, headers={"User-Agent": PROBE_AGENT})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    other = comment_fields("A comment by somebody else entirely.", author="Other Reader", email=OTHER_EMAIL)
    assert client.post("/comments", json=other).status_code == 201
    return ids


def export_items(document: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    (groups,) = document.values()
    return groups["comments"]["items"]


# Read in another process: closing any descriptor of the database file in the server's process
# would drop the server's POSIX locks on it, and let the CLI believe it is the last connection.
_FIND_TRACES = """
import json, sys
from pathlib import Path
db, traces = sys.argv[1], sys.argv[2:]
data = b"".join(p.read_bytes() for p in (Path(db), Path(db + "-wal")) if p.exists())
print(json.dumps([t for t in traces if t.encode() in data]))
"""


def traces_on_disk(db: Path, *traces: str) -> list[str]:
    """Which of `traces` occur in the bytes of the database file and its write-ahead log."""
    found = subprocess.run(
        [sys.executable, "-c", _FIND_TRACES, str(db), *traces], capture_output=True, text=True, check=True
    )
    return json.loads(found.stdout)


def test_export_then_erase_over_the_cli_leaves_no_trace(settings: Settings, scorer: Scorer, tmp_path: Path) -> None:
    db = Path(settings.db_target)
    with TestClient(create_app(settings, scorer=scorer), base_url="http://127.0.0.1:8000") as client:
        vault = client.app.state.services.vault  # type: ignore[attr-defined]
        lookup_hash, avatar_hash = vault.lookup_hash(PROBE_EMAIL), vault.avatar_hash(PROBE_EMAIL)
        ids = post_probe_comments(client)
        # The search below can find what is there: all of it, while the comments are stored.
        assert traces_on_disk(db, lookup_hash, avatar_hash, PROBE_URL, PROBE_AGENT) == [
            lookup_hash,
            avatar_hash,
            PROBE_URL,
            PROBE_AGENT,
        ]

        # Export, while the server runs: every comment, with what it holds about the person.
        exported = run_cli(settings, "privacy", "export", "--email", PROBE_EMAIL.upper())
        assert exported.returncode == 0, exported.stderr
        items = export_items(json.loads(exported.stdout))
        assert sorted(items) == [f"comment-{i}" for i in ids]
        first = {pair["name"]: pair["value"] for pair in items[f"comment-{ids[0]}"]}
        assert first["Comment Author Email"] == PROBE_EMAIL
        assert first["Comment Author URL"] == PROBE_URL
        assert first["Comment Author User Agent"] == PROBE_AGENT
        assert first["Comment URL"].endswith(f"/articles/un-vote-2025#comment-{ids[0]}")
        second = {pair["name"]: pair["value"] for pair in items[f"comment-{ids[1]}"]}
        assert "+44 20 7946 0958" in second["Comment Content"]  # the original, decrypted for its author
        assert "+44" not in second["Published Content"]

        out_file = tmp_path / "export.json"
        assert run_cli(settings, "privacy", "export", "--email", PROBE_EMAIL, "--out", str(out_file)).returncode == 0
        assert out_file.stat().st_mode & 0o777 == 0o600
        assert sorted(export_items(json.loads(out_file.read_text()))) == sorted(items)

        erased = run_cli(settings, "privacy", "erase", "--email", PROBE_EMAIL)
        assert erased.returncode == 0, erased.stderr
        assert "2 comments anonymized (content kept)" in erased.stdout

        # Nothing left to find, in clear or hashed, in the files the running server holds open.
        traces = (PROBE_EMAIL, PROBE_EMAIL.split("@")[0], lookup_hash, avatar_hash, PROBE_URL, PROBE_AGENT)
        assert Path(f"{db}-wal").exists()  # the server still has the database open
        assert traces_on_disk(db, *traces) == []
        again = run_cli(settings, "privacy", "export", "--email", PROBE_EMAIL)
        assert again.returncode == 0 and export_items(json.loads(again.stdout)) == {}

        published = client.get("/posts/un-vote-2025/comments").json()
        mine = [c for c in published if c["id"] in ids]
        assert mine and all(c["author"] == "Anonymous" and c["url"] == "" and c["avatar"] is None for c in mine)
        assert any(c["content"].startswith("First comment") for c in mine)  # content kept by default
        assert any(c["author"] == "Other Reader" and c["avatar"] for c in published)  # others untouched

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT author, email_enc, email_hash, avatar_hash, url, ip, user_agent, content_enc FROM comments"
            f" WHERE id IN ({','.join('?' * len(ids))})",
            ids,
        ).fetchall()
        assert rows == [("Anonymous", None, None, None, "", None, None, None)] * len(ids)
        assert conn.execute("SELECT count(*) FROM comments WHERE email_hash = ?", (lookup_hash,)).fetchone() == (0,)
        audit = conn.execute(
            "SELECT actor, action, comment_id, details_json FROM audit_log WHERE action LIKE 'privacy_%' ORDER BY id"
        ).fetchall()
    assert [(actor, action) for actor, action, _, _ in audit] == [
        ("cli", "privacy_export"),
        ("cli", "privacy_export"),
        ("cli", "privacy_erase"),
        ("cli", "privacy_export"),
    ]
    assert json.loads(audit[2][3]) == {"comments": 2, "reports": 0, "bans_kept": 0, "content_removed": False}
    assert json.loads(audit[0][3])["comments"] == 2 and json.loads(audit[3][3])["comments"] == 0
    assert all(PROBE_EMAIL not in details and lookup_hash not in details for *_, details in audit)
    assert traces_on_disk(db, PROBE_EMAIL, lookup_hash, avatar_hash) == []  # and once the server closed it


def test_erase_can_remove_the_content_and_keeps_a_ban(client: TestClient, settings: Settings) -> None:
    ids = post_probe_comments(client)
    vault = client.app.state.services.vault  # type: ignore[attr-defined]
    store = client.app.state.services.store  # type: ignore[attr-defined]
    site = client.portal.call(store.default_site)  # type: ignore[union-attr]
    with sqlite3.connect(settings.db_target) as conn:  # a moderator banned this author earlier
        conn.execute(
            "INSERT INTO banned_authors (site_id, email_hash, banned_at, actor) VALUES (?, ?, '2026-01-01', 'mod')",
            (site.id, vault.lookup_hash(PROBE_EMAIL)),
        )

    erased = run_cli(settings, "privacy", "erase", "--email", PROBE_EMAIL, "--remove-content")
    assert erased.returncode == 0, erased.stderr
    assert "2 comments anonymized (content removed)" in erased.stdout and "1 bans kept" in erased.stdout

    for comment_id in ids:
        comment = client.portal.call(store.get_comment, comment_id)  # type: ignore[union-attr]
        assert comment.author == "Anonymous" and comment.content == "[comment removed at the author's request]"
    history = client.portal.call(store.author_history, site.id, vault.lookup_hash(PROBE_EMAIL))  # type: ignore[union-attr]
    assert history.banned and history.approved == history.pending == 0  # the ban holds; the comments are gone


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["privacy", "export", "--email", "not-an-address"], "error: --email: not an email address"),
        (["privacy", "erase", "--email", "jane@example.org", "--data-dir", "/nonexistent"], "error: no secret key"),
    ],
)
def test_operator_mistakes_get_one_line_errors(settings: Settings, args: list[str], message: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    result = subprocess.run(
        [sys.executable, "-m", "service", *args, "--db", settings.db_target],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_wrong_secret_key_is_refused_rather_than_finding_nothing(client: TestClient, settings: Settings) -> None:
    post_probe_comments(client)
    wrong = Settings(data_dir=settings.data_dir, secret_key=base64.urlsafe_b64encode(os.urandom(32)).decode())
    result = run_cli(wrong, "privacy", "erase", "--email", PROBE_EMAIL)
    assert result.returncode == 2 and "does not match this database" in result.stderr
    store = client.app.state.services.store  # type: ignore[attr-defined]
    assert client.portal.call(store.count_comments) == 3  # type: ignore[union-attr]


def test_akismet_reports_naming_the_address_are_exported_and_anonymized(client: TestClient, settings: Settings) -> None:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    key = new_site_key()
    client.portal.call(store.add_site, "news", "https://news.example.org/", key, SiteSettings())  # type: ignore[union-attr]
    report = {
        "api_key": key,
        "blog": "https://news.example.org/",
        "user_ip": "203.0.113.7",
        "comment_author": PROBE_AUTHOR,
        "comment_author_email": PROBE_EMAIL,
        "comment_author_url": PROBE_URL,
        "comment_content": "A perfectly fine remark that a site reported as ham.",
    }
    assert client.post("/1.1/submit-ham", data=report).text.startswith("Thanks")

    exported = run_cli(settings, "privacy", "export", "--email", PROBE_EMAIL)
    (groups,) = json.loads(exported.stdout).values()
    (item,) = groups["spam-reports"]["items"].values()
    assert {"name": "Comment Author URL", "value": PROBE_URL} in item

    assert run_cli(settings, "privacy", "erase", "--email", PROBE_EMAIL).returncode == 0
    (kept,) = client.portal.call(store.akismet_reports)  # type: ignore[union-attr]
    assert (kept.author, kept.email_hash, kept.url, kept.label) == ("Anonymous", None, "", "ham")
    assert kept.content.startswith("A perfectly fine remark")  # the label keeps its text
