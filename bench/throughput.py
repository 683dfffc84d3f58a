"""Comment submission throughput: the real service against a bare Starlette app, in one run.

    .venv/bin/python bench/throughput.py [--seconds 20] [--connections 32]

Starts `python -m service serve` (uvicorn, one process, a fresh SQLite file in a temporary folder,
the shipped model) and `bench/bare_app.py` (a Starlette app that only parses the same form and
answers 201), and drives each with wrk on this machine, POSTing a mix of real comments from
`training/data/` (form-urlencoded; every request has its own author and email, so the duplicate
rule never answers 409). Both are measured in the same run because the machine is shared and
noisy: the target is the ratio, not an absolute figure.

Progress goes to stderr; the last line of stdout is one JSON object: `rps`, `p50_ms`, `p99_ms`,
`errors` (non-201 answers plus socket errors and timeouts), `bare_rps`, `ratio` (rps / bare_rps),
`peak_rss_mb` (the service process's high-water mark), `answered_201` and `rows_stored` (rows in
the database after the run; warm-up included in both; equal, since wrk stops sending whole comments
`DRAIN_S` before it hangs up), `cpu_ms_per_request` and
`bare_cpu_ms_per_request` (each server's CPU time per request over the measured rounds) and
`cpu_ratio` (bare over service: steadier than `ratio` on a busy machine), `event_loop_busy` (the share
of the service's rounds its event loop's thread was on a CPU), and a few more details.

wrk comes from Debian's packages: if it is missing and we run as root, `apt-get install -y wrk`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "training" / "data"
LUA_SCRIPT = Path(__file__).with_name("post_comments.lua")
BARE_APP = Path(__file__).with_name("bare_app.py")
# News comments are rarely essays: longer samples are cut at a word boundary near this length.
MAX_COMMENT_CHARS = 1200
N_POSTS = 40
N_BODIES = 3000
# wrk runs this much longer than it sends whole comments (see post_comments.lua): every answer in
# flight arrives before it hangs up, so each stored comment has its 201. Far above the service's p99.
DRAIN_S = 1


def log(message: str) -> None:
    print(f"[{Path(sys.argv[0]).stem}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def work_folder(prefix: str, keep: bool) -> Iterator[Path]:
    """A temporary folder for a run's database and logs, removed afterwards unless `keep`."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        if keep:
            log(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian's packages when missing (needs root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: run `apt-get install -y wrk` as root")
    log("wrk not found: apt-get install -y wrk")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, stdout=sys.stderr).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, stdout=sys.stderr, check=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, stdout=sys.stderr, check=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk could not be installed")
    return found


