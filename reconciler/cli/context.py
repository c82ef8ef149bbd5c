"""What every command shares: the options of the `reconciler` group, the consoles, error
reporting as one line with the class's exit code, and a group whose usage errors exit 1."""

from __future__ import annotations

import functools
import importlib
import sys
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reconciler.allocator import fix_mmap_threshold
from reconciler.cli.streams import end_if_pipe_broken, guard_streams
from reconciler.errors import ManifestErrors, ReconcilerError
from reconciler.workspace import StateChoice

if TYPE_CHECKING:
    from rich.console import Console

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
        self.color = color
        self.is_sending: bool | None = None
        """Whether changes are being sent to the platforms: False while a command only reads
        (a plan, or an apply before its first call), None when the command does not say."""

    @cached_property
    def out(self) -> Console:
        """The console for results (rich is loaded by the commands that print)."""
        from rich.console import Console

        color = self.color
        return Console(
            no_color=color is False, force_terminal=color or None, highlight=False, soft_wrap=True
        )

    @cached_property
    def err(self) -> Console:
        from rich.console import Console

        return Console(stderr=True, no_color=self.color is False, highlight=False, soft_wrap=True)


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
            click.echo(_interrupted(ctx), err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _interrupted(ctx: Context | None) -> str:
    if ctx is not None and ctx.is_sending is False:
        return "Interrupted before any change was sent to the platforms; nothing to resolve."
    return (
        "Interrupted. What was sent is recorded in state (a call whose answer never came as "
        "pending); run plan or apply again to resolve it and send the rest."
    )


class ExitCodes(click.Group):
    """A click group whose usage errors exit 1, not click's 2: with `--detailed-exitcode`,
    2 must only ever mean "changes present". Commands in `lazy` are imported when run (their
    modules load platforms, HTTP, databases); `--help` lists them from their short help.
    Every command runs with the C allocator tuned for a large firm (`fix_mmap_threshold`)."""

    lazy: dict[str, tuple[str, str, str]] = {}  # noqa: RUF012
    """name -> (module, attribute, short help); filled once where the commands are declared."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attribute, _ = self.lazy[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            else:
                stand_in = click.Command(name, help=self.lazy[name][2])  # same wording rules
                rows.append((name, stand_in.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        fix_mmap_threshold()  # a large firm's run would leave its heap fragmented
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
