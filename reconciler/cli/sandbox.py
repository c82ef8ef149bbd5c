"""`reconciler sandbox ...`: run the platform emulators, and act on them as a trader or an
outsider would (sign the Market Data Agreement, change or delete objects to create drift)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
import httpx
import yaml

from reconciler.cli.context import Context
from reconciler.errors import ReconcilerError
from reconciler.providers import PROVIDERS

DEFAULT_MANIFESTS = Path("manifests")


@click.group()
@click.option(
    "--platform",
    default="tradovate",
    show_default=True,
    help="Which platform's sandbox the admin commands act on.",
)
@click.option(
    "--url",
    default=None,
    help="A standing sandbox (from `sandbox serve`); default: "
    "the embedded one, over the data under --data-dir.",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the embedded sandboxes keep their data; default: `sandbox/` in the state "
    "directory of the Firm manifest (settings.state.path, `state` when unset), as plan and "
    "apply use it.",
)
@click.pass_context
def sandbox(ctx: click.Context, platform: str, url: str | None, data_dir: Path | None) -> None:
    """Run the platform emulators and act on them from outside reconciler."""
    if platform not in PROVIDERS:
        raise click.BadParameter(
            f"unknown platform {platform!r} (known: {', '.join(sorted(PROVIDERS))})",
            param_hint="--platform",
        )
    shared = ctx.find_object(Context)
    manifests = shared.manifests if shared is not None else DEFAULT_MANIFESTS
    ctx.obj = {"platform": platform, "url": url, "data_dir": data_dir, "manifests": manifests}


def _data_dir(options: dict[str, Any]) -> Path:
    """--data-dir, else the sandbox directory the workspace's manifests give."""
    if options["data_dir"] is not None:
        return Path(options["data_dir"])
    from reconciler.workspace import sandbox_dir

    try:
        return sandbox_dir(options["manifests"])
    except ReconcilerError as exc:
        raise click.ClickException(
            f"cannot tell where the sandboxes keep their data (pass --data-dir): {exc}"
        ) from exc


@sandbox.command()
@click.option(
    "--port",
    type=int,
    default=0,
    help="Port of the first sandbox on 127.0.0.1 (the next ones use the following "
    "ports); default: any free ones.",
)
@click.pass_obj
def serve(options: dict[str, Any], port: int) -> None:
    """Serve every platform's sandbox until interrupted, printing what a client needs to
    connect: every URL (REST and WebSocket) and the seeded logins (sandbox-only values)."""
    data_dir = _data_dir(options)
    with ExitStack() as stack:
        for offset, (name, provider) in enumerate(sorted(PROVIDERS.items())):
            data = data_dir / f"{name}.json"
            server = stack.enter_context(provider.sandbox(data, port + offset if port else 0))
            click.echo(f"{name} sandbox: {server.url}")
            for label, value in server.connection():
                click.echo(f"  {label}: {value}")
            click.echo(f"  providers.{name} of the Firm manifest (sandbox-only logins):")
            for key, value in server.firm_settings().items():
                click.echo(f"    {key}: {_flow(value)}")
            click.echo(f"  admin: reconciler sandbox --platform {name} --url {server.url} ...")
        click.echo("Press Ctrl-C to stop.")
        try:
            wait_for_interrupt()
        except KeyboardInterrupt:
            click.echo("Stopped.")


def _flow(value: Any) -> str:
    """One YAML flow value (a mapping on one line), as the Firm manifest takes it."""
    if not isinstance(value, dict):
        return json.dumps(value)
    flow = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=1_000_000)
    return str(flow).strip()


def wait_for_interrupt() -> None:
    """Block until Ctrl-C (KeyboardInterrupt)."""
    while True:
        time.sleep(3600)


@contextmanager
def _sandbox_url(options: dict[str, Any]) -> Iterator[str]:
    if options["url"]:
        yield str(options["url"]).rstrip("/")
        return
    name = options["platform"]
    data = _data_dir(options) / f"{name}.json"
    with PROVIDERS[name].sandbox(data, 0) as server:
        yield server.url


