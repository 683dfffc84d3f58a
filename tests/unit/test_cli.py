import subprocess
import sys

from service.cli.main import build_parser
from service.settings import OPTIONS, Settings


def test_serve_help_names_every_option_and_its_environment_variable() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "service", "serve", "--help"], capture_output=True, text=True, check=True
    )
    for opt in OPTIONS:
        assert "--" + opt.name.replace("_", "-") in out.stdout
        assert opt.env in out.stdout


def test_flags_win_over_environment_which_wins_over_defaults() -> None:
    args = build_parser().parse_args(["serve", "--port", "9001"])
    settings = Settings.from_sources(
        {"port": args.port, "host": None}, {"COMMENTS_PORT": "9002", "COMMENTS_HOST": "0.0.0.0"}
    )
    assert (settings.port, settings.host) == (9001, "0.0.0.0")
    defaults = Settings.from_sources({}, {})
    assert defaults.port == 8000 and defaults.db_target.endswith("comments.db")
