"""What a full run leaves ready for the signatures after it, while the loop is idle: the trader
index's declared part, the order of the declared resources a targeted plan takes them in, and
a heap the garbage collector no longer walks, so the first signature after a full run at a
large firm pays for none of it."""

from __future__ import annotations

import gc

from reconciler.watch.targets import TraderIndex
from reconciler.workspace import Workspace


def prepare_for_signatures(workspace: Workspace, index: TraderIndex) -> None:
    """Build what targeting looks up, then collect once and freeze what survives
    (`gc.freeze`): later collections walk only objects made since, not the firm's manifests
    and state. What an earlier call froze is unfrozen first, so it is collected once garbage."""
    index.prepare()
    workspace.prepare_targeting()
    gc.unfreeze()
    gc.collect()
    gc.freeze()


__all__ = ["prepare_for_signatures"]
