"""The model registry: every trained version kept in its own folder, one of them current.

Layout under the registry root (by default `DATA_DIR/models/`):

    <version>/model.joblib, card.json, report.md ...   one folder per version, never rewritten
    CURRENT                                            the current version's name, replaced atomically
    history.jsonl                                      every change of CURRENT, for rollback and audit

A running service watches CURRENT and loads the version it names; with no CURRENT it serves the
shipped model. Writing CURRENT through a temporary file and `os.replace` means a reader sees the
old name or the new one, never half a name.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.classifier import CARD_FILE, MODEL_FILE, SHIPPED_MODEL_DIR

CURRENT_FILE = "CURRENT"
HISTORY_FILE = "history.jsonl"
SHIPPED = "shipped"


@dataclass(frozen=True)
class VersionInfo:
    version: str
    path: Path
    card: dict[str, Any]
    current: bool


class ModelRegistry:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # -- reading ----------------------------------------------------------------------------

    def current_version(self) -> str | None:
        try:
            name = (self.root / CURRENT_FILE).read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def path_of(self, version: str) -> Path:
        if version == SHIPPED:
            return SHIPPED_MODEL_DIR
        path = self.root / version
        if not (path / MODEL_FILE).exists() or not (path / CARD_FILE).exists():
            raise LookupError(f"no model version {version!r} in {self.root}")
        return path

    def current_path(self) -> Path:
        """The folder of the model a service should serve now: CURRENT's, else the shipped one."""
        version = self.current_version()
        return self.path_of(version) if version else SHIPPED_MODEL_DIR

    def versions(self) -> list[VersionInfo]:
        """Every stored version, oldest first, with the shipped model as the first entry."""
        current = self.current_version() or SHIPPED
        found = [VersionInfo(SHIPPED, SHIPPED_MODEL_DIR, _card(SHIPPED_MODEL_DIR), current == SHIPPED)]
        if self.root.exists():
            folders = [p for p in self.root.iterdir() if p.is_dir() and (p / CARD_FILE).exists()]
            for path in sorted(folders, key=lambda p: (_card(p).get("created_at", ""), p.name)):
                found.append(VersionInfo(path.name, path, _card(path), path.name == current))
        return found

    def history(self) -> list[dict[str, Any]]:
        try:
            lines = (self.root / HISTORY_FILE).read_text().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    # -- changing ---------------------------------------------------------------------------

    def add(self, artifact_dir: str | Path) -> str:
        """Copies a trained artifact folder in under its card's version; returns the version."""
        artifact_dir = Path(artifact_dir)
        version = str(_card(artifact_dir)["version"])
        target = self.root / version
        if target.exists():
            raise ValueError(f"model version {version!r} is already in the registry")
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=self.root))
        shutil.copytree(artifact_dir, staging, dirs_exist_ok=True)
        staging.rename(target)  # a half-copied version is never visible under its name
        return version

    def promote(self, version: str, reason: str = "promote") -> None:
        self.path_of(version)  # refuses an unknown version before anything changes
        previous = self.current_version() or SHIPPED
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".current-", dir=self.root)
        with os.fdopen(fd, "w") as fh:
            fh.write(version + "\n")
        os.replace(tmp, self.root / CURRENT_FILE)
        entry = {"at": _now(), "action": reason, "from": previous, "to": version}
        with (self.root / HISTORY_FILE).open("a") as fh:
            fh.write(json.dumps(entry) + "\n")

    def rollback(self) -> str:
        """Makes the version that was current before the last promotion current again.

        History is replayed as a stack (a promotion pushes, a rollback pops), so rolling back
        twice walks back two promotions instead of flipping between the last two versions.
        """
        stack = [SHIPPED]
        for entry in self.history():
            if entry.get("action") == "rollback" and len(stack) > 1:
                stack.pop()
            elif entry.get("action") != "rollback":
                stack.append(str(entry["to"]))
        if len(stack) < 2:
            raise LookupError("nothing to roll back to: no earlier promotion is on record")
        target = stack[-2]
        self.promote(target, reason="rollback")
        return target


def _card(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / CARD_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
