"""`reconciler watch`: run the reconcile loop as a long-lived process (a service): status lines on
stdout, SIGHUP reloads the manifests, SIGTERM/SIGINT stop it after the batch in flight."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import click

from reconciler.cli.context import reports_errors
from reconciler.errors import ReconcilerError
from reconciler.plan import DEFAULT_MAX_CANCEL
from reconciler.providers import WatchOptions
from reconciler.watch import Health, HealthServer, StatusWriter, Watcher, WatchSettings
from reconciler.workspace import StateChoice

SignalHandler = Callable[[int, FrameType | None], Any] | int | None


@click.command()
@click.option(
    "--interval",
    type=click.FloatRange(min=1.0),
    default=None,
    help="Also plan and apply everything every SECONDS (default: only on events and changes).",
)
@click.option(
    "--health-port",
    type=click.IntRange(min=0, max=65535),
    default=None,
    help="Serve a liveness endpoint on this port (0: any free port, named in the start line).",
)
@click.option(
    "--health-host",
    default="127.0.0.1",
    show_default=True,
    help="Address the liveness endpoint listens on (0.0.0.0 inside a container).",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0.0),
    default=10.0,
    show_default=True,
    help="Seconds one run waits for the state lock before retrying later.",
)
@click.option(
    "--max-cancel",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_CANCEL,
    show_default=True,
    help="Refuse a plan that offboards more than N traders (as plan and apply do).",
)
@click.option(
    "--reconnect-max",
    type=click.FloatRange(min=1.0),
    default=60.0,
    show_default=True,
    help="Longest wait in seconds between reconnects of a platform's event stream.",
)
@click.pass_context
@reports_errors
def watch(
    ctx: click.Context,
    interval: float | None,
    health_port: int | None,
    health_host: str,
    lock_timeout: float,
    max_cancel: int | None,
    reconnect_max: float,
) -> None:
    """Keep the platforms matching the manifests: apply at start, entitle traders the moment
    they sign (from the platform's event stream), and apply manifest changes as files change
    or on SIGHUP. Stops cleanly on SIGTERM or Ctrl-C."""
    root = ctx.find_root().params
    settings = WatchSettings(
        manifests=Path(root.get("manifests") or "manifests"),
        choice=StateChoice(backend=root.get("backend"), workspace=root.get("workspace")),
        interval=interval,
        lock_timeout=lock_timeout,
        max_cancel=max_cancel,
        stream=WatchOptions(backoff_max=reconnect_max),
    )
    status = StatusWriter(sys.stdout, clock=time.time)
    health = Health(stall_after=300.0)
    watcher = Watcher(settings, status=status, health=health)
    with _health_endpoint(health, health_host, health_port, status), _signals(watcher):
        watcher.run()


@contextmanager
def _health_endpoint(
    health: Health, host: str, port: int | None, status: StatusWriter
) -> Iterator[None]:
    if port is None:
        yield
        return
    try:
        server = HealthServer(health, host=host, port=port)
    except OSError as exc:
        raise ReconcilerError(f"cannot serve the health endpoint on {host}:{port}: {exc}") from exc
    status("health_endpoint", url=f"http://{host}:{server.port}/healthz")
    try:
        yield
    finally:
        server.close()


@contextmanager
def _signals(watcher: Watcher) -> Iterator[None]:
    """SIGTERM and SIGINT stop after the batch in flight (a second one interrupts at once);
    SIGHUP reloads. Only the main thread may install handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, SignalHandler] = {}

    def stop(number: int, _: FrameType | None) -> None:
        watcher.stop(signal.Signals(number).name)
        for name in (signal.SIGTERM, signal.SIGINT):
            signal.signal(name, signal.default_int_handler)  # a second signal interrupts

    def reload(number: int, _: FrameType | None) -> None:
        watcher.reload(signal.Signals(number).name)

    wanted: dict[int, Callable[[int, FrameType | None], None]] = {
        signal.SIGTERM: stop,
        signal.SIGINT: stop,
    }
    if hasattr(signal, "SIGHUP"):
        wanted[signal.SIGHUP] = reload
    for number, handler in wanted.items():
        previous[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


__all__ = ["watch"]
