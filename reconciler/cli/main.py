"""The `reconciler` command line: click commands, the exit-code table and wiring.

Exit codes follow Terraform so CI scripts carry over:
    0  success, or no changes (no drift)
    1  any error (bad manifests, platform errors, failed items, usage errors, a stale saved
       plan, a guardrail), and `fmt --check` finding files to reformat
    2  changes present (only with `plan --detailed-exitcode`), drift found (only with
       `drift --detailed-exitcode`)
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reconciler.cli.annotations import annotated_errors, print_problems, review_format_option
from reconciler.cli.commands import LAZY_COMMANDS
from reconciler.cli.context import (
    EXIT_CHANGES,
    Context,
    ExitCodes,
    pass_context,
    reports_errors,
)
from reconciler.cli.ending import keep_to_the_end
from reconciler.cli.options import (
    PLANFILE,
    format_option,
    plan_options,
    plan_options_from,
    text_plan_options,
)
from reconciler.collector import quiet_gc
from reconciler.errors import ManifestError
from reconciler.workspace import BACKENDS, StateChoice

if TYPE_CHECKING:
    pass

# What each command needs is imported when it runs: `--help` and `--version` load none of it.


class LocatedFormatter(logging.Formatter):
    """`LEVEL name: message`, except for warnings about a manifest file, which already read
    `file:line: warning: message`."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "is_located", False):
            return record.getMessage()
        return super().format(record)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (a test runner swaps it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        """The stream is always the current stderr."""


@click.group(cls=ExitCodes, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    package_name="prop-firm-reconciler", prog_name="reconciler", message="%(prog)s %(version)s"
)
@click.option(
    "--manifests",
    "-m",
    type=click.Path(path_type=Path),
    default=Path("manifests"),
    show_default=True,
    help="Directory of YAML manifests.",
)
@click.option("--color/--no-color", default=None, help="Force or disable colour.")
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    envvar="RECONCILER_BACKEND",
    default=None,
    help="State backend, instead of the Firm manifest's settings.state.backend "
    "[env RECONCILER_BACKEND].",
)
@click.option(
    "--workspace",
    "-w",
    envvar="RECONCILER_WORKSPACE",
    default=None,
    help="State workspace (e.g. staging, production), instead of settings.state.workspace "
    "[env RECONCILER_WORKSPACE].",
)
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
    ctx: click.Context,
    manifests: Path,
    color: bool | None,
    backend: str | None,
    workspace: str | None,
    debug: bool,
    http_timeout: float,
) -> None:
    """Declare a prop firm's traders in YAML; plan and apply them to trading platforms."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if not any(isinstance(handler, StderrHandler) for handler in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(LocatedFormatter())
        root.addHandler(handler)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs full URLs at INFO
    choice = StateChoice(backend=backend, workspace=workspace)
    ctx.obj = Context(manifests, color=color, debug=debug, choice=choice, http_timeout=http_timeout)


@main.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@review_format_option(formats=("text", "json", "github"))
@pass_context
@reports_errors
def validate(ctx: Context, directory: Path | None, output_format: str) -> None:
    """Check the manifests (DIRECTORY, default the --manifests one) offline: no platform call,
    no state. Every problem as file:line: message, a JSON list (--format json) or GitHub
    annotations (--format github)."""
    import os

    from reconciler.manifest import ParseCache, load_manifests
    from reconciler.providers import schemas

    try:
        with quiet_gc(keep=True):
            desired = load_manifests(
                directory or ctx.manifests,
                schemas=schemas(),
                cache=ParseCache.default(os.environ),
            )
    except ManifestError as exc:
        print_problems(exc, output_format)
        raise
    keep_to_the_end(desired)  # not freed one by one: the run ends
    if output_format == "json":
        click.echo("[]")
        return
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
@text_plan_options
@plan_options
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Save the plan to FILE, for `reconciler apply FILE` after review.",
)
@review_format_option()
@pass_context
@reports_errors
def plan(
    ctx: Context,
    detailed_exitcode: bool,
    adopt: bool,
    show_noop: bool,
    detail: bool,
    show_waits: bool,
    targets: tuple[str, ...],
    max_cancel: int | None,
    out: Path | None,
    output_format: str,
) -> None:
    """Show what apply would change."""
    from reconciler.cli.output import print_plan
    from reconciler.workspace import open_workspace, save_plan

    ctx.is_sending = False
    options = plan_options_from(adopt=adopt, targets=targets, max_cancel=max_cancel)
    with (
        annotated_errors(output_format, title="reconciler plan"),
        quiet_gc(keep=True),
        open_workspace(
            ctx.manifests, choice=ctx.choice, http_timeout=ctx.http_timeout
        ) as workspace,
    ):
        document = workspace.store.read()
        # this run writes no state: the records are let go once read (the header is kept)
        the_plan, _ = workspace.plan(document, options=options, release=True)
        if out is not None:
            save_plan(out, the_plan, options=options, workspace=workspace, document=document)
        print_plan(
            ctx.out,
            the_plan,
            output_format,
            show_noop=show_noop,
            options=options,
            detail=detail,
            show_waits=show_waits,
            since=the_plan.wait_starts,
        )
    keep_to_the_end(the_plan, document, workspace)  # not freed one by one: the run ends
    if out is not None:
        click.echo(
            f"Saved the plan to {out}; apply exactly it with: reconciler apply {out}", err=True
        )
    if detailed_exitcode and the_plan.has_changes:
        sys.exit(EXIT_CHANGES)


@main.command()
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when the platforms drifted from the recorded state, 0 when not, 1 on error.",
)
@review_format_option()
@pass_context
@reports_errors
def drift(ctx: Context, detailed_exitcode: bool, output_format: str) -> None:
    """Refresh only: report what changed on the platforms outside reconciler since the last
    apply (changed values, deleted objects, objects that appeared); plans nothing."""
    from reconciler.cli.output import print_drift
    from reconciler.workspace import open_workspace

    ctx.is_sending = False
    with (
        annotated_errors(output_format, title="reconciler drift"),
        quiet_gc(keep=True),
        open_workspace(
            ctx.manifests, choice=ctx.choice, http_timeout=ctx.http_timeout
        ) as workspace,
    ):
        report = workspace.drift(workspace.store.read(), release=True)  # writes no state
    print_drift(ctx.out, report, output_format)
    keep_to_the_end(report, workspace)  # not freed one by one: the run ends
    if detailed_exitcode and report.has_drift:
        sys.exit(EXIT_CHANGES)


@main.command()
@click.argument("planfile", required=False, type=PLANFILE)
@format_option
@text_plan_options
@pass_context
@reports_errors
def show(
    ctx: Context, planfile: Path | None, output_format: str, detail: bool, show_waits: bool
) -> None:
    """Print the saved plan PLANFILE; without it, the recorded state (addresses, remote ids,
    attributes; never secrets)."""
    from reconciler.cli.output import print_saved_plan, print_state

    if planfile is not None:
        from reconciler.workspace import read_saved_plan

        saved = read_saved_plan(planfile)
        print_saved_plan(ctx.out, saved, output_format, detail=detail, show_waits=show_waits)
        return
    from reconciler.workspace import open_state  # the state store alone: no platform code

    # a large state's records and their lines are many objects in no cycle: not scanned by
    # the collector as they are made; the text's rows and lines go a part at a time
    with quiet_gc(keep=True):
        with open_state(ctx.manifests, choice=ctx.choice) as store:
            document = store.read()
        keep_to_the_end(document)
        print_state(ctx.out, document, output_format)


ExitCodes.lazy = dict(LAZY_COMMANDS)