def call_admin(
    options: dict[str, Any], path: str, body: dict[str, Any] | None = None, *, method: str = "POST"
) -> Any:
    with _sandbox_url(options) as url:
        try:
            response = httpx.request(
                method,
                f"{url}/_sandbox/{path}",
                json=None if method == "GET" else body or {},
                timeout=30,
            )
        except httpx.HTTPError as exc:
            raise click.ClickException(f"sandbox at {url} is not reachable: {exc}") from exc
    if response.status_code == 404:
        raise click.ClickException(f"not found: {path}")
    if response.status_code >= 400:
        raise click.ClickException(f"sandbox refused {path}: {response.text[:200]}")
    return response.json() if response.content else None


def _fields(pairs: tuple[str, ...]) -> dict[str, Any]:
    """`key=value` pairs; values are JSON when they parse (numbers, true, null), else text."""
    fields: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected key=value, got {pair!r}")
        try:
            fields[key] = json.loads(value)
        except ValueError:
            fields[key] = value
    return fields


@sandbox.command("admin")
@click.argument("path")
@click.argument("fields", nargs=-1)
@click.pass_obj
def admin(options: dict[str, Any], path: str, fields: tuple[str, ...]) -> None:
    """Any admin action of the chosen platform's sandbox: POST /_sandbox/PATH with key=value
    fields, e.g. `--platform traderpal admin users/bob@example.com/activate`."""
    result = call_admin(options, path.strip("/"), _fields(fields))
    click.echo(json.dumps(result, indent=2) if result is not None else "done")


@sandbox.command("sign-mda")
@click.argument("user")
@click.pass_obj
def sign_mda(options: dict[str, Any], user: str) -> None:
    """As the trader USER (name or id): sign the Market Data Agreement."""
    call_admin(options, f"users/{quote(user)}/sign-mda")
    click.echo(f"{user} signed the Market Data Agreement.")


@sandbox.command("update-user")
@click.argument("user")
@click.argument("fields", nargs=-1)
@click.pass_obj
def update_user(options: dict[str, Any], user: str, fields: tuple[str, ...]) -> None:
    """Change a user outside reconciler, e.g. `email=new@example.com`."""
    call_admin(options, f"users/{quote(user)}/update", _fields(fields))
    click.echo(f"Updated user {user}.")


@sandbox.command("delete-user")
@click.argument("user")
@click.pass_obj
def delete_user(options: dict[str, Any], user: str) -> None:
    """Delete a user (and its contact, plugins, permissions) outside reconciler."""
    call_admin(options, f"users/{quote(user)}/delete")
    click.echo(f"Deleted user {user}.")


@sandbox.command("update-contact")
@click.argument("user")
@click.argument("fields", nargs=-1)
@click.pass_obj
def update_contact(options: dict[str, Any], user: str, fields: tuple[str, ...]) -> None:
    """Change a user's contact info outside reconciler, e.g. `city=Boston`."""
    call_admin(options, f"contacts/{quote(user)}/update", _fields(fields))
    click.echo(f"Updated the contact info of {user}.")


@sandbox.command("update-account")
@click.argument("name")
@click.argument("fields", nargs=-1)
@click.pass_obj
def update_account(options: dict[str, Any], name: str, fields: tuple[str, ...]) -> None:
    """Change an account's risk settings outside reconciler, e.g. `dailyLossAutoLiq=900`."""
    call_admin(options, f"accounts/{quote(name)}/update", _fields(fields))
    click.echo(f"Updated account {name}.")


@sandbox.command("delete-account")
@click.argument("name")
@click.pass_obj
def delete_account(options: dict[str, Any], name: str) -> None:
    """Delete an account outside reconciler."""
    call_admin(options, f"accounts/{quote(name)}/delete")
    click.echo(f"Deleted account {name}.")


@sandbox.command("archive-signals")
@click.pass_obj
def archive_signals(options: dict[str, Any]) -> None:
    """Archive this week's signature signals, as the platform does every week."""
    call_admin(options, "signals/archive")
    click.echo("Archived the current signals.")


@sandbox.command("requests")
@click.pass_obj
def requests(options: dict[str, Any]) -> None:
    """Print the API requests the sandbox has served (method, domain, path, status)."""
    with _sandbox_url(options) as url:
        log = httpx.get(f"{url}/_sandbox/requests", timeout=30).json()
    for entry in log:
        click.echo(f"{entry['method']} {entry['domain']} {entry['path']} {entry['status']}")
    click.echo(f"{len(log)} request(s).")


__all__ = ["call_admin", "sandbox"]
