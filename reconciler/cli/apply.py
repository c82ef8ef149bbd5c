"""`reconciler apply`: plan (or take a reviewed saved plan), confirm, execute with progress,
and fail when a change failed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reconciler.cli.context import Context, pass_context, reports_errors
from reconciler.cli.ending import keep_to_the_end
from reconciler.cli.options import (
    PLANFILE,
    plan_options,
    plan_options_from,
    refuse_options_with_saved_plan,
    text_plan_options,
)
from reconciler.collector import frozen_gc, quiet_gc
from reconciler.errors import ReconcilerError

if TYPE_CHECKING:
    from reconciler.apply import Event
    from reconciler.workspace import Workspace


@click.command()
@click.argument("planfile", required=False, type=PLANFILE)
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--adopt", is_flag=True, help="As for plan.")
@text_plan_options
@plan_options
@click.option(
    "--lock-timeout",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds to wait for the state lock.",
)
@pass_context
@reports_errors
def apply(
    ctx: Context,
    planfile: Path | None,
    auto_approve: bool,
    adopt: bool,
    detail: bool,
    show_waits: bool,
    targets: tuple[str, ...],
    max_cancel: int | None,
    lock_timeout: float,
) -> None:
    """Plan, confirm, and make the platforms match the manifests. With PLANFILE (from
    `plan --out`): apply exactly that reviewed plan, without asking, or refuse if the state,
    the manifests or the platforms changed since."""
    from reconciler.cli.output import print_plan, warn_appeared
    from reconciler.workspace import open_workspace, plan_to_apply, read_saved_plan

    ctx.is_sending = False
    saved = None
    if planfile is not None:
        refuse_options_with_saved_plan(planfile)
        saved = read_saved_plan(planfile)
    with (
        quiet_gc(keep=True),
        open_workspace(
            ctx.manifests, choice=ctx.choice, http_timeout=ctx.http_timeout
        ) as workspace,
        workspace.store.lock(command="apply", timeout=lock_timeout),
    ):
        document = workspace.store.read()
        options = plan_options_from(adopt=adopt, targets=targets, max_cancel=max_cancel)
        the_plan, remote, appeared = plan_to_apply(
            workspace, document, saved=saved, options=options
        )
        keep_to_the_end(the_plan, remote, document, workspace)  # not freed one by one
        print_plan(
            ctx.out,
            the_plan,
            "text",
            detail=detail,
            show_waits=show_waits,
            since=the_plan.wait_starts,
        )
        warn_appeared(appeared)
        if not the_plan.has_changes:
            workspace.record_facts(remote, document)
            return
        if saved is None:
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
    if sys.stdin is None or not sys.stdin.isatty():
        raise ReconcilerError(
            "apply needs confirmation: run it in a terminal or pass --auto-approve"
        )
    if not click.confirm("Apply these changes?", default=False):
        raise ReconcilerError("apply cancelled")


def _execute(ctx: Context, workspace: Workspace, the_plan: Any, remote: Any, document: Any) -> Any:
    from reconciler.render import ProgressSink

    total = sum(1 for c in the_plan.changes if c.calls_platform)
    bar = ctx.out if ctx.out.is_terminal else ctx.err  # a bar only where a person looks
    with (
        frozen_gc(),
        ProgressSink(ctx.out, bar=bar, total=total, started=ctx.started) as sink,
    ):
        events: Callable[[Event], None] = sink
        ctx.is_sending = True
        return workspace.apply(the_plan, remote, document, sink=events)


__all__ = ["apply"]
