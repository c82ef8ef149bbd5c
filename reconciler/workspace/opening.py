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
from reconciler.workspace.backends import StateChoice
from reconciler.workspace.declared import Declared
from reconciler.workspace.desired import expand_consuming, traders_declaring
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


def declaring(
    manifests: Path, kind: str, *, environ: Mapping[str, str] | None = None
) -> frozenset[str]:
    """The traders the manifests give a resource of `kind` (see `traders_declaring`); the
    manifests are let go on return, before the caller reads anything else."""
    desired = _load(manifests, dict(os.environ) if environ is None else environ)
    traders = list(desired.traders)
    declared = Declared.of(desired)
    del desired  # the traders' models go with the list, on return
    return traders_declaring(declared, traders, kind)


def _load(manifests: Path, environ: Mapping[str, str]) -> Desired:
    return load_manifests(
        manifests, schemas=schemas(), environ=environ, cache=ParseCache.default(environ)
    )


__all__ = ["declaring", "open_workspace"]
