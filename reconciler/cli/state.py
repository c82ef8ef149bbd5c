"""`reconciler state ...` and `import`: inspect and repair recorded state, adopt a remote
object. The commands that only read state (`list`, `pull`) load neither the manifests' traders
nor the providers nor the planner: those are imported by the commands that use them."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.completion import complete_address, complete_trader
from reconciler.cli.context import Context, pass_context, reports_errors
from reconciler.cli.writing import write_parts
from reconciler.errors import ReconcilerError, StateError
from reconciler.state import (
    StateDocument,
    check_push,
    move_addresses,
    remove_addresses,
)
from reconciler.workspace import open_state

if TYPE_CHECKING:
    from reconciler.plan import Address
    from reconciler.workspace import Workspace

_LOCK_TIMEOUT = click.option(
    "--lock-timeout",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds to wait for the state lock.",
)


@click.group()
def state() -> None:
    """Inspect, repair, move, pull or push the recorded state."""


@state.command("list")
@click.option(
    "--trader", default=None, shell_complete=complete_trader, help="Only this trader's addresses."
)
@pass_context
@reports_errors
def state_list(ctx: Context, trader: str | None) -> None:
    """List recorded addresses with their remote ids."""
    with open_state(ctx.manifests, choice=ctx.choice) as store:
        document = store.read()
    records = document.resources
    listed = sorted(records, key=_listing_order)  # no model per record is built
    lines = [
        f"{text}\t{records.remote_id(text)}"
        for text in listed
        if trader is None or _listing_order(text)[0] == trader
    ]
    if lines:
        click.echo("\n".join(lines))


@state.command("show")
@click.argument("address", shell_complete=complete_address)
@pass_context
@reports_errors
def state_show(ctx: Context, address: str) -> None:
    """Show one recorded address (secrets only as `(sensitive)`)."""
    from reconciler.render import render_state

    text = str(_address(address))
    with open_state(ctx.manifests, choice=ctx.choice) as store:
        document = store.read()
    record = document.resources.get(text)
    if record is None:
        raise StateError(f"not in state: {text}")
    write_parts(ctx.out, [render_state({text: record.model_dump()})])


@state.command("rm")
@click.argument("addresses", nargs=-1, required=True, shell_complete=complete_address)
@_LOCK_TIMEOUT
@pass_context
@reports_errors
def state_rm(ctx: Context, addresses: tuple[str, ...], lock_timeout: float) -> None:
    """Forget addresses: the platforms keep the objects, reconciler stops managing them."""
    texts = [str(_address(a)) for a in addresses]
    with (
        _workspace(ctx) as workspace,
        workspace.store.lock(command="state rm", timeout=lock_timeout),
    ):
        document = workspace.store.read()
        ids = {t: document.resources[t].remote_id for t in texts if t in document.resources}
        workspace.store.write(remove_addresses(document, texts))
        workspace.audit("state rm", [(t, "state rm", ids[t]) for t in texts])
    ctx.out.print(
        f"Removed {len(texts)} address(es) from state; the platforms keep the objects "
        "(plan --adopt takes them back)."
    )


@state.command("mv")
@click.argument("source", shell_complete=complete_address)
@click.argument("destination")
@_LOCK_TIMEOUT
@pass_context
@reports_errors
def state_mv(ctx: Context, source: str, destination: str, lock_timeout: float) -> None:
    """Re-address a record (or, given two trader names, every record of a trader)."""
    from reconciler.plan import Address, plan_moves
    from reconciler.workspace import follow_renamed_traders

    with (
        _workspace(ctx) as workspace,
        workspace.store.lock(command="state mv", timeout=lock_timeout),
    ):
        document = workspace.store.read()
        recorded = [Address.parse(text) for text in document.resources]
        planned = plan_moves([(source, destination)], recorded, kinds=workspace.rules.keys())
        moves = [(str(old), str(new)) for old, new in planned]
        moved = move_addresses(document, moves)
        workspace.store.write(follow_renamed_traders(moved, planned, workspace.resources))
        workspace.audit(
            "state mv",
            [(new, f"move from {old}", document.resources[old].remote_id) for old, new in moves],
        )
    for old, new in moves:
        ctx.out.print(f"Moved {old} to {new}.")


@state.command("pull")
@pass_context
@reports_errors
def state_pull(ctx: Context) -> None:
    """Print the stored state document (JSON; secrets are only keyed digests)."""
    with open_state(ctx.manifests, choice=ctx.choice) as store:
        document = store.read()
    if document.serial == 0:
        raise StateError("no state is stored for this workspace yet")
    click.echo(document.to_bytes().decode("utf-8"), nl=False)


@state.command("push")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--force",
    is_flag=True,
    help="Replace even with a state of another lineage, an older serial or different content "
    "at the same serial.",
)
@_LOCK_TIMEOUT
@pass_context
@reports_errors
def state_push(ctx: Context, file: Path, force: bool, lock_timeout: float) -> None:
    """Replace the stored state with FILE (`-` for stdin), refusing another lineage, an older
    serial or different content at the same serial unless --force."""
    pushed = StateDocument.from_bytes(_read(file))
    with (
        _workspace(ctx) as workspace,
        workspace.store.lock(command="state push", timeout=lock_timeout),
    ):
        current = workspace.store.read()
        check_push(current, pushed, is_forced=force)
        written = workspace.store.replace(current, pushed)
        workspace.audit("state push", [("", "state push", None)])
    ctx.out.print(f"Pushed state of lineage {written.lineage} as serial {written.serial}.")


@state.command("unlock")
@click.argument("lock_id")
@click.option(
    "--force",
    is_flag=True,
    help="Release the lock even though its holder is alive (two applies may then overlap).",
)
@pass_context
@reports_errors
def state_unlock(ctx: Context, lock_id: str, force: bool) -> None:
    """Release a lock whose holder is gone (the id is in the 'state is locked' error).

    A holder alive on this host, or whose PostgreSQL session is active, is refused unless
    --force; on a terminal the release is confirmed first."""
    with _workspace(ctx) as workspace:
        store = workspace.store
        holder = store.holder()
        if holder is None:
            raise StateError("state is not locked")
        if holder.id != lock_id:
            raise StateError(f"lock id {lock_id} does not match the current lock {holder.id}")
        alive, why = store.liveness(holder)
        effect = store.release_effect()
        if alive == "alive" and not force:
            raise StateError(
                f"lock {lock_id} is held by {holder.describe()}, which is alive ({why}); "
                "wait for it to finish or stop it, or pass --force to release it anyway: "
                f"{effect}"
            )
        ctx.out.print(
            f"Releasing lock {lock_id} of {holder.describe()} since {holder.created_at} "
            f"({why}): {effect}."
        )
        if _is_terminal() and not click.confirm("Release it?", default=False):
            raise ReconcilerError("unlock cancelled")
        store.unlock(lock_id)
    ctx.out.print(f"Released lock {lock_id}.")


@click.command("import")
@click.argument("address", shell_complete=complete_address)
@click.argument("remote_id")
@_LOCK_TIMEOUT
@pass_context
@reports_errors
def import_object(ctx: Context, address: str, remote_id: str, lock_timeout: float) -> None:
    """Adopt the platform's object REMOTE_ID as the declared ADDRESS (checked by natural key)."""
    target = _address(address)
    with (
        _workspace(ctx, connect=True) as workspace,
        workspace.store.lock(command="import", timeout=lock_timeout),
    ):
        workspace.import_object(workspace.store.read(), target, remote_id)
    ctx.out.print(
        f"Imported {target} as remote object {remote_id}. Run plan to see what differs "
        "from the manifests."
    )


def _workspace(ctx: Context, *, connect: bool = False) -> AbstractContextManager[Workspace]:
    """The whole workspace (the manifests expanded; with `connect`, the providers open) for a
    command that changes state: imported here, so the commands that only read state load none
    of it."""
    from reconciler.workspace import open_workspace

    return open_workspace(ctx.manifests, choice=ctx.choice, connect=connect)


def _listing_order(text: str) -> tuple[str, str, str]:
    """`Address.sort_key` of a recorded address, from its text without validating it again."""
    kind, _, rest = text.partition(".")
    trader, _, child = rest.partition("/")
    return trader, kind, child


def _address(text: str) -> Address:
    from reconciler.plan import Address

    try:
        return Address.parse(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _read(file: Path) -> bytes:
    if str(file) == "-":
        return sys.stdin.buffer.read()
    try:
        return file.read_bytes()
    except OSError as exc:
        raise StateError(f"cannot read {file}: {exc.strerror}") from None


__all__ = ["import_object", "state"]


def _is_terminal() -> bool:
    return sys.stdin.isatty()