def comment_texts() -> list[str]:
    """Comment texts from the shipped data: YouTube spam and ham, Wikipedia talk, tweets."""
    texts: list[str] = []
    for path in sorted((DATA / "youtube-spam-collection").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            texts += [row["CONTENT"] for row in csv.DictReader(fh)]
    with (DATA / "jigsaw-toxic-subset" / "jigsaw_toxic_comments_subset.csv").open(encoding="utf-8", newline="") as fh:
        texts += [row["comment_text"] for _, row in zip(range(4000), csv.DictReader(fh), strict=False)]
    with (DATA / "davidson-hate-offensive" / "labeled_data.csv").open(encoding="utf-8", newline="") as fh:
        texts += [row["tweet"] for _, row in zip(range(1500), csv.DictReader(fh), strict=False)]
    return texts


def write_bodies(path: Path, count: int = N_BODIES, seed: int = 7) -> None:
    """One form body prefix per line: post id, comment and (sometimes) a website; wrk adds who sent it."""
    rng = random.Random(seed)
    texts = [t.strip() for t in comment_texts() if t.strip()]
    rng.shuffle(texts)
    lines = []
    for i, text in enumerate(texts[:count]):
        if len(text) > MAX_COMMENT_CHARS:
            text = text[:MAX_COMMENT_CHARS].rsplit(" ", 1)[0]
        fields = {
            "comment_post_ID": f"story-{rng.randrange(N_POSTS)}",
            "comment": text,
            "url": "https://blog.example.net/" if i % 5 == 0 else "",
            "comment_parent": "0",
        }
        lines.append(urlencode(fields))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], cwd: Path, url: str, name: str) -> subprocess.Popen[bytes]:
    """Starts a server and waits until `url` answers (a model load takes a few seconds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    log_file = (cwd / f"{name}.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} exited: see {cwd / (name + '.log')}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status < 500:
                    return proc
        except OSError as exc:
            if getattr(exc, "code", None) == 405:  # the bare app answers POST only: it is up
                return proc
            time.sleep(0.2)
    proc.kill()
    sys.exit(f"{name} did not start within 90 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown: the store closes cleanly
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid: int, main_thread_only: bool = False) -> float:
    """CPU time (user + system) the process has used so far: every thread's, or only its main
    thread's (in the service, the event loop's thread)."""
    stat = Path(f"/proc/{pid}/task/{pid}/stat" if main_thread_only else f"/proc/{pid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """The process's resident-set high-water mark (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def run_wrk(
    wrk: str, url: str, bodies: Path, seconds: int, connections: int, threads: int, label: str
) -> dict[str, Any]:
    """One wrk run that sends comments for `seconds`; returns the JSON its Lua `done()` printed.

    The ids of its 201 answers go to `<bodies folder>/ids-<label>-<thread>.txt`; `label` also makes
    the run's authors and emails distinct from every other run's.
    """
    tag = label.replace(" ", "_")
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds + DRAIN_S}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_SCRIPT),
        url + "/comments",
        "--",
        str(bodies),
        tag,
        str(bodies.parent / f"ids-{tag}-"),
        str(seconds),
    ]
    finished = threading.Event()

    def ticker() -> None:
        started = time.monotonic()
        while not finished.wait(5):
            log(f"{label}: {time.monotonic() - started:.0f}/{seconds + DRAIN_S} s")

    tick = threading.Thread(target=ticker, daemon=True)
    tick.start()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + DRAIN_S + 60)
    finally:
        finished.set()
    for line in out.stdout.splitlines():
        if line.startswith("WRK_RESULT "):
            return json.loads(line.removeprefix("WRK_RESULT "))
    sys.exit(f"wrk gave no result (exit {out.returncode}): {out.stdout}\n{out.stderr}")


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one server as one result: totals summed, p50 the median round's, p99 the worst round's.

    The rate is the mean of the rounds' rates over their sending windows (rounds are equally long).
    """
    p50s = sorted(r["p50_us"] for r in runs)
    return {
        "requests": sum(r["requests"] for r in runs),
        "rps": sum(r["window_rps"] for r in runs) / len(runs),
        "answered_201": sum(r["answered_201"] for r in runs),
        "other_status": sum(r["other_status"] for r in runs),
        "statuses": [s for r in runs for s in r["statuses"]],
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "timeouts": sum(r["timeouts"] for r in runs),
        "p50_us": p50s[len(p50s) // 2],
        "p99_us": max(r["p99_us"] for r in runs),
        "rps_rounds": [round(r["window_rps"], 1) for r in runs],
    }


def answered_ids(folder: Path, label: str) -> set[int]:
    """The comment ids of every 201 the runs labelled `label...` received."""
    found: set[int] = set()
    for path in folder.glob(f"ids-{label}*.txt"):
        found.update(int(line) for line in path.read_text().split() if line.isdigit())
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Comment submission throughput vs a bare Starlette app.")
    parser.add_argument("--seconds", type=int, default=20, help="measured seconds per server, over all rounds")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating measured rounds per server (default 4)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: leave the CPU to the server)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, server logs)")
    args = parser.parse_args(argv)
    wrk = ensure_wrk()
    with work_folder("bench-throughput-", args.keep) as tmp:
        bodies = tmp / "bodies.txt"
        write_bodies(bodies)
        log(f"{N_BODIES} comment bodies from training/data in {bodies}")

        port = free_port()
        bare_url = f"http://127.0.0.1:{port}"
        log(f"starting the bare Starlette app on {bare_url}")
        bare = start([sys.executable, str(BARE_APP), "--port", str(port)], tmp, bare_url + "/comments", "bare")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        db = tmp / "comments.db"
        log(f"starting the service on {url} (database {db})")
        cmd = [sys.executable, "-m", "service", "serve", "--port", str(port), "--db", str(db)]
        cmd += ["--data-dir", str(tmp / "data")]
        service = start(cmd, tmp, url + "/healthz", "service")
        try:
            warm_s = 1 if args.seconds < 10 else 2  # a smoke run stays short
            wrk_args = (bodies, warm_s, args.connections, args.threads)
            log(f"warm-up: {warm_s} s each")
            run_wrk(wrk, bare_url, *wrk_args, "bare-warm-up")
            run_wrk(wrk, url, *wrk_args, "service-warm-up")
            # The machine is shared: rounds alternate between the two servers so that a neighbour's
            # burst of work slows both alike, and the ratio stays meaningful.
            rounds = max(1, min(args.rounds, args.seconds))
            slice_s = max(1, round(args.seconds / rounds))
            bare_runs: list[dict[str, Any]] = []
            runs: list[dict[str, Any]] = []
            # CPU time each server spends per request: unlike rates, hardly moved by a neighbour's load.
            bare_cpu = service_cpu = loop_cpu = loop_wall = 0.0
            for r in range(1, rounds + 1):
                wrk_args = (bodies, slice_s, args.connections, args.threads)
                before = cpu_seconds(bare.pid)
                bare_runs.append(run_wrk(wrk, bare_url, *wrk_args, f"bare-{r}"))
                bare_cpu += cpu_seconds(bare.pid) - before
                before, loop_before = cpu_seconds(service.pid), cpu_seconds(service.pid, main_thread_only=True)
                runs.append(run_wrk(wrk, url, *wrk_args, f"service-{r}"))
                service_cpu += cpu_seconds(service.pid) - before
                loop_cpu += cpu_seconds(service.pid, main_thread_only=True) - loop_before
                # The sending window: the service is all but idle while wrk waits out its drain.
                loop_wall += slice_s
                b_rps, s_rps = bare_runs[-1]["window_rps"], runs[-1]["window_rps"]
                log(
                    f"round {r}/{rounds}: bare {b_rps:.0f} req/s; service {s_rps:.0f} req/s,"
                    f" p99 {runs[-1]['p99_us'] / 1000:.1f} ms"
                )
            rss = peak_rss_mb(service.pid)
        finally:
            stop(service)
            stop(bare)
        bare_result, result = combine(bare_runs), combine(runs)
        with sqlite3.connect(db) as conn:
            stored = {int(r[0]) for r in conn.execute("SELECT id FROM comments")}
            by_status = dict(conn.execute("SELECT status, count(*) FROM comments GROUP BY status").fetchall())
        answered = answered_ids(tmp, "service")
        rows = len(stored)

        rps, bare_rps = result["rps"], bare_result["rps"]
        report = {
            "rps": round(rps, 1),
            "p50_ms": round(result["p50_us"] / 1000, 2),
            "p99_ms": round(result["p99_us"] / 1000, 2),
            "errors": result["other_status"] + result["socket_errors"] + result["timeouts"],
            "bare_rps": round(bare_rps, 1),
            "ratio": round(rps / bare_rps, 3),
            "peak_rss_mb": rss,
            "answered_201": len(answered),
            "rows_stored": rows,
            # A 201 whose row is missing would be a lost comment: must be 0.
            "lost_201": len(answered - stored),
            # A row without a 201: an answer slower than the DRAIN_S wrk waits before it hangs up.
            "stored_unanswered": len(stored - answered),
            "rps_rounds": result["rps_rounds"],
            "bare_rps_rounds": bare_result["rps_rounds"],
            "bare_p99_ms": round(bare_result["p99_us"] / 1000, 2),
            # CPU milliseconds per answered request (all threads; the service's SQLite writer thread
            # included), and the bare app's over the service's: a ratio a shared machine barely moves.
            "cpu_ms_per_request": round(service_cpu * 1000 / max(result["requests"], 1), 3),
            "bare_cpu_ms_per_request": round(bare_cpu * 1000 / max(bare_result["requests"], 1), 3),
            "cpu_ratio": round(bare_cpu * result["requests"] / max(service_cpu * bare_result["requests"], 1e-9), 3),
            # The share of the measured rounds the event loop's thread was on a CPU: the rest it
            # waited (for the group commit, mostly). Near 1: the service is bound by that thread.
            "event_loop_busy": round(loop_cpu / max(loop_wall, 1e-9), 3),
            "statuses_other_than_201": result["statuses"],
            "stored_by_status": by_status,
            "seconds": args.seconds,
            "connections": args.connections,
        }
        print(json.dumps(report))
        return 0


if __name__ == "__main__":
    sys.exit(main())
