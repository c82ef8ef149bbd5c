"""Command output in the format asked for (`--format text|markdown|json|github`): plans, drift
reports and recorded state. Text goes through the rich console; markdown and JSON are printed
verbatim (no markup, no wrapping), ready for a PR comment or a script."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from reconciler.cli.writing import write_parts
from reconciler.plan import Change, Drift, Plan, PlanOptions, SavedPlan
from reconciler.render import (
    plan_json_parts,
    render_drift,
    render_drift_github,
    render_drift_json,
    render_drift_markdown,
    render_plan_github,
    render_plan_markdown,
    render_plan_parts,
    render_state_markdown,
    state_json_parts,
    state_parts,
)

if TYPE_CHECKING:
    from reconciler.state import StateDocument


def print_plan(
    out: Console,
    plan: Plan,
    output_format: str,
    *,
    show_noop: bool = False,
    options: PlanOptions | None = None,
    hidden_noops: int = 0,
    detail: bool = False,
    show_waits: bool = False,
    since: Mapping[str, str] | None = None,
) -> None:
    """The plan in `output_format`; `detail`, `show_waits` and `since` (when each waiting
    trader's wait began) are for text, markdown and JSON show everything."""
    if output_format == "json":
        _echo_parts(
            plan_json_parts(plan, show_noop=show_noop, options=options, hidden_noops=hidden_noops)
        )
    elif output_format == "markdown":
        click.echo(render_plan_markdown(plan, show_noop=show_noop), nl=False)
    else:
        parts = render_plan_parts(
            plan, show_noop=show_noop, detail=detail, show_waits=show_waits, since=since
        )
        write_parts(out, parts)
        if output_format == "github":
            click.echo(render_plan_github(plan), nl=False)


def print_saved_plan(
    out: Console, saved: SavedPlan, output_format: str, *, detail: bool, show_waits: bool
) -> None:
    """A saved plan (`show FILE`); the text form starts with where the plan comes from."""
    if output_format == "text":
        out.print(
            f"Saved plan for firm {saved.firm} (state workspace {saved.workspace}), made "
            f"{saved.plan.created_at} by reconciler {saved.reconciler_version}.\n",
            markup=False,
        )
    print_plan(
        out,
        saved.plan,
        output_format,
        options=saved.options,
        hidden_noops=saved.noop_count,
        detail=detail,
        show_waits=show_waits,
    )


def warn_appeared(appeared: Sequence[Change]) -> None:
    """On stderr: changes that appeared since a saved plan was made, which apply leaves."""
    if not appeared:
        return
    listed = ", ".join(f"{c.address} ({c.action.value})" for c in appeared[:5])
    more = f" and {len(appeared) - 5} more" if len(appeared) > 5 else ""
    click.echo(
        f"Warning: {len(appeared)} change(s) appeared since the plan was made and are not "
        f"applied: {listed}{more}; run plan again to review them.",
        err=True,
    )


def print_drift(out: Console, drift: Drift, output_format: str) -> None:
    if output_format == "json":
        click.echo(render_drift_json(drift))
    elif output_format == "markdown":
        click.echo(render_drift_markdown(drift), nl=False)
    else:
        out.print(render_drift(drift))
        if output_format == "github":
            click.echo(render_drift_github(drift), nl=False)


def print_state(out: Console, document: StateDocument, output_format: str) -> None:
    """The recorded state, each record's row made as it is rendered and let go: as text and
    JSON a part at a time, as markdown only the rows its table has room for."""
    rows = _Rows(document)
    if output_format == "text":
        write_parts(out, state_parts(rows, rows.__getitem__))
    elif output_format == "json":
        _echo_parts(state_json_parts(rows, serial=document.serial))
    else:
        click.echo(render_state_markdown(rows, serial=document.serial), nl=False)


class _Rows(Mapping[str, Mapping[str, Any]]):
    """Each record's row (its model's fields) by address, made on each lookup and not kept: a
    large state's rows, held at once, were gigabytes."""

    def __init__(self, document: StateDocument) -> None:
        self._records = document.resources
        self._raw = self._records.raw

    def __getitem__(self, address: str) -> Mapping[str, Any]:
        return self._records.passing(address, self._raw[address]).model_dump()

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _echo_parts(parts: Iterable[str]) -> None:
    """A document's text written a part at a time, then a newline."""
    for part in parts:
        click.echo(part, nl=False)
    click.echo()


__all__ = [
    "print_drift",
    "print_plan",
    "print_saved_plan",
    "print_state",
    "warn_appeared",
]
