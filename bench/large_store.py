"""Reads on a large store: a million comments, then the public listing and the moderator queue's first page.

    .venv/bin/python bench/large_store.py [--comments 1000000] [--seconds 5]

1. Builds a SQLite store in a temporary folder: the real schema (the store is opened once, which
   applies every migration in service/store/sqlite/migrations.py), then a bulk insert straight through
   sqlite3 (one transaction, synchronous=OFF: this is a fixture, not the service's write path).
   Comments come in bursts over many posts (about 50 per post), texts from training/data/, about
   85 % approved, 10 % pending, 5 % spam, one commenter in five writes again; emails are encrypted
   with the server's key, as the service stores them.
2. Starts the real service on it (`python -m service serve --db ...`), makes a moderator token with
   `python -m service token create --role moderator --name bench`, and drives, with wrk on one
   connection (a moderator's or a reader's single request, not a load test):
   - `GET /posts/{id}/comments` for posts with ~50 comments, rotating over 200 posts;
   - `GET /moderation/queue` (first page, default order) with the Bearer token.
Progress goes to stderr; the last line of stdout is one JSON object with the p50/p99 of each.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.throughput import comment_texts, ensure_wrk, free_port, log, peak_rss_mb, start, stop, work_folder  # noqa: E402
from service.privacy.email_vault import EmailVault  # noqa: E402
from service.store.sqlite import SQLiteStore  # noqa: E402

COMMENTS_PER_POST = 50
CHUNK = 50_000
GET_LUA = """
local paths = {}
function init(args)
   for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
local n = 0
function request()
   n = n % #paths + 1
   return wrk.format("GET", paths[n])
end
local bad = 0
function response(status, headers, body)
   if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
   io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
      '"socket_errors":%d}\\n', summary.requests, summary.duration, latency:percentile(50),
      latency:percentile(99), latency.max, summary.errors.connect + summary.errors.read + summary.errors.status))
