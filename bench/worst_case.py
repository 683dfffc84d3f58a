"""Hostile comment texts: CPU per comment at the size limit, and /healthz latency while they are posted.

    .venv/bin/python bench/worst_case.py [--rounds 3] [--per-phase 4] [--case-timeout 10] [--no-http]

Part 1 (in a child process, one case at a time, killed when a case runs past `--case-timeout`
seconds): for each worst known input of every text rule (link counting, contact masking) and of the
classifier's own patterns, built to the largest comment accepted (65,525 bytes), the CPU time of
`mask_contacts`, `count_links`, and scoring with the shipped model including the explanation a held
comment gets. The target: at most 50 ms of CPU per comment, scoring and masking included, whatever
the text. Plain prose of the same size is the baseline.

Part 2: starts `python -m service serve` (uvicorn, a fresh SQLite file in a temporary folder, the
shipped model), then POSTs to /comments, one at a time, rounds of the worst comments alternated with
rounds of plain comments of the same size, while a second client asks GET /healthz every 10 ms. It
reports per kind the /comments answer time, the server's CPU time per comment (from /proc), and the
/healthz latency measured meanwhile. A case that ran past the timeout in part 1 is left out of part 2
(it would hold the event loop for that long) and named; `--leave-out-over MS` leaves out the cases
over a CPU figure too, to see how the rest fare alone.

Progress goes to stderr; stdout gets the tables, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_COMMENT_BYTES = 65_525
BUDGET_MS = 50.0
MODEL_CHARS = 5_000  # model/features.py: MAX_CHARS
PROSE = (
    "The council voted 7 to 2 on the budget at the town hall; the mayor said the plan (at last) would pass. "
    "See https://www.example.org/vote or www.example.net, write to jane@example.org or call 212-555-0199. "
)


def fill(unit: str, prefix: str = "", suffix: str = "", size: int = MAX_COMMENT_BYTES) -> str:
    room = size - len(prefix.encode()) - len(suffix.encode())
    return prefix + unit * (room // len(unit.encode())) + suffix


# name -> (family, text); the family says whose patterns the case was built against.
def worst_cases(size: int = MAX_COMMENT_BYTES) -> dict[str, tuple[str, str]]:
    def f(unit: str, prefix: str = "", suffix: str = "") -> str:
        return fill(unit, prefix, suffix, size)

    half = size // 2
    return {
        "plain prose": ("baseline", f(PROSE)),
        # the inputs of issue 20
        "<a href  repeated, no >": ("links", f("<a href ")),
        "[url= repeated": ("links", f("[url=")),
        "at/dot words": ("email", f("a at a dot ")),
        "@ then a. run": ("email", f("a.", prefix="@")),
        # more of each family
        "<a href=x> repeated": ("links", f("<a href=x>")),
        "[url] repeated": ("links", f("[url]")),
        "https://www. repeated": ("links", f("https://www.")),
        "www. repeated": ("links", f("www.")),
        "a-run @ a-run": ("email", f("a", suffix="@" + "a" * (half - 1))),
        "a@ repeated": ("email", f("a@")),
        "a @  repeated": ("email", f("a @ ")),
        "[at]/[dot] repeated": ("email", f("a [at] a [dot] ")),
        "(at) repeated": ("email", f("a(at)")),
        "zero-width in a. run": ("email", f("\u200ba.", prefix="@")),
        "full-width @ and .": ("email", f("a＠a．")),
        "digits": ("phone", f("1")),
        "1. repeated": ("phone", f("1.")),
        "+1 2  repeated": ("phone", f("+1 2 ")),
        "(123)  repeated": ("phone", f("(123) ")),
        # the classifier's patterns (model/normalize.py, model/patterns.py); the classifier reads the
        # first MODEL_CHARS characters, so its worst cases fill those, then prose fills the rest
        "a-run @ a-run, model prefix": (
            "model",
            f(PROSE, prefix="a" * (MODEL_CHARS // 2) + "@" + "a" * (MODEL_CHARS // 2)),
        ),
        "@ a. run, model prefix": ("model", f(PROSE, prefix="@" + "a." * (MODEL_CHARS // 2))),
        "a1 run then @, model prefix": ("model", f(PROSE, prefix="a1" * (MODEL_CHARS // 2 - 1) + " @")),
        "a. run then @, model prefix": ("model", f(PROSE, prefix="a." * (MODEL_CHARS // 2 - 1) + " @")),
        "a! repeated, _ at end": ("model", f("a!", suffix="_")),
        "a. repeated, _ at end": ("model", f("a.", suffix="_")),
        "a1 repeated": ("model", f("a1")),
        "[url=x repeated": ("model", f("[url=x ")),
    }


def _measure_worker(conn: Connection) -> None:
    """Child process: loads the model once, then measures each text the parent sends."""
    from model import SHIPPED_MODEL_DIR, CommentInput, load_classifier
    from service.intake.links import count_links
    from service.privacy.contacts import mask_contacts

    classifier = load_classifier(SHIPPED_MODEL_DIR)
    assert classifier.score([CommentInput("warm up")])[0].signals is not None

    def score(text: str) -> object:
        return classifier.score([CommentInput(text, "Jane Reader", "")])[0].signals

    steps: dict[str, Callable[[str], object]] = {"mask": mask_contacts, "links": count_links, "score": score}
    conn.send("ready")
    while True:
        text = conn.recv()
        if text is None:
            return
        runs: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(3):
            for name, step in steps.items():
                started = time.process_time()
                step(text)
                runs[name].append((time.process_time() - started) * 1000)
                conn.send(("progress", name))
        conn.send(("done", {name: min(times) for name, times in runs.items()}))


class Measurer:
    """A child process that measures texts, replaced when one runs past the timeout."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.proc = context.Process(target=_measure_worker, args=(child,), daemon=True)
        self.proc.start()
        if not self.conn.poll(120) or self.conn.recv() != "ready":
            raise RuntimeError("the measuring process did not start")

    def measure(self, text: str) -> dict[str, float] | None:
        self.conn.send(text)
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.conn.poll(left):
                self.proc.kill()
                self.proc.join()
                self._start()
                return None
            kind, value = self.conn.recv()
            if kind == "done":
                return value
            deadline = time.monotonic() + self.timeout  # each step of each run gets the timeout

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(5)


