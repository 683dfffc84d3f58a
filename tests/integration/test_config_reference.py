"""The configuration reference in docs/operations.md is the one `OPTIONS` generates, and `--help` agrees with it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from service.cli.privacy import config_table
from service.settings import OPTIONS

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "service", *args], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    )
    return result.stdout


def test_the_operations_table_is_the_generated_one() -> None:
    readme = (ROOT / "docs" / "operations.md").read_text()
    found = re.search(r"<!-- config-table -->\n(.*?)<!-- /config-table -->", readme, re.S)
    assert found, "docs/operations.md has no <!-- config-table --> section"
    assert found.group(1) == config_table(), "regenerate it: python -m service config-table --update docs/operations.md"
    assert run("config-table") == config_table()


def test_every_option_is_in_the_table_and_in_serve_help() -> None:
    table, help_text = config_table(), run("serve", "--help")
    for opt in OPTIONS:
        flag = "--" + opt.name.replace("_", "-")
        row = next(line for line in table.splitlines() if line.startswith(f"| `{flag}` |"))
        assert f"`{opt.env}`" in row and (f"`{opt.default}`" in row if opt.default != "" else "(none)" in row)
        assert flag in help_text and opt.env in help_text
        assert f"[env {opt.env}; default {opt.default!r}]" in " ".join(help_text.split())


def test_operator_commands_show_their_storage_options_and_environment() -> None:
    for command in (["privacy", "export"], ["privacy", "erase"], ["purge"]):
        help_text = run(*command, "--help")
        for flag, env in (("--db", "COMMENTS_DB"), ("--data-dir", "COMMENTS_DATA_DIR")):
            assert flag in help_text and env in help_text, command
    assert "COMMENTS_RETENTION_DAYS" in run("purge", "--help")


def test_update_rewrites_only_the_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Intro\n\n<!-- config-table -->\n| stale |\n<!-- /config-table -->\n\nAfter.\n")
    run("config-table", "--update", str(readme))
    assert readme.read_text() == f"# Intro\n\n<!-- config-table -->\n{config_table()}<!-- /config-table -->\n\nAfter.\n"
