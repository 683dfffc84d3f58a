"""Sites over the command line, and two sites with different settings side by side."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import comment_fields
from starlette.testclient import TestClient

from service.settings import Settings
from service.sites.settings import SiteSettings, Thresholds, parse_setting, with_settings


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args, "--db", settings.db_target, "--data-dir", str(settings.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_parse_setting_types_and_errors() -> None:
    assert parse_setting("require_email", "off") is False
    assert parse_setting("comment_max_links", "5") == 5
    assert parse_setting("flood_seconds", "0") == 0.0
    assert parse_setting("moderation_keys", "crypto, casino ,") == ("crypto", "casino")
    origins = ("https://a.example", "https://b.example")
    assert parse_setting("allowed_origins", "https://a.example, https://b.example") == origins
    # What the CLI stored before stop 15 (the raw text) reads back as the list it meant.
    assert SiteSettings.from_json({"allowed_origins": "https://a.example,https://b.example"}).allowed_origins == origins
    assert parse_setting("spam_thresholds", "0.4,0.95") == Thresholds(0.4, 0.95)
    assert parse_setting("spam_thresholds", "model") is None
    for name, value in (
        ("nope", "1"),
        ("require_email", "maybe"),
        ("spam_thresholds", "0.9,0.1"),
        ("comment_max_links", "-1"),
        ("url_pattern", "/no-placeholder"),
    ):
        with pytest.raises(ValueError, match=name.split("_")[0]):
            parse_setting(name, value)
    assert with_settings(SiteSettings(), ["flood_seconds=30"]).flood_seconds == 30.0


def test_site_add_list_update_over_the_cli(settings: Settings, client: TestClient) -> None:
    # The server is running (the client fixture) while the operator commands write.
    added = _cli(
        settings,
        "site",
        "add",
        "--name",
        "news",
        "--url",
        "https://news.example.org/",
        "--set",
        "comment_max_links=5",
        "--set",
        "flood_seconds=0",
    )
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("sk_")
    listed = _cli(settings, "site", "list", "--json")
    sites = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [s["name"] for s in sites] == ["default", "news"] and sites[1]["settings"]["comment_max_links"] == 5
    assert sites[0]["settings"]["flood_seconds"] == 0 and SiteSettings().flood_seconds == 15
    assert key not in listed.stdout  # keys are shown once, stored hashed
    updated = _cli(
        settings,
        "site",
        "update",
        "--name",
        "news",
        "--set",
        "require_email=false",
        "--set",
        "url_pattern=https://news.example.org/{post_id}/",
    )
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout)["settings"]["require_email"] is False
    bad = _cli(settings, "site", "update", "--name", "news", "--set", "flood_seconds=soon")
    assert bad.returncode == 2 and "flood_seconds" in bad.stderr and "Traceback" not in bad.stderr
    missing = _cli(settings, "site", "update", "--name", "nobody", "--set", "honeypot=off")
    assert missing.returncode == 2 and "no such site" in missing.stderr

    # The running server sees the new site and its settings.
    r = client.post(
        "/comments", json=comment_fields("A comment without an email.", email=""), headers={"X-Site-Key": key}
    )
    assert r.status_code == 201
    r = client.post(
        "/comments",
        data=comment_fields("Browser post.", email=""),
        headers={"X-Site-Key": key, "Accept": "text/html"},
        follow_redirects=False,
    )
    assert r.headers["location"].startswith("https://news.example.org/un-vote-2025/#comment-") or r.headers[
        "location"
    ].startswith("/awaiting-moderation")
    rotated = _cli(settings, "site", "update", "--name", "news", "--rotate-key")
    new_key = rotated.stdout.strip().splitlines()[-1]
    assert new_key != key
    assert (
        client.post("/comments", json=comment_fields("Old key.", email=""), headers={"X-Site-Key": key}).status_code
        == 403
    )


def test_two_sites_with_different_settings_side_by_side(settings: Settings, client: TestClient) -> None:
    strict = _cli(
        settings,
        "site",
        "add",
        "--name",
        "strict",
        "--url",
        "https://strict.example/",
        "--set",
        "comment_max_links=1",
        "--set",
        "disallowed_keys=ambassador",
    ).stdout.splitlines()[-1]
    lax = _cli(
        settings,
        "site",
        "add",
        "--name",
        "lax",
        "--url",
        "https://lax.example/",
        "--set",
        "comment_max_links=0",
        "--set",
        "flood_seconds=0",
    ).stdout.splitlines()[-1]
    text = "Thanks for the write-up; the ambassador's quote is here: http://un.example/quote"
    a = client.post("/comments", json=comment_fields(text), headers={"X-Site-Key": strict}).json()
    b = client.post("/comments", json=comment_fields(text), headers={"X-Site-Key": lax}).json()
    assert a["status"] == "spam" and {"links>=1", "disallowed_key"} <= set(a["reasons"])
    assert b["status"] != "spam" and "links>=1" not in b["reasons"] and "disallowed_key" not in b["reasons"]
    # Each site lists only its own comments for the same post id.
    assert client.get("/posts/un-vote-2025/comments", headers={"X-Site-Key": strict}).json() == []
    assert Path(settings.db_target).exists()
