"""Shell completion of trader names and addresses (click's completion machinery calls these
while the user presses TAB): from the manifests and the recorded state, never a platform.

Enable it with one line in the shell's startup file:
    bash  eval "$(_RECONCILER_COMPLETE=bash_source reconciler)"
    zsh   eval "$(_RECONCILER_COMPLETE=zsh_source reconciler)"
    fish  _RECONCILER_COMPLETE=fish_source reconciler | source
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
from click.shell_completion import CompletionItem

logger = logging.getLogger(__name__)


def _known(ctx: click.Context) -> tuple[set[str], set[str]]:
    """Trader names and addresses declared in the manifests or recorded in state; nothing
    when they cannot be read (a completion never shows an error)."""
    from reconciler.workspace import open_workspace  # loaded only when completing

    manifests = Path(ctx.find_root().params.get("manifests") or "manifests")
    try:
        with open_workspace(manifests, connect=False) as workspace:
            recorded = set(workspace.store.read().resources)
            declared = {str(address) for address in workspace.resources}
            traders = set(workspace.desired.names)
    except Exception:  # a completion must never print a traceback into the prompt
        logger.debug("no completion from %s", manifests, exc_info=True)
        return set(), set()
    addresses = declared | recorded
    traders |= {text.partition(".")[2].partition("/")[0] for text in recorded}
    return traders, addresses


def complete_trader(
    ctx: click.Context, _: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Trader names starting with what was typed."""
    traders, _addresses = _known(ctx)
    return [CompletionItem(name) for name in sorted(traders) if name.startswith(incomplete)]


def complete_address(
    ctx: click.Context, _: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Addresses starting with what was typed."""
    _traders, addresses = _known(ctx)
    return [CompletionItem(a) for a in sorted(addresses) if a.startswith(incomplete)]


def complete_target(
    ctx: click.Context, _: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Addresses and trader names (what --target takes) starting with what was typed."""
    traders, addresses = _known(ctx)
    return [CompletionItem(t) for t in sorted(addresses | traders) if t.startswith(incomplete)]


__all__ = ["complete_address", "complete_target", "complete_trader"]
