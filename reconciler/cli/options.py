"""Click options shared by several commands: `--format`, `--target`, `--max-cancel`, `--detail`
and `--show-waits`, and the rule that a saved plan is applied with the options it was made with."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from reconciler.cli.completion import complete_target

if TYPE_CHECKING:
    from reconciler.plan import PlanOptions

DEFAULT_MAX_CANCEL = 5
"""reconciler.plan's DEFAULT_MAX_CANCEL, for the help text without loading the planner (a test
keeps the two equal)."""

COMPACT_ABOVE = 500
"""reconciler.render's COMPACT_ABOVE, for the help text without loading the renderer (a test
keeps the two equal)."""

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("text", "markdown", "json")
PLANFILE = click.Path(path_type=Path, dir_okay=False, exists=True)
"""A saved plan argument: an existing file."""


def format_option(command: F) -> F:
    """`--format text|markdown|json`, passed to the command as `output_format`."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="text for a terminal, markdown for a pull-request comment, json for scripts.",
    )(command)


def text_plan_options(command: F) -> F:
    """`--detail` and `--show-waits` (as `detail`, `show_waits`): how much of a plan text shows."""
    command = click.option(
        "--show-waits",
        is_flag=True,
        help="Text: list every waiting change (by default waits are grouped by reason, one "
        "line each, with the oldest wait and the first names).",
    )(command)
    return click.option(
        "--detail",
        is_flag=True,
        help="Text: show every attribute of every change. By default a plan of more than "
        f"{COMPACT_ABOVE} changes shows one line per change ({COMPACT_ABOVE} is reconciler's "
        "own threshold, assumed).",
    )(command)


def plan_options(command: F) -> F:
    """`--target` (repeatable, as `targets`) and `--max-cancel`, shared by plan and apply."""
    command = click.option(
        "--max-cancel",
        type=click.IntRange(min=0),
        envvar="RECONCILER_MAX_CANCEL",
        metavar="N",
        help="Refuse a plan that cancels resources of more than N traders "
        f"[default: {DEFAULT_MAX_CANCEL}; env RECONCILER_MAX_CANCEL].",
    )(command)
    return click.option(
        "--target",
        "targets",
        multiple=True,
        callback=_check_targets,
        shell_complete=complete_target,
        metavar="ADDR",
        help="Plan only this address or trader name, and what it depends on; repeatable.",
    )(command)


def plan_options_from(
    *, adopt: bool, targets: tuple[str, ...], max_cancel: int | None
) -> PlanOptions:
    """The PlanOptions the command line asked for (the default cancel limit when unset)."""
    from reconciler.plan import PlanOptions

    limit = DEFAULT_MAX_CANCEL if max_cancel is None else max_cancel
    return PlanOptions(adopt=adopt, targets=targets, max_cancel=limit)


def refuse_options_with_saved_plan(planfile: Path) -> None:
    """A saved plan keeps the options it was made with and was approved in review: options
    that would make apply differ from it are a usage error (environment values are ignored)."""
    context = click.get_current_context()
    flags = {
        "adopt": "--adopt",
        "targets": "--target",
        "max_cancel": "--max-cancel",
        "auto_approve": "--auto-approve",
    }
    given = [
        flag
        for name, flag in flags.items()
        if context.get_parameter_source(name) is ParameterSource.COMMANDLINE
    ]
    if given:
        raise click.UsageError(
            f"{', '.join(given)} cannot be used with a saved plan: {planfile} keeps the options "
            "it was made with, and was approved when it was reviewed"
        )


def _check_targets(
    _: click.Context, __: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    try:
        from reconciler.plan import check_target

        return tuple(check_target(value) for value in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--target") from None


__all__ = [
    "COMPACT_ABOVE",
    "FORMATS",
    "PLANFILE",
    "format_option",
    "plan_options",
    "plan_options_from",
    "refuse_options_with_saved_plan",
    "text_plan_options",
]