end
"""


def build_store(db: Path, secret_key: str, total: int, seed: int = 11) -> dict[str, Any]:
    """The schema through the real store, then `total` comments by bulk insert; returns what was made."""

    async def migrate() -> None:
        store = SQLiteStore(str(db))
        await store.open()
        await store.close()

    asyncio.run(migrate())
    rng = random.Random(seed)
    texts = [t.strip()[:400] for t in comment_texts() if t.strip()]
    vault = EmailVault(base64.urlsafe_b64decode(secret_key))
    n_authors = max(total // 5, 1)
    # Encrypting a million addresses would take longer than the rest: each commenter's token is reused.
    authors: list[tuple[str, bytes, str, str]] = []
    for i in range(min(n_authors, 20_000)):
        email = f"reader{i}@example.org"
        authors.append((f"Reader {i}", vault.encrypt(email), vault.lookup_hash(email), vault.avatar_hash(email)))
    n_posts = max(total // COMMENTS_PER_POST, 1)
    started = datetime(2025, 1, 1, tzinfo=UTC)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    sql = (
        "INSERT INTO comments (site_id, post_id, parent_id, author, email_enc, email_hash, avatar_hash, url, content,"
        " content_enc, status, spam_score, toxicity_score, scores_json, reasons_json, model_version, ip, user_agent,"
        " created_at, updated_at) VALUES (1, ?, NULL, ?, ?, ?, ?, '', ?, NULL, ?, ?, ?, ?, ?, 'bench', ?, 'bench',"
        " ?, ?)"
    )
    t0 = time.monotonic()
    rows: list[tuple[Any, ...]] = []
    # Posts are commented on in overlapping bursts, as on a news site: comment i goes to a post near
    # i / COMMENTS_PER_POST, so each post ends with about COMMENTS_PER_POST comments.
    for i in range(total):
        post = min(n_posts - 1, max(0, i // COMMENTS_PER_POST + rng.randint(-3, 3)))
        name, enc, email_hash, avatar = authors[rng.randrange(len(authors))]
        roll = rng.random()
        if roll < 0.85:
            status, reasons = "approved", "[]"
        else:
            status, reasons = ("pending" if roll < 0.95 else "spam"), '["spam_score"]'
        spam = round(rng.random() if status != "approved" else rng.random() * 0.3, 4)
        tox = round(rng.random() * 0.5, 4)
        at = (started + timedelta(seconds=i * 3)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        rows.append(
            (
                f"story-{post}",
                name,
                enc,
                email_hash,
                avatar,
                texts[i % len(texts)],
                status,
                spam,
                tox,
                json.dumps({"spam": spam, "toxicity": tox}),
                reasons,
                f"10.{i % 250}.{i % 199}.{i % 97}",
                at,
                at,
            )
        )
        if len(rows) == CHUNK:
            conn.executemany(sql, rows)
            rows.clear()
            log(f"inserted {i + 1:,}/{total:,} comments ({time.monotonic() - t0:.0f} s)")
    if rows:
        conn.executemany(sql, rows)
    conn.execute("COMMIT")
    # No ANALYZE: the service never runs it, so its queries must be fast without the planner's statistics.
    counts = dict(conn.execute("SELECT status, count(*) FROM comments GROUP BY status").fetchall())
    sample = [f"story-{k}" for k in rng.sample(range(5, n_posts - 5), min(200, max(n_posts - 10, 1)))]
    marks = ",".join("?" * len(sample))
    found = conn.execute(f"SELECT post_id, count(*) FROM comments WHERE post_id IN ({marks}) GROUP BY post_id", sample)
    posts = [(p, int(n)) for p, n in found]
    conn.close()
    log(f"store built in {time.monotonic() - t0:.0f} s: {counts}")
    return {"counts": counts, "posts": posts, "build_seconds": round(time.monotonic() - t0, 1)}


def get_latency(
    wrk: str, base: str, paths: list[str], folder: Path, seconds: int, headers: list[str]
) -> dict[str, Any]:
    """p50/p99 of GETs over `paths` on one connection (one client's requests, one after another)."""
    script = folder / "get.lua"
    script.write_text(GET_LUA)
    listing = folder / f"paths-{hashlib.sha1(''.join(paths).encode()).hexdigest()[:8]}.txt"
    listing.write_text("\n".join(paths) + "\n")
    cmd = [wrk, "-t1", "-c1", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(
        [*cmd, base + paths[0], "--", str(listing)], capture_output=True, text=True, timeout=seconds + 60
    )
    for line in out.stdout.splitlines():
        if line.startswith("WRK_RESULT "):
            r = json.loads(line.removeprefix("WRK_RESULT "))
            return {
                "requests": r["requests"],
                "p50_ms": round(r["p50_us"] / 1000, 2),
                "p99_ms": round(r["p99_us"] / 1000, 2),
                "max_ms": round(r["max_us"] / 1000, 2),
                "errors": r["socket_errors"],
            }
    sys.exit(f"wrk gave no result: {out.stdout}\n{out.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Listing and queue latency on a store of a million comments.")
    parser.add_argument("--comments", type=int, default=1_000_000, help="comments in the store (default 1,000,000)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds of requests per endpoint (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, server log)")
    args = parser.parse_args(argv)
    wrk = ensure_wrk()
    with work_folder("bench-large-store-", args.keep) as tmp:
        db = tmp / "comments.db"
        secret_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        log(f"building a store of {args.comments:,} comments in {db}")
        built = build_store(db, secret_key, args.comments)
        storage = ["--db", str(db), "--data-dir", str(tmp / "data"), "--secret-key", secret_key]
        made = subprocess.run(
            [sys.executable, "-m", "service", "token", "create", "--role", "moderator", "--name", "bench", *storage],
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        if made.returncode != 0:
            sys.exit(f"token create failed: {made.stderr}")
        token = made.stdout.strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        service = start(
            [sys.executable, "-m", "service", "serve", "--port", str(port), *storage], tmp, base + "/healthz", "service"
        )
        try:
            posts = [p for p, _ in built["posts"]]
            per_post = sorted(n for _, n in built["posts"])
            log(f"GET /posts/{{id}}/comments over {len(posts)} posts of {per_post[0]}-{per_post[-1]} comments")
            listing = get_latency(wrk, base, [f"/posts/{p}/comments" for p in posts], tmp, args.seconds, [])
            log(f"listing: {listing}")
            auth = [f"Authorization: Bearer {token}"]
            queue = get_latency(wrk, base, ["/moderation/queue"], tmp, args.seconds, auth)
            log(f"queue first page: {queue}")
            queue_newest = get_latency(wrk, base, ["/moderation/queue?order=newest"], tmp, args.seconds, auth)
            log(f"queue first page, newest first: {queue_newest}")
            rss = peak_rss_mb(service.pid)
        finally:
            stop(service)
        report = {
            "comments": args.comments,
            "stored_by_status": built["counts"],
            "comments_per_listed_post": {
                "min": per_post[0],
                "median": per_post[len(per_post) // 2],
                "max": per_post[-1],
            },
            "listing_p50_ms": listing["p50_ms"],
            "listing_p99_ms": listing["p99_ms"],
            "queue_first_page_p50_ms": queue["p50_ms"],
            "queue_first_page_p99_ms": queue["p99_ms"],
            "queue_newest_first_page_p99_ms": queue_newest["p99_ms"],
            "listing": listing,
            "queue": queue,
            "queue_newest": queue_newest,
            "build_seconds": built["build_seconds"],
            "db_mb": round(db.stat().st_size / 2**20, 1),
            "peak_rss_mb": rss,
        }
        print(json.dumps(report))
        return 0


if __name__ == "__main__":
    sys.exit(main())
