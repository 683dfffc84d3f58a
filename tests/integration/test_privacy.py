"""Privacy rules 1, 2 and 4: the commenter's email appears nowhere in clear."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from helpers import PROBE_EMAIL, comment_fields
from starlette.testclient import TestClient

from service.app import create_app
from service.privacy.contacts import mask_contacts
from service.privacy.email_vault import (
    AESGCM_PREFIX,
    EmailVault,
    derive_key,
    load_or_create_master_key,
    mask_email,
)
from service.scoring.scorer import Scorer
from service.settings import Settings


def _forms_of(email: str) -> list[bytes]:
    """The address as typed, lower-cased, and its unsalted digests: none may be stored."""
    forms = {email, email.lower(), email.upper()}
    digests = {getattr(hashlib, name)(email.lower().encode()).hexdigest() for name in ("md5", "sha1", "sha256")}
    return [f.encode() for f in forms | digests]


def test_vault_round_trip_and_keyed_hashes() -> None:
    vault = EmailVault(b"k" * 32)
    token = vault.encrypt(PROBE_EMAIL)
    assert PROBE_EMAIL.encode() not in token
    assert vault.decrypt(token) == PROBE_EMAIL
    assert vault.lookup_hash(PROBE_EMAIL) == vault.lookup_hash(PROBE_EMAIL.upper() + " ")
    assert vault.lookup_hash(PROBE_EMAIL) != hashlib.sha256(PROBE_EMAIL.encode()).hexdigest()
    assert vault.lookup_hash(PROBE_EMAIL) != EmailVault(b"o" * 32).lookup_hash(PROBE_EMAIL)
    assert vault.avatar_hash(PROBE_EMAIL) not in vault.lookup_hash(PROBE_EMAIL)
    assert EmailVault(b"o" * 32).decrypt(token) is None


def test_vault_tokens_are_aes_gcm_and_older_fernet_tokens_stay_readable() -> None:
    vault = EmailVault(b"k" * 32)
    token = vault.encrypt(PROBE_EMAIL)
    assert token.startswith(AESGCM_PREFIX) and token != vault.encrypt(PROBE_EMAIL)  # a fresh nonce each time
    damaged = token[:-1] + bytes([token[-1] ^ 1])
    assert vault.decrypt(damaged) is None and vault.decrypt(token[:8]) is None  # authenticated, never garbled
    # Rows written before AES-GCM hold Fernet tokens made with the same master key.
    fernet = Fernet(base64.urlsafe_b64encode(derive_key(b"k" * 32, b"email-encryption")))
    old = fernet.encrypt(PROBE_EMAIL.encode())
    assert vault.decrypt(old) == PROBE_EMAIL and vault.decrypt_text(old) == PROBE_EMAIL
    assert EmailVault(b"o" * 32).decrypt(old) is None


def test_master_key_file_is_made_once_and_private(tmp_path: Path) -> None:
    first = load_or_create_master_key("", tmp_path)
    assert load_or_create_master_key("", tmp_path) == first
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0


def test_masking_of_contact_details_in_text() -> None:
    masked = mask_contacts(
        f"Write to {PROBE_EMAIL} or jane [at] example [dot] com, call +1 415 555 0142 or (212) 555-0199."
    )
    assert PROBE_EMAIL not in masked.text and "555" not in masked.text and "example [dot]" not in masked.text
    assert (masked.emails, masked.phones) == (2, 2)
    plain = mask_contacts("In 2013 2014 and 2015 the vote was 153 to 10; see example.org and look at this.")
    assert not plain.changed
    assert mask_email("jane@example.com") == "j•••@example.com"


def test_masking_finds_what_its_quick_pre_checks_could_miss() -> None:
    # mask_contacts skips a pattern when the text lacks what it needs ("@"; "[at]"/"(at)" or " dot ";
    # a digit): case, spacing and other scripts' digits must not slip past those checks.
    for spelled in ("jane(AT)example.com", "jane [ At ] example . org", "jane at example\nDOT\nuk", "j at ex DoT de"):
        assert mask_contacts(f"Mail {spelled} please").emails == 1, spelled
    assert mask_contacts("call \u0665\u0665\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667").phones == 1
    assert mask_contacts("Write to JANE@EXAMPLE.ORG").emails == 1
    assert not mask_contacts("No contact details (at all), not even a dot.").changed


def test_email_in_no_answer_header_log_file_or_column(
    settings: Settings, scorer: Scorer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with TestClient(create_app(settings, scorer=scorer), base_url="http://127.0.0.1:8000") as client:

        def record(response) -> None:  # type: ignore[no-untyped-def]
            seen.append(response.text + repr(response.headers.raw))

        html = {"Accept": "text/html,application/xhtml+xml"}
        fields = comment_fields("Thanks for the clear write-up of the vote.")
        record(client.post("/comments", json=fields))
        record(
            client.post(
                "/comments",
                data=comment_fields("A second form post.", **{"wp-comment-cookies-consent": "yes"}),
                headers=html,
                follow_redirects=False,
            )
        )
        record(client.post("/comments", files={"x": (None, "")}, data=comment_fields("Multipart post here.")))
        record(client.post("/comments", json=comment_fields(f"Mail me at {PROBE_EMAIL} or call +1 415 555 0142.")))
        record(
            client.post(
                "/comments", json=comment_fields("Bad address", email="not-an-address-" + PROBE_EMAIL.replace("@", "#"))
            )
        )
        record(client.post("/comments", data=comment_fields("", email=PROBE_EMAIL), headers=html))
        record(client.post("/score", json=comment_fields("Only scoring this one.")))
        record(client.get("/posts/un-vote-2025/comments"))
        record(client.get("/"))
        record(client.get("/awaiting-moderation?site=1&post=un-vote-2025"))
        assert all(PROBE_EMAIL.split("@")[0] not in text for text in seen)
        assert any('"status"' in text for text in seen)  # the battery really posted comments

    assert PROBE_EMAIL.split("@")[0] not in caplog.text
    assert "service.access" in caplog.text  # requests were logged, just not their data

    files = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    assert any(p.name == "comments.db" for p in files)
    for path in files:
        blob = path.read_bytes()
        for form in _forms_of(PROBE_EMAIL):
            assert form not in blob, f"{form!r} found in {path.name}"

    db = sqlite3.connect(settings.data_dir / "comments.db")
    rows = db.execute("SELECT email_enc, email_hash, content, content_enc FROM comments").fetchall()
    assert len(rows) == 4
    vault = EmailVault(load_or_create_master_key(settings.secret_key, settings.data_dir))
    assert all(vault.decrypt(enc) == PROBE_EMAIL for enc, *_ in rows)  # kept, encrypted: nothing lost
    assert {h for _, h, _, _ in rows} == {vault.lookup_hash(PROBE_EMAIL)}
    masked = [r for r in rows if r[3] is not None]
    assert len(masked) == 1 and "[email hidden]" in masked[0][2]
    assert PROBE_EMAIL in (vault.decrypt_text(masked[0][3]) or "")  # the original text is kept encrypted
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in db.execute(f"SELECT * FROM {table}"):
            for value in row:
                as_bytes = value if isinstance(value, bytes) else str(value).encode()
                assert PROBE_EMAIL.encode() not in as_bytes.lower()


def test_public_avatar_is_keyed_not_gravatar(client: TestClient) -> None:
    assert (
        client.post("/comments", json=comment_fields("Thanks for the clear write-up of the vote.")).status_code == 201
    )
    listing = client.get("/posts/un-vote-2025/comments").json()
    avatar = listing[0]["avatar"]
    assert hashlib.md5(PROBE_EMAIL.encode()).hexdigest() not in avatar
    picture = client.get(avatar)
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/avatars/nothex.svg").status_code == 404


def test_keyed_hashes_are_plain_hmac_sha256_of_the_normalized_address() -> None:
    vault = EmailVault(b"k" * 32)
    for address in (PROBE_EMAIL, " Jane.Doe@Example.ORG ", "zoë@example.com"):
        message = address.strip().lower().encode()
        for purpose, digest, length in (
            (b"email-lookup", vault.lookup_hash, 64),
            (b"email-avatar", vault.avatar_hash, 32),
        ):
            expected = hmac.new(derive_key(b"k" * 32, purpose), message, hashlib.sha256).hexdigest()[:length]
            assert digest(address) == expected  # the same again: the keyed state is copied, never reused
            assert digest(address) == expected
