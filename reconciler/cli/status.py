"""`reconciler status`: who is stuck where in onboarding, from state alone (the platforms
are read only with `--refresh`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import click

from reconciler.cli.completion import complete_trader
from reconciler.cli.context import Context, pass_context, reports_errors
from reconciler.cli.ending import keep_to_the_end
from reconciler.collector import quiet_gc
from reconciler.plan import (
    ENTITLEMENT,
    USER_MARK,
    funnel,
    reads_record,
    select_rows,
    summarize_funnel,
)
from reconciler.render import (
    render_status,
    render_status_csv,
    render_status_json,
    render_status_markdown,
)
from reconciler.state import Stamps, StateDocument, stamps_of
from reconciler.workspace import declaring, open_state, open_workspace

_UNITS = {"m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_age(_: click.Context, __: click.Parameter, value: str | None) -> float | None:
    """`--older-than`: a duration like `7d`, `12h`, `2w` or `30m`, in seconds."""
    if value is None:
        return None
    match = re.fullmatch(r"(\d+)([mhdw])", value.strip())
    if match is None:
        raise click.BadParameter(
            f"{value!r} is not an age like 7d, 12h, 2w or 30m", param_hint="--older-than"
        )
    return float(int(match[1]) * _UNITS[match[2]])


@click.command()
@click.option(
    "--waiting", is_flag=True, help="Only traders waiting on a signature or verification."
)
@click.option(
    "--older-than",
    callback=parse_age,
    metavar="AGE",
    help="Only traders in their stage for longer than AGE (e.g. 7d, 12h, 2w).",
)
@click.option("--trader", metavar="NAME", shell_complete=complete_trader, help="Only this trader.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "markdown", "json", "csv")),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a job summary, json for scripts, csv for a "
    "spreadsheet.",
)
@click.option(
    "--refresh",
    is_flag=True,
    help="First read the platforms (list calls) and record the signatures and verifications "
    "they show; without it no platform is called.",
)
@pass_context
@reports_errors
def status(
    ctx: Context,
    waiting: bool,
    older_than: float | None,
    trader: str | None,
    output_format: str,
    refresh: bool,
) -> None:
    """The onboarding funnel: a summary per platform, then one line per trader and platform
    (created, waiting for the Market Data Agreement signature and since when, entitled,
    identity verification pending or verified, offboarded)."""
    # the manifests, the records and the trail of a large firm are many objects in no cycle:
    # not scanned by the collector as they are made, nor freed one by one as the command ends
    with quiet_gc(keep=True):
        if refresh:
            with open_workspace(
                ctx.manifests, choice=ctx.choice, http_timeout=ctx.http_timeout
            ) as workspace:
                with workspace.store.lock(command="status --refresh"):
                    document = workspace.store.read()
                    workspace.record_facts(workspace.refresh(document), document)
                del document  # read again: what the refresh recorded
                read = _funnel_records(workspace.store.read())
                audit = workspace.store.iter_history(holding=USER_MARK)
                entitled = frozenset(a.trader for a in workspace.resources if a.kind == ENTITLEMENT)
                keep_to_the_end(workspace)
        else:  # from state alone, and the entitlements the manifests declare
            entitled = declaring(ctx.manifests, ENTITLEMENT)  # the manifests let go after
            with open_state(ctx.manifests, choice=ctx.choice) as store:
                read = _funnel_records(store.read())  # the state's texts let go before the trail
                audit = store.iter_history(holding=USER_MARK)
        now = datetime.now(UTC)
        rows = funnel(read, entitled_traders=entitled, audit=audit)
        keep_to_the_end(read, rows)
        summaries = summarize_funnel(rows, now=now)
        shown = select_rows(rows, now=now, is_waiting=waiting, older_than=older_than, trader=trader)
        if output_format == "json":
            click.echo(render_status_json(summaries, shown, now=now))
        elif output_format == "csv":
            click.echo(render_status_csv(shown, now=now), nl=False)
        elif output_format == "markdown":
            click.echo(render_status_markdown(summaries, shown, now=now), nl=False)
        else:
            click.echo(render_status(summaries, shown, now=now), nl=False)


def _funnel_records(document: StateDocument) -> dict[str, Stamps]:
    """What the funnel reads of the records of its kinds, alone: no model of a record."""
    return {
        text: stamps_of(raw) for text, raw in document.resources.raw.items() if reads_record(text)
    }


__all__ = ["parse_age", "status"]
