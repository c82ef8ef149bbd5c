"""`reconciler sandbox fault ...`: arm, list, clear and seed the faults a sandbox injects."""

from __future__ import annotations

from typing import Any

import click

from reconciler.cli.sandbox import call_admin, sandbox


@click.group("fault")
def fault() -> None:
    """Inject faults into the chosen platform's sandbox: per method and path pattern, before
    the platform processes a request or after (its answer is lost). Without --url, faults are
    kept with the embedded sandbox's data and hit the next plan or apply."""


@fault.command("add")
@click.option("--method", default="*", show_default=True, help="HTTP method pattern.")
@click.option(
    "--path",
    "pattern",
    default="*",
    show_default=True,
    help="Request path pattern, e.g. '/live/v1/user/create*' or '/v1/users/*'.",
)
@click.option(
    "--effect",
    default="status",
    show_default=True,
    help="status, reset, delay or malformed; Tradovate also penalty and expire-token.",
)
@click.option("--status", type=int, default=503, show_default=True, help="429 or a 5xx.")
@click.option(
    "--after-commit", is_flag=True, help="The platform processes the request; its answer is lost."
)
@click.option("--seconds", type=float, default=0.0, help="For delay (and penalty) effects.")
@click.option("--times", type=int, default=1, show_default=True, help="How many requests.")
@click.option("--always", is_flag=True, help="Every matching request (instead of --times).")
@click.option("--probability", type=float, default=1.0, show_default=True)
@click.option("--retry-after", type=int, default=None, help="Seconds, sent as Retry-After.")
@click.pass_obj
def fault_add(
    options: dict[str, Any],
    method: str,
    pattern: str,
    effect: str,
    status: int,
    after_commit: bool,
    seconds: float,
    times: int,
    always: bool,
    probability: float,
    retry_after: int | None,
) -> None:
    """Arm one fault."""
    body = {
        "method": method,
        "path": pattern,
        "effect": effect,
        "status": status,
        "after_processing": after_commit,
        "seconds": seconds,
        "times": None if always else times,
        "probability": probability,
        "retry_after": retry_after,
    }
    _print_faults(call_admin(options, "faults", body))


@fault.command("list")
@click.pass_obj
def fault_list(options: dict[str, Any]) -> None:
    """The armed faults and how many requests they hit."""
    _print_faults(call_admin(options, "faults", method="GET"))


@fault.command("clear")
@click.pass_obj
def fault_clear(options: dict[str, Any]) -> None:
    """Disarm every fault."""
    _print_faults(call_admin(options, "faults/clear"))


@fault.command("seed")
@click.argument("seed", type=int)
@click.pass_obj
def fault_seed(options: dict[str, Any], seed: int) -> None:
    """Seed the draws of faults armed with a probability (for reproducible runs)."""
    _print_faults(call_admin(options, "faults/seed", {"seed": seed}))


def _print_faults(listing: dict[str, Any]) -> None:
    for armed in listing["faults"]:
        left = "always" if armed["remaining"] is None else f"{armed['remaining']} left"
        when = "after commit" if armed["after_processing"] else "before processing"
        what = armed["effect"] if armed["effect"] != "status" else f"HTTP {armed['status']}"
        click.echo(f"{armed['method']} {armed['path']}: {what}, {when} ({left})")
    click.echo(f"{len(listing['faults'])} fault(s) armed, {len(listing['injected'])} hit(s).")


sandbox.add_command(fault)  # `reconciler sandbox fault ...`; the CLI loads `sandbox` from here

__all__ = ["fault", "sandbox"]
