"""`reconciler history`: the audit trail of a trader or of the whole workspace, read from the
state store alone (neither the traders nor the providers nor the planner are loaded)."""

from __future__ import annotations

import json

import click
from pydantic import TypeAdapter

from reconciler.cli.completion import complete_trader
from reconciler.cli.context import Context, pass_context, reports_errors
from reconciler.cli.ending import keep_to_the_end
from reconciler.cli.writing import write_parts
from reconciler.collector import quiet_gc
from reconciler.render import render_history
from reconciler.state import AuditEntry
from reconciler.workspace import open_state


@click.command("history")
@click.argument("trader", required=False, shell_complete=complete_trader)
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_context
@reports_errors
def history(ctx: Context, trader: str | None, output: str) -> None:
    """The audit trail of TRADER (or of the whole workspace): every action applied, when, by
    whom, from which plan and commit, with the platform's ids and the outcome."""
    # a workspace's whole trail is tens of thousands of entries, none of them in a cycle:
    # not scanned by the collector as they are read, nor freed one by one as the command ends
    with quiet_gc(keep=True), open_state(ctx.manifests, choice=ctx.choice) as store:
        entries = store.history(trader)
    keep_to_the_end(entries)
    if output == "json":
        click.echo(_as_json(entries))
    else:
        # an entry's fields are plain values: its own mapping of them is what it dumps to
        write_parts(ctx.out, [render_history([vars(e) for e in entries], trader=trader)])


def _as_json(entries: list[AuditEntry]) -> str:
    """The entries as `json.dumps` writes them with an indent of 2 (every text in ASCII),
    written by pydantic-core: Python's encoder writes an indented document in Python, a
    second and more for a workspace's whole trail at 10,000 traders. Where pydantic-core's
    text differs (a character outside printable ASCII, which Python escapes), Python's is
    written."""
    written = _ENTRIES.dump_json(entries, indent=2)
    if written.isascii() and b"\x7f" not in written:
        return written.decode("ascii")
    return json.dumps([e.model_dump(mode="json") for e in entries], indent=2)


_ENTRIES = TypeAdapter(list[AuditEntry])


__all__ = ["history"]
