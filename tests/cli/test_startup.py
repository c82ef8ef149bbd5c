"""Start-up: `--help` and `--version` load none of what the commands need (platforms, HTTP,
pydantic, rich); lazily loaded commands are listed exactly as if they were loaded."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from reconciler.cli import main
from reconciler.cli import options as cli_options
from reconciler.cli.context import ExitCodes
from reconciler.plan import DEFAULT_MAX_CANCEL

HEAVY = ("httpx", "pydantic", "rich", "yaml", "uvicorn", "psycopg", "nacl")


def test_help_loads_no_platform_http_or_model_code() -> None:
    code = (
        "import sys\nfrom reconciler.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r} or m.startswith(('reconciler.providers', 'reconciler.plan')))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.splitlines()[-1] == ""


def test_lazy_commands_are_listed_as_the_loaded_ones_would_be() -> None:
    lazy_help = CliRunner().invoke(main, ["--help"]).output
    for name in ExitCodes.lazy:
        main.get_command(main.make_context("reconciler", ["--help"], resilient_parsing=True), name)
    saved, ExitCodes.lazy = ExitCodes.lazy, {}
    try:
        loaded_help = CliRunner().invoke(main, ["--help"]).output
    finally:
        ExitCodes.lazy = saved

    assert lazy_help == loaded_help
    assert "sandbox " in lazy_help


def test_the_help_texts_cancel_limit_is_the_planners() -> None:
    assert cli_options.DEFAULT_MAX_CANCEL == DEFAULT_MAX_CANCEL


def test_the_help_texts_compact_threshold_is_the_renderers() -> None:
    from reconciler.render import COMPACT_ABOVE

    assert cli_options.COMPACT_ABOVE == COMPACT_ABOVE
