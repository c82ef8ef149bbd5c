"""Opening a workspace: load the manifests, open the state backend and every configured
provider (closed again when the workspace is left)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from reconciler.manifest import Desired, ParseCache, load_manifests
from reconciler.providers import PROVIDERS, Adapter, ProviderContext, RateLimit, schemas
from reconciler.state import StateStore
from reconciler.workspace.backends import StateChoice
from reconciler.workspace.declared import Declared
from reconciler.workspace.desired import expand_consuming
from reconciler.workspace.state_only import sandbox_data, state_store
from reconciler.workspace.workspace import Workspace


@contextmanager
def open_workspace(
    manifests: Path,
    *,
    choice: StateChoice | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    connect: bool = True,
    http_timeout: float = 30.0,
) -> Iterator[Workspace]:
    """Load the manifests, open the chosen state backend and (with `connect`) every
    configured provider, whose HTTP calls time out after `http_timeout` seconds."""
    environ = dict(os.environ) if environ is None else environ
    desired = _load(manifests, environ)
    root = manifests.resolve().parent
    settings = desired.firm.settings.state
    store = state_store(settings, root, choice=choice, environ=environ, clock=clock, sleep=sleep)
    overrides = {
        name: tuple(RateLimit(**limit.model_dump()) for limit in limits)
        for name, limits in desired.firm.settings.rate_limits.items()
    }
    context = ProviderContext(
        sandbox_dir=sandbox_data(root, settings.path),
        clock=clock,
        sleep=sleep,
        timeout=http_timeout,
        rate_limits=overrides,
    )
    limits = {
        name: context.limits(name, PROVIDERS[name].capabilities.rate_limits)
        for name in desired.firm.providers
    }
    with ExitStack() as stack:
        stack.callback(store.close)
        adapters: dict[str, Adapter] = {}
        if connect:
            for name, provider_settings in desired.firm.providers.items():
                adapter = PROVIDERS[name].open(provider_settings, context)
                stack.callback(adapter.close)
                adapters[name] = adapter
        declared = Declared.of(desired)
        traders = list(desired.traders)
        del desired  # the active traders' models go chunk by chunk as they are expanded
        resources = expand_consuming(declared, traders)
        yield Workspace(
            root,
            declared,
            store,
            adapters,
            resources,
            clock=clock,
            environ=environ,
            limits=limits,
            http_timeout=http_timeout,
        )


@contextmanager
def open_declared(
    manifests: Path,
    *,
    choice: StateChoice | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[tuple[Desired, StateStore]]:
    """The manifests and the state store, neither expanded nor connected: for a command that
    reads state against what the manifests declare (`status` without `--refresh`)."""
    environ = dict(os.environ) if environ is None else environ
    desired = _load(manifests, environ)
    root = manifests.resolve().parent
    store = state_store(
        desired.firm.settings.state,
        root,
        choice=choice,
        environ=environ,
        clock=time.time,
        sleep=time.sleep,
    )
    try:
        yield desired, store
    finally:
        store.close()


def _load(manifests: Path, environ: Mapping[str, str]) -> Desired:
    return load_manifests(
        manifests, schemas=schemas(), environ=environ, cache=ParseCache.default(environ)
    )


__all__ = ["open_declared", "open_workspace"]
