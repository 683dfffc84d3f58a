"""Random bytes for request ids and encryption nonces, drawn from the OS in blocks.

`os.urandom` lets go of the GIL for its system call, and under load the SQLite writer thread takes
it meanwhile: with a call for every request id and every email nonce, that costs ~2% of the
service's CPU (py-spy). The bytes handed out are the OS generator's all the same, each used once;
only the system calls are fewer.
"""

from __future__ import annotations

import os
import threading

# Bytes drawn from the OS at a time: some 150 requests' ids and nonces.
DRAW_BYTES = 4096


class RandomPool:
    """Hands out bytes from `os.urandom`, each byte at most once, drawing `draw_bytes` at a time."""

    def __init__(self, draw_bytes: int = DRAW_BYTES) -> None:
        self._draw_bytes = draw_bytes
        self._block = b""
        self._used = 0
        self._lock = threading.Lock()  # threads (tests' clients, the CLI) may share the pool
        # A forked child must not hand out the bytes its parent will also hand out.
        os.register_at_fork(after_in_child=self._forget)

    def take(self, n: int) -> bytes:
        with self._lock:
            if self._used + n > len(self._block):
                self._block = os.urandom(max(n, self._draw_bytes))
                self._used = 0
            start = self._used
            self._used += n
            return self._block[start : self._used]

    def _forget(self) -> None:
        self._lock = threading.Lock()  # the parent's lock may have been held when it forked
        self._block = b""
        self._used = 0


# One pool per process, as there is one `os.urandom`.
random_pool = RandomPool()
