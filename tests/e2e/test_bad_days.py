"""Bad days for the store, on a real server process and real file systems:

- SIGKILL under concurrent load, then a restart on the same files: every comment answered 201 is
  a row and `PRAGMA integrity_check` says ok;
- the database on a full file system: a 2 MB tmpfs the test mounts (it runs as root, as CI does;
  tmpfs needs no image or loop device) and fills with a file;
- the database made read-only while the server runs: a small ext4 image mounted through a loop
  device, with the database and its write-ahead log made immutable (`chattr +i`). Root ignores
  file modes, and a read-only remount is refused while the server holds the files open for
  writing, so the immutable flag is what refuses the server's writes (ext4 checks it on every
  write; tmpfs only when a file is opened).

On both bad days: answers 503 with `Retry-After` and a request id on the same keep-alive
connection (never a reset), never a 201 without a row, `/readyz` 503 meanwhile, no stack trace
in the log, and comments are taken again without a restart once space or write access returns.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import comment_fields, start_server

from service.cli.main import main

WRITERS = 6
LOAD_SECONDS = 3.0


def open_doors(db: str) -> None:
    """No flood window, so one test client may post as fast as it likes."""
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["site", "update", "--default", "--db", db, "--set", "flood_seconds=0"]) == 0


def fields(n: int) -> dict[str, str]:
    text = f"Note {n} on the vote: the count in my district matched the paper."
    return comment_fields(text, email=f"r{n}@example.net")


def posted(client: httpx.Client, n: int) -> int:
    """The id of comment `n`, which must be answered 201."""
    r = client.post("/comments", json=fields(n))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def rows_and_integrity(db: str) -> tuple[set[int], str]:
    conn = sqlite3.connect(db)
    try:
        ids = {row[0] for row in conn.execute("SELECT id FROM comments")}
        (check,) = conn.execute("PRAGMA integrity_check").fetchone()
    finally:
        conn.close()
    return ids, check


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


@contextlib.contextmanager
def mounted(args: list[str], where: Path) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(["mount", *args, str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"mount {' '.join(args)} failed (the fault tests run as root): {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_sigkill_under_load_loses_no_answered_comment(tmp_path: Path) -> None:
    db = str(tmp_path / "comments.db")
    open_doors(db)
    answered: set[int] = set()
    serial = iter(range(1_000_000))
    lock = threading.Lock()
    for _round in range(2):
        log = (tmp_path / "server.log").open("a")
        base, proc = start_server(tmp_path, db, log)
        stop_at = time.monotonic() + LOAD_SECONDS

        def post_until_killed(base: str = base, stop_at: float = stop_at) -> None:
            with httpx.Client(base_url=base, timeout=10) as client:
                while time.monotonic() < stop_at + 5:
                    with lock:
                        n = next(serial)
                    try:
                        r = client.post("/comments", json=fields(n))
                    except httpx.HTTPError:
                        return  # the server is gone
                    if r.status_code == 201:
                        with lock:
                            answered.add(int(r.json()["id"]))

        writers = [threading.Thread(target=post_until_killed) for _ in range(WRITERS)]
        for w in writers:
            w.start()
        time.sleep(LOAD_SECONDS)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        for w in writers:
            w.join(timeout=30)
        log.close()
    base, proc = start_server(tmp_path, db, (tmp_path / "server.log").open("a"))  # recovers the log
    assert httpx.get(base + "/readyz", timeout=10).status_code == 200
    stop(proc)
    ids, check = rows_and_integrity(db)
    assert len(answered) > 50, "the load made too few comments to mean anything"
    assert answered <= ids, f"{len(answered - ids)} comments answered 201 are missing"
    assert check == "ok"


def bad_day(base: str, client: httpx.Client, start: int, answered: set[int]) -> list[httpx.Response]:
    """Posts on one keep-alive connection while the store cannot write; every answer is returned."""
    answers = []
    for n in range(start, start + 12):
        r = client.post("/comments", json=fields(n))  # raises on a reset: none may happen
        answers.append(r)
        if r.status_code == 201:
            answered.add(int(r.json()["id"]))
    return answers


def assert_told_to_wait(answers: list[httpx.Response]) -> None:
    unavailable = [r for r in answers if r.status_code == 503]
    assert unavailable, [r.status_code for r in answers]
    assert {r.status_code for r in answers} <= {201, 503}, [r.text for r in answers]
    for r in unavailable:
        assert int(r.headers["retry-after"]) > 0 and r.headers.get("x-request-id")
        assert "store" in r.json()["errors"]


def comes_back(client: httpx.Client, start: int, answered: set[int], within: float = 20.0) -> None:
    """Comments are taken again and `/readyz` says ready, without a restart."""
    deadline = time.monotonic() + within
    n = start
    while time.monotonic() < deadline:
        r = client.post("/comments", json=fields(n))
        n += 1
        if r.status_code == 201:
            answered.add(int(r.json()["id"]))
            break
        time.sleep(0.5)
    else:
        pytest.fail("comments were not taken again after the store could write")
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "/readyz did not recover"
        time.sleep(0.5)


def check_log(log: Path) -> None:
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert "store unavailable" in text


def test_a_full_disk_is_answered_503_and_passes_without_a_restart(tmp_path: Path) -> None:
    with mounted(["-t", "tmpfs", "-o", "size=2m", "tmpfs"], tmp_path / "small") as small:
        db = str(small / "comments.db")
        open_doors(db)
        log_path = tmp_path / "server.log"
        base, proc = start_server(tmp_path, db, log_path.open("w"))
        answered: set[int] = set()
        filler = small / "filler"
        try:
            with httpx.Client(base_url=base, timeout=10) as client:
                answered |= {posted(client, n) for n in range(5)}
                with filler.open("wb") as f, contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                answers = bad_day(base, client, 100, answered)
                assert_told_to_wait(answers)
                ready = client.get("/readyz")
                assert ready.status_code == 503 and "disk full" in ready.text, ready.text
                filler.unlink()
                comes_back(client, 200, answered)
        finally:
            stop(proc)
        ids, check = rows_and_integrity(db)
    assert answered <= ids and check == "ok"
    check_log(log_path)


def test_a_read_only_database_is_answered_503_and_passes_without_a_restart(tmp_path: Path) -> None:
    image = tmp_path / "disk.ext4"
    with image.open("wb") as f:
        f.truncate(16 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, capture_output=True)
    with mounted(["-o", "loop", str(image)], tmp_path / "disk") as disk:
        db = str(disk / "comments.db")
        open_doors(db)
        log_path = tmp_path / "server.log"
        base, proc = start_server(tmp_path, db, log_path.open("w"))
        answered: set[int] = set()
        frozen = [db, db + "-wal"]  # never the -shm file: it is mapped into memory, and a write to it would SIGBUS
        try:
            with httpx.Client(base_url=base, timeout=10) as client:
                answered |= {posted(client, n) for n in range(5)}
                subprocess.run(["chattr", "+i", *frozen], check=True)
                answers = bad_day(base, client, 100, answered)
                assert_told_to_wait(answers)
                ready = client.get("/readyz")
                assert ready.status_code == 503, ready.text
                subprocess.run(["chattr", "-i", *frozen], check=True)
                comes_back(client, 200, answered)
        finally:
            subprocess.run(["chattr", "-i", *[p for p in frozen if os.path.exists(p)]], check=False)
            stop(proc)
        ids, check = rows_and_integrity(db)
    assert answered <= ids and check == "ok"
    check_log(log_path)
