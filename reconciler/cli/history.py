"""`reconciler history`: the audit trail of a trader or of the whole workspace, read from the
state store alone (neither the traders nor the providers nor the planner are loaded)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice

import click
from pydantic import TypeAdapter

from reconciler.cli.completion import complete_trader
from reconciler.cli.context import Context, pass_context, reports_errors
from reconciler.cli.writing import write_parts
from reconciler.collector import quiet_gc
from reconciler.json_text import joined
from reconciler.render import Lines, render_history
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
    # a workspace's whole trail is hundreds of thousands of entries at scale, none of them
    # in a cycle: not scanned by the collector as they are read, and rendered CHUNK at a time
    with quiet_gc(keep=True):
        with open_state(ctx.manifests, choice=ctx.choice) as store:
            entries = store.iter_history(trader)  # read now, parsed as they are taken
        if output == "json":
            for piece in _json_pieces(entries):
                click.echo(piece, nl=False)
            click.echo()
        else:
            write_parts(ctx.out, _text_parts(entries, trader))


CHUNK = 10_000
"""Audit entries parsed and rendered at a time (assumed: a tuning of ours; a workspace's
whole trail held as entries was over 1 GiB at 100,000 traders)."""


def _chunks(entries: Iterator[AuditEntry]) -> Iterator[list[AuditEntry]]:
    while chunk := list(islice(entries, CHUNK)):
        yield chunk


def _text_parts(entries: Iterator[AuditEntry], trader: str | None) -> Iterator[Lines]:
    """The trail's lines a chunk of entries at a time (its "no entries" line when empty)."""
    shown = False
    for chunk in _chunks(entries):
        shown = True
        # an entry's fields are plain values: its own mapping of them is what it dumps to
        yield render_history([vars(e) for e in chunk], trader=trader)
    if not shown:
        yield render_history([], trader=trader)


def _json_pieces(entries: Iterator[AuditEntry]) -> Iterator[str]:
    """The text `_as_json` gives of all the entries, a chunk of them at a time: the chunks'
    arrays joined as one array's items are."""
    return joined(_as_json(chunk) for chunk in _chunks(entries))


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
