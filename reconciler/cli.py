"""The `reconciler` command line: click commands, the exit-code table and wiring.

Exit codes follow Terraform so CI scripts carry over:
    0  success, or no changes
    1  any error (bad manifests, platform errors, failed items, usage errors)
    2  changes present (only with `plan --detailed-exitcode`)
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from reconciler.apply.events import Event
from reconciler.errors import ManifestErrors, ReconcilerError
from reconciler.fault_commands import fault
from reconciler.manifest import load_manifests
from reconciler.providers import schemas
from reconciler.render import ProgressSink, render_plan, render_state, summary_line
from reconciler.sandbox_commands import sandbox
from reconciler.workspace import Workspace, open_workspace

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Options shared by every command."""

    def __init__(
        self, manifests: Path, *, color: bool | None, debug: bool, http_timeout: float = 30.0
    ) -> None:
        self.manifests = manifests
        self.debug = debug
        self.http_timeout = http_timeout
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


@click.group(cls=ExitCodes)
@click.option(
    "--manifests",
    "-m",
    type=click.Path(path_type=Path),
    default=Path("manifests"),
    show_default=True,
    help="Directory of YAML manifests.",
)
@click.option("--color/--no-color", default=None, help="Force or disable colour.")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.option(
    "--http-timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    envvar="RECONCILER_HTTP_TIMEOUT",
    help="Seconds a platform call may take before it counts as failed (outcome unknown).",
)
@click.pass_context
def main(
    ctx: click.Context, manifests: Path, color: bool | None, debug: bool, http_timeout: float
) -> None:
    """Declare a prop firm's traders in YAML; plan and apply them to trading platforms."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs full URLs at INFO
    ctx.obj = Context(manifests, color=color, debug=debug, http_timeout=http_timeout)


pass_context = click.make_pass_decorator(Context)


@main.command()
@pass_context
@reports_errors
def validate(ctx: Context) -> None:
    """Check the manifests; report every problem as file:line: message."""
    desired = load_manifests(ctx.manifests, schemas=schemas())
    ctx.out.print(
        f"The manifests are valid: {len(desired.traders)} trader(s) of firm {desired.firm.name}."
    )


@main.command()
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes, 0 when none, 1 on error.",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Adopt remote objects whose natural key matches an undeclared-in-state entry.",
)
@click.option("--show-noop", is_flag=True, help="Also list unchanged resources.")
@pass_context
@reports_errors
def plan(ctx: Context, detailed_exitcode: bool, adopt: bool, show_noop: bool) -> None:
    """Show what apply would change."""
    with open_workspace(ctx.manifests, http_timeout=ctx.http_timeout) as workspace:
        document = workspace.store.read()
        the_plan, _ = workspace.plan(document, adopt=adopt)
    ctx.out.print(render_plan(the_plan, show_noop=show_noop))
    if detailed_exitcode and the_plan.has_changes:
        sys.exit(EXIT_CHANGES)


@main.command()
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--adopt", is_flag=True, help="As for plan.")
@click.option(
    "--lock-timeout",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds to wait for the state lock.",
)
@pass_context
@reports_errors
def apply(ctx: Context, auto_approve: bool, adopt: bool, lock_timeout: float) -> None:
    """Plan, confirm, and make the platforms match the manifests."""
    with (
        open_workspace(ctx.manifests, http_timeout=ctx.http_timeout) as workspace,
        workspace.store.lock(command="apply", timeout=lock_timeout),
    ):
        document = workspace.store.read()
        the_plan, remote = workspace.plan(document, adopt=adopt)
        ctx.out.print(render_plan(the_plan))
        if not the_plan.has_changes:
            return
        _confirm(auto_approve)
        result = _execute(ctx, workspace, the_plan, remote, document)
    if not result.is_complete:
        raise ReconcilerError(
            f"{len(result.failed)} change(s) failed and "
            f"{len(result.skipped)} were skipped; fix them and apply again"
        )


def _confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "apply needs confirmation: run it in a terminal or pass --auto-approve"
        )
    if not click.confirm("Apply these changes?", default=False):
        raise ReconcilerError("apply cancelled")


def _execute(ctx: Context, workspace: Workspace, the_plan: Any, remote: Any, document: Any) -> Any:
    total = sum(1 for c in the_plan.changes if c.action.is_change)
    with ProgressSink(ctx.out, total=total) as sink:
        events: Callable[[Event], None] = sink
        return workspace.apply(the_plan, remote, document, sink=events)


@main.command()
@pass_context
@reports_errors
def show(ctx: Context) -> None:
    """Print the recorded state (addresses, remote ids, attributes; never secrets)."""
    with open_workspace(ctx.manifests, connect=False) as workspace:
        document = workspace.store.read()
    rows = {address: record.model_dump() for address, record in document.resources.items()}
    ctx.out.print(render_state(rows))


@main.group()
def state() -> None:
    """Inspect or repair the recorded state."""


@state.command("unlock")
@click.argument("lock_id")
@pass_context
@reports_errors
def state_unlock(ctx: Context, lock_id: str) -> None:
    """Release a lock whose holder is gone (the id is in the 'state is locked' error)."""
    with open_workspace(ctx.manifests, connect=False) as workspace:
        workspace.store.unlock(lock_id)
    ctx.out.print(f"Released lock {lock_id}.")


main.add_command(sandbox)
sandbox.add_command(fault)

__all__ = ["main", "summary_line"]