def cpu_part(cases: dict[str, tuple[str, str]], timeout: float) -> list[dict]:
    measurer = Measurer(timeout)
    rows = []
    for i, (name, (family, text)) in enumerate(cases.items(), 1):
        print(f"[cpu {i}/{len(cases)}] {name}", file=sys.stderr, flush=True)
        ms = measurer.measure(text)
        row: dict = {"case": name, "family": family, "bytes": len(text.encode())}
        if ms is None:
            row.update(timed_out=True, total_ms=None)
        else:
            row.update({f"{k}_ms": round(v, 2) for k, v in ms.items()})
            row["total_ms"] = round(sum(ms.values()), 2)
            row["within_budget"] = row["total_ms"] <= BUDGET_MS
        rows.append(row)
    measurer.close()
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class HealthProbe(threading.Thread):
    """GET /healthz every `interval` seconds on its own connection; keeps (time sent, latency)."""

    def __init__(self, base: str, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.base, self.interval = base, interval
        self.samples: list[tuple[float, float]] = []
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as client:
            while not self.stop.is_set():
                sent = time.monotonic()
                try:
                    client.get("/healthz").raise_for_status()
                    self.samples.append((sent, time.monotonic() - sent))
                except httpx.HTTPError:
                    self.failures += 1
                time.sleep(self.interval)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _serial(n: int) -> str:
    return f"{n:08d} "


def http_part(texts: dict[str, str], rounds: int, per_phase: int) -> dict:
    plain = fill(PROSE, size=MAX_COMMENT_BYTES - len(_serial(0)))
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
        env["COMMENTS_LOG_LEVEL"] = "warning"
        log = open(Path(folder) / "server.log", "w")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port), "--db", str(Path(folder) / "c.db")],
            cwd=folder,
            env=env | {"PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the server did not start; see {folder}/server.log")
                time.sleep(0.1)
            probe = HealthProbe(base)
            probe.start()
            phases: list[tuple[str, float, float]] = []
            post_ms: dict[str, list[float]] = {"worst": [], "plain": []}
            cpu_ms: dict[str, list[float]] = {"worst": [], "plain": []}
            statuses: dict[str, dict[int, int]] = {"worst": {}, "plain": {}}
            serial = 0
            worst_list = list(texts.items())
            by_case: dict[str, list[float]] = {name: [] for name in texts}
            with httpx.Client(base_url=base, timeout=600) as client:
                for round_ in range(rounds):
                    for kind in ("worst", "plain"):
                        print(f"[http round {round_ + 1}/{rounds}] {kind}", file=sys.stderr, flush=True)
                        batch = worst_list if kind == "worst" else [("plain", plain)] * max(per_phase, len(worst_list))
                        start = time.monotonic()
                        cpu_before = process_cpu_ms(server.pid)
                        for name, text in batch:
                            serial += 1
                            # Every comment its own: the duplicate rule would answer before the rules run.
                            fields = {
                                "comment_post_ID": "worst-case",
                                "comment": _serial(serial) + text,
                                "author": f"Reader {serial}",
                                "email": f"reader{serial}@example.org",
                            }
                            sent = time.monotonic()
                            answer = client.post("/comments", data=fields, headers={"Accept": "application/json"})
                            post_ms[kind].append((time.monotonic() - sent) * 1000)
                            if kind == "worst":
                                by_case[name].append(post_ms[kind][-1])
                            statuses[kind][answer.status_code] = statuses[kind].get(answer.status_code, 0) + 1
                        cpu_ms[kind].append((process_cpu_ms(server.pid) - cpu_before) / len(batch))
                        phases.append((kind, start, time.monotonic()))
            probe.stop.set()
            probe.join(5)
        finally:
            server.terminate()
            server.wait(10)
            log.close()
    health: dict[str, list[float]] = {"worst": [], "plain": []}
    for sent, latency in probe.samples:
        for kind, start, end in phases:
            if start <= sent < end:
                health[kind].append(latency * 1000)
    result = {}
    for kind in ("worst", "plain"):
        result[kind] = {
            "comments": len(post_ms[kind]),
            "statuses": statuses[kind],
            "post_median_ms": round(statistics.median(post_ms[kind]), 1),
            "post_max_ms": round(max(post_ms[kind]), 1),
            "server_cpu_ms_per_comment": round(statistics.median(cpu_ms[kind]), 1),
            "healthz_samples": len(health[kind]),
            "healthz_p50_ms": round(pct(health[kind], 0.5), 2),
            "healthz_p99_ms": round(pct(health[kind], 0.99), 2),
            "healthz_max_ms": round(max(health[kind], default=float("nan")), 2),
        }
    result["healthz_failures"] = probe.failures
    slowest = sorted(by_case.items(), key=lambda item: -statistics.median(item[1]))[:3]
    result["slowest_worst_cases_median_ms"] = {name: round(statistics.median(ms), 1) for name, ms in slowest}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of worst and plain comments in part 2")
    parser.add_argument("--per-phase", type=int, default=8, help="plain comments per round (at least one per case)")
    parser.add_argument("--case-timeout", type=float, default=10.0, help="seconds before a case counts as stalled")
    parser.add_argument("--no-http", action="store_true", help="part 1 only")
    parser.add_argument(
        "--leave-out-over",
        type=float,
        default=None,
        metavar="MS",
        help="also leave out of part 2 the cases over MS of CPU in part 1 (to see the rest alone)",
    )
    args = parser.parse_args()

    cases = worst_cases()
    rows = cpu_part(cases, args.case_timeout)
    print(f"{'case':28} {'family':8} {'mask':>8} {'links':>8} {'score':>8} {'total ms':>9}  budget {BUDGET_MS:g} ms")
    for row in rows:
        if row.get("timed_out"):
            stalled_for = f">{args.case_timeout:g} s"
            print(f"{row['case']:28} {row['family']:8} {'':>8} {'':>8} {'':>8} {stalled_for:>9}  STALLS")
            continue
        print(
            f"{row['case']:28} {row['family']:8} {row['mask_ms']:8.2f} {row['links_ms']:8.2f} {row['score_ms']:8.2f} "
            f"{row['total_ms']:9.2f}  {'ok' if row['within_budget'] else 'OVER'}"
        )
    stalled = [row["case"] for row in rows if row.get("timed_out")]
    over = [row["case"] for row in rows if not row.get("timed_out") and not row["within_budget"]]
    summary: dict = {
        "budget_ms": BUDGET_MS,
        "max_total_ms": max((row["total_ms"] for row in rows if row["total_ms"] is not None), default=None),
        "text_rules_max_ms": max(
            (row["mask_ms"] + row["links_ms"] for row in rows if row["total_ms"] is not None), default=None
        ),
        "over_budget": over,
        "stalled": stalled,
        "cases": rows,
    }
    if not args.no_http:
        # Built again a few bytes short of the limit, to make room for the serial number each comment starts with.
        shorter = worst_cases(MAX_COMMENT_BYTES - len(_serial(0)))
        left_out = stalled + [
            row["case"]
            for row in rows
            if args.leave_out_over is not None and row["total_ms"] is not None and row["total_ms"] > args.leave_out_over
        ]
        posted = {
            name: text for name, (family, text) in shorter.items() if family != "baseline" and name not in left_out
        }
        summary["http"] = http_part(posted, args.rounds, args.per_phase)
        summary["http"]["left_out"] = left_out
        print()
        print(
            f"{'POST /comments':14} {'n':>4} {'median ms':>10} {'max ms':>8} {'cpu ms':>7}  healthz p50 / p99 / max ms"
        )
        for kind in ("worst", "plain"):
            h = summary["http"][kind]
            print(
                f"{kind:14} {h['comments']:4d} {h['post_median_ms']:10.1f} {h['post_max_ms']:8.1f} "
                f"{h['server_cpu_ms_per_comment']:7.1f}  {h['healthz_p50_ms']} / {h['healthz_p99_ms']} / "
                f"{h['healthz_max_ms']}  statuses {h['statuses']}"
            )
        print("slowest worst cases, median ms:", summary["http"]["slowest_worst_cases_median_ms"])
        print("left out of part 2:", left_out or "none")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
