"""`reconciler handout ...`: the key pair generated passwords are sealed to, and `pull`, which
the onboarding mailer's host runs with the private key to fetch, open and mark them delivered."""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

import click

from reconciler.cli.context import Context, pass_context, reports_errors
from reconciler.errors import ReconcilerError


@click.group()
def handout() -> None:
    """Generated passwords, sealed to the firm's public key and kept with the state."""


@handout.command()
@click.option(
    "--private-key",
    "private_key",
    required=True,
    type=click.Path(path_type=Path),
    help="File to write the private key to (mode 0600; keep it off CI runners).",
)
@reports_errors
def keygen(private_key: Path) -> None:
    """Make a key pair: the private key into a new file, the public key for the Firm."""
    from reconciler.apply import generate_keys

    public, private = generate_keys()
    try:
        fd = os.open(private_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ReconcilerError(f"{private_key} already exists; not overwritten") from None
    except OSError as exc:
        raise ReconcilerError(f"cannot create {private_key}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(private + "\n")
    click.echo(f"settings: {{handout: {{public_key: {public}}}}}   # in the Firm manifest")


@handout.command()
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The private key file from `handout keygen`.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Append the passwords to this CSV (mode 0600) instead of printing them.",
)
@click.option(
    "--schema",
    default="reconciler",
    show_default=True,
    help="PostgreSQL schema of the state (settings.state.schema).",
)
@pass_context
@reports_errors
def pull(ctx: Context, key_file: Path, out: Path | None, schema: str) -> None:
    """Fetch the sealed passwords not yet delivered, open them and mark them delivered.

    The state backend comes from --backend / --workspace (RECONCILER_BACKEND,
    RECONCILER_WORKSPACE) and RECONCILER_PG_DSN: the manifests are not read, so this host needs
    no platform credentials.
    """
    from reconciler.apply import FIELDS, PasswordHandout, decode_key, open_records, utc_now
    from reconciler.manifest import StateSettings
    from reconciler.workspace import open_backend

    try:
        key = decode_key(key_file.read_text(encoding="ascii"), what=str(key_file))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not a key file"
        raise ReconcilerError(f"cannot read {key_file}: {reason}") from None
    settings = StateSettings.model_validate({"schema": schema})
    root = ctx.manifests.resolve().parent
    backend = open_backend(settings, root=root, choice=ctx.choice, environ=os.environ)
    try:
        opened, refused = open_records(backend.pending_handout(), private_key=key)
        rows = [tuple(str(row.get(name, "")) for name in FIELDS) for _, row in opened]
        if out is not None:
            PasswordHandout(out).write_rows(rows)  # type: ignore[arg-type]
        else:
            writer = csv.writer(sys.stdout)
            writer.writerow(FIELDS)
            writer.writerows(rows)
            sys.stdout.flush()
        backend.mark_handout_delivered(
            [record_id for record_id, _ in opened], at=utc_now(time.time)
        )
    finally:
        backend.close()
    where = f" to {out}" if out is not None else ""
    click.echo(f"{len(rows)} password(s) handed out{where} and marked delivered", err=True)
    if refused:
        click.echo(
            f"Warning: {refused} record(s) this key cannot open (sealed to another key) "
            "were left undelivered",
            err=True,
        )
