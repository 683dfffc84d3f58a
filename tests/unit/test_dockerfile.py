"""The Dockerfile's promises, checked statically (no Docker engine runs here): a slim Python 3.11
base, a non-root user, the shipped model inside, a data volume, a health check on /healthz and the
serve command as entry point; and every path it copies exists."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    logical, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    pairs = []
    for line in logical:
        keyword, _, rest = line.strip().partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def command_words(arguments: str) -> list[str]:
    """An ENTRYPOINT/CMD in exec form (a JSON array) or shell form, as words."""
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions((ROOT / "Dockerfile").read_text())


def values(dockerfile: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for kw, args in dockerfile if kw == keyword]


def test_base_is_slim_python_311(dockerfile: list[tuple[str, str]]) -> None:
    (base,) = values(dockerfile, "FROM")
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base.split()[0]), base


def test_runs_as_a_non_root_user(dockerfile: list[tuple[str, str]]) -> None:
    users = values(dockerfile, "USER")
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    # The last USER comes after every RUN, so the server process is the one that is not root.
    keywords = [kw for kw, _ in dockerfile]
    assert max(i for i, kw in enumerate(keywords) if kw == "RUN") < max(
        i for i, kw in enumerate(keywords) if kw == "USER"
    )


def test_the_data_directory_is_a_volume(dockerfile: list[tuple[str, str]]) -> None:
    env = " ".join(values(dockerfile, "ENV"))
    data_dir = re.search(r"COMMENTS_DATA_DIR=(\S+)", env)
    assert data_dir, "the image must point the service's data folder somewhere"
    volumes = [v for args in values(dockerfile, "VOLUME") for v in command_words(args)]
    assert data_dir.group(1) in volumes


def test_health_check_asks_healthz(dockerfile: list[tuple[str, str]]) -> None:
    (check,) = values(dockerfile, "HEALTHCHECK")
    assert " CMD " in f" {check} " and "/healthz" in check


def test_the_entry_point_serves(dockerfile: list[tuple[str, str]]) -> None:
    words = [w for kw in ("ENTRYPOINT", "CMD") for args in values(dockerfile, kw)[-1:] for w in command_words(args)]
    assert words[:4] == ["python", "-m", "service", "serve"], words


def copied_sources(dockerfile: list[tuple[str, str]]) -> list[str]:
    sources = []
    for args in values(dockerfile, "COPY") + values(dockerfile, "ADD"):
        words = [w for w in command_words(args) if not w.startswith("--")]
        if any(w.startswith("--from") for w in command_words(args)):
            continue  # from another build stage, not from the project
        sources += words[:-1]
    return sources


def test_every_copied_path_exists(dockerfile: list[tuple[str, str]]) -> None:
    sources = copied_sources(dockerfile)
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such path in the project"


def test_the_shipped_model_is_copied_and_not_ignored(dockerfile: list[tuple[str, str]]) -> None:
    shipped = Path("model/shipped")
    assert any(shipped == Path(s) or Path(s) in shipped.parents or s == "." for s in copied_sources(dockerfile))
    assert {p.name for p in (ROOT / shipped).iterdir()} >= {"card.json", "model.joblib"}
    ignore = ROOT / ".dockerignore"
    patterns = [p.strip() for p in ignore.read_text().splitlines() if p.strip() and not p.startswith("#")]
    for path in ("model", "model/shipped", "model/shipped/model.joblib", "model/shipped/card.json", "service"):
        assert not any(fnmatch.fnmatch(path, p.rstrip("/")) for p in patterns), path
