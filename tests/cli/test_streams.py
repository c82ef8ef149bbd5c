"""Every command under hostile standard streams and storage: closed stdin/stdout/stderr, a
reader that goes away (`| head`), a non-UTF-8 locale, a read-only or full state directory.
Each ends in one clear line (or quietly, like other tools, for a broken pipe), never a
traceback, and leaves nothing half-written."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.project import Project

EXAMPLE = Path(__file__).parents[2] / "manifests"


def reconciler(
    cwd: Path, *args: str, stdin: int | None = None, close: tuple[int, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the command in a child whose descriptors in `close` are closed by the shell
    (`<&-`, `>&-`, `2>&-`), so that Python starts without them."""
    closing = " ".join(f"{fd}>&-" if fd else "<&-" for fd in close)
    script = f'exec "$0" -m reconciler "$@" {closing}'
    return subprocess.run(
        ["/bin/sh", "-c", script, sys.executable, *args],
        cwd=cwd,
        stdin=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


@pytest.fixture
def example(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "manifests")
    return tmp_path


def test_apply_with_stdin_closed_is_the_one_line_of_dev_null(example: Path) -> None:
    closed = reconciler(example, "apply", close=(0,))
    null = reconciler(example, "apply", stdin=subprocess.DEVNULL)

    expected = "Error: apply needs confirmation: run it in a terminal or pass --auto-approve\n"
    assert (closed.returncode, closed.stderr) == (1, expected)
    assert (null.returncode, null.stderr) == (1, expected)
    assert not (example / "state" / "default.state.json").exists()


@pytest.mark.parametrize(
    "args", [("validate",), ("plan",), ("apply", "--auto-approve"), ("show",), ("drift",)],
    ids=["validate", "plan", "apply", "show", "drift"],
)  # fmt: skip
def test_a_closed_stdout_is_said_once_and_the_command_still_works(
    example: Path, args: tuple[str, ...]
) -> None:
    done = reconciler(example, *args, close=(1,))

    assert done.stderr == "Warning: standard output is closed; output is discarded\n"
    assert done.returncode == 0


def test_a_closed_stderr_does_not_stop_an_apply(example: Path) -> None:
    done = reconciler(example, "apply", "--auto-approve", close=(2,))

    assert done.returncode == 0
    assert "Apply complete" in done.stdout


@pytest.mark.parametrize(
    "args", [("plan",), ("plan", "--format", "json"), ("apply", "--auto-approve"), ("--help",)],
    ids=["plan", "plan-json", "apply", "help"],
)  # fmt: skip
def test_a_reader_that_goes_away_ends_the_run_quietly_by_sigpipe(
    example: Path, args: tuple[str, ...]
) -> None:
    code = (
        "import sys\nsys.argv = ['reconciler', *sys.argv[1:]]\n"
        "from reconciler.cli import main\nmain()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=example,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    child.stdout.close()  # the reader is gone before the first line (`| head -0`)
    stderr = child.stderr.read()
    child.stderr.close()

    assert child.wait(timeout=120) == -signal.SIGPIPE
    assert stderr == b""
    if args[0] == "apply":  # the apply itself finished: state is whole
        assert reconciler(example, "plan", "--detailed-exitcode").returncode == 0


@pytest.mark.parametrize("locale", ["C", "POSIX"])
def test_a_non_utf8_locale_prints_the_plan(example: Path, locale: str) -> None:
    done = reconciler(example, "plan", "--show-waits", LANG=locale, LC_ALL=locale, PYTHONUTF8="0")

    assert done.returncode == 0, done.stderr
    assert "tradovate_entitlement.alice/t-prop" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")],
    ids=["full-disk", "read-only"],
)
def test_a_failed_state_write_is_one_line_and_leaves_state_whole(
    project: Project, monkeypatch: pytest.MonkeyPatch, code: int, reason: str
) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.write(
        "traders/dave.yaml",
        """\
        kind: Trader
        name: dave
        username: dave.green
        email: dave@example.com
        first_name: Dave
        last_name: Green
        password: {generate: true}
        tradovate:
          accounts: [{name: TESTD5, template: eval-100k}]
        """,
    )
    before = project.state_file.read_bytes()
    from reconciler import files

    real = files.write_temporary

    def failing(path: Path, data: bytes) -> Path:
        raise OSError(code, reason)

    monkeypatch.setattr("reconciler.state.local_files.write_temporary", failing)
    result = project.run("apply", "--auto-approve")
    monkeypatch.setattr("reconciler.state.local_files.write_temporary", real)

    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.output
    assert reason in errors[0]
    assert "Traceback" not in result.output
    assert project.state_file.read_bytes() == before
    assert not [p for p in project.state_file.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_state_directory_that_cannot_be_made_is_one_line(example: Path) -> None:
    (example / "state").write_text("not a directory\n")

    done = reconciler(example, "apply", "--auto-approve")

    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"Error: cannot create {example / 'state'}: File exists"]
