"""What every command shares: the options of the `reconciler` group, the consoles, error
reporting as one line with the class's exit code, and a group whose usage errors exit 1."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from reconciler.backends import StateChoice
from reconciler.errors import ManifestErrors, ReconcilerError
from reconciler.streams import end_if_pipe_broken, guard_streams

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Options shared by every command."""

    def __init__(
        self,
        manifests: Path,
        *,
        color: bool | None,
        debug: bool,
        choice: StateChoice | None = None,
        http_timeout: float = 30.0,
    ) -> None:
        self.manifests = manifests
        self.started = time.monotonic()
        """When the command began: apply's summary counts its time from here."""
        self.http_timeout = http_timeout
        self.debug = debug
        self.choice = choice or StateChoice()
        self.out = Console(
            no_color=color is False, force_terminal=color or None, highlight=False, soft_wrap=True
        )
        self.err = Console(stderr=True, no_color=color is False, highlight=False, soft_wrap=True)


def reports_errors(command: F) -> F:
    """Print a ReconcilerError as one `Error: ...` line (manifest errors one per line) and
    exit 1; the traceback only with --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context().find_object(Context)
        try:
            return command(*args, **kwargs)
        except ReconcilerError as exc:
            if ctx is not None and ctx.debug:
                raise
            if isinstance(exc, ManifestErrors):
                for error in exc.errors:
                    click.echo(error.located(), err=True)
                click.echo(f"Error: {len(exc.errors)} problem(s) in the manifests", err=True)
            else:
                click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo(
                "Interrupted. Operations in flight are recorded as pending in state; "
                "run plan or apply again to resolve them.",
                err=True,
            )
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


class ExitCodes(click.Group):
    """A click group whose usage errors exit 1, not click's 2: with `--detailed-exitcode`,
    2 must only ever mean "changes present"."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        if "stdout" in guard_streams():
            click.echo("Warning: standard output is closed; output is discarded", err=True)
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(EXIT_ERROR)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(EXIT_ERROR)
        finally:
            end_if_pipe_broken()


pass_context = click.make_pass_decorator(Context)

__all__ = [
    "EXIT_CHANGES",
    "EXIT_ERROR",
    "EXIT_OK",
    "Context",
    "ExitCodes",
    "pass_context",
    "reports_errors",
]
