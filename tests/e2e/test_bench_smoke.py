"""bench/throughput.py runs end to end (a short run, not a measurement) and its accounting adds up.

Needs wrk (`apt-get install -y wrk`; CI's .ci/run installs it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"rps", "p50_ms", "p99_ms", "errors", "bare_rps", "ratio", "peak_rss_mb", "answered_201", "rows_stored"}
KEYS |= {"cpu_ms_per_request", "bare_cpu_ms_per_request", "cpu_ratio", "event_loop_busy"}


def test_throughput_bench_reports_every_key_and_loses_no_comment() -> None:
    connections = 4
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "throughput.py"), "--seconds", "2", "--connections", str(connections)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert KEYS <= set(report)
    assert report["errors"] == 0 and report["answered_201"] > 0 and report["rps"] > 0 and report["bare_rps"] > 0
    assert report["cpu_ms_per_request"] > 0 and report["bare_cpu_ms_per_request"] > 0
    assert 0 < report["event_loop_busy"] <= 1.05  # clock ticks of 10 ms: a little over 1 can happen
    # Every 201 has its row and every row its 201: wrk stops sending whole comments a second before
    # it hangs up, so no answer is left in flight (post_comments.lua).
    assert report["lost_201"] == 0 and report["stored_unanswered"] == 0
    assert report["rows_stored"] == report["answered_201"]
