"""The master key file: made once, private, and the same for processes that start at the same moment."""

from __future__ import annotations

import base64
import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from service.privacy.email_vault import KEY_FILE_NAME, load_or_create_master_key

PROCESSES = 6
ROUNDS = 15


def _start_together(barrier: Barrier, data_dir: str, results: multiprocessing.Queue) -> None:
    barrier.wait()
    try:
        results.put(base64.b64encode(load_or_create_master_key("", Path(data_dir))).decode())
    except Exception as error:  # noqa: BLE001 - any failure is what the test reports
        results.put(f"error: {error!r}")


def test_processes_starting_at_once_end_with_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(ROUNDS):
        data_dir = tmp_path / f"round-{round_}" / "data"  # not there yet: each process may make it
        barrier = context.Barrier(PROCESSES)
        results = context.Queue()
        workers = [
            context.Process(target=_start_together, args=(barrier, str(data_dir), results)) for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        keys = [results.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        assert len(set(keys)) == 1, keys
        assert not keys[0].startswith("error")
        key_file = data_dir / KEY_FILE_NAME
        assert base64.b64encode(load_or_create_master_key("", data_dir)).decode() == keys[0]
        assert key_file.stat().st_mode & 0o077 == 0
        assert [p.name for p in data_dir.iterdir()] == [KEY_FILE_NAME]  # no candidate file left behind


def test_a_configured_key_wins_and_no_file_is_made(tmp_path: Path) -> None:
    configured = base64.urlsafe_b64encode(bytes(range(32))).decode()
    assert load_or_create_master_key(configured, tmp_path / "data") == bytes(range(32))
    assert not (tmp_path / "data").exists()
