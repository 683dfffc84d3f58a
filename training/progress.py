"""A one-line progress display on stderr while training runs on a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts named steps; redraws ``[k/n] step (elapsed)`` on a TTY, prints nothing otherwise.

    Quiet off a terminal so CI logs and piped JSON stay clean; ``verbose=True`` forces one line
    per step.
    """

    def __init__(self, total: int, stream: TextIO | None = None, verbose: bool | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.verbose = self.tty if verbose is None else verbose
        self.started = time.monotonic()

    def step(self, label: str) -> None:
        """Mark the start of the next step."""
        self.done += 1
        if not self.verbose:
            return
        elapsed = time.monotonic() - self.started
        line = f"[{min(self.done, self.total)}/{self.total}] {label} ({elapsed:.0f}s)"
        if self.tty:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.verbose and self.tty:
            elapsed = time.monotonic() - self.started
            self.stream.write(f"\r\033[Kdone in {elapsed:.0f}s\n")
            self.stream.flush()
