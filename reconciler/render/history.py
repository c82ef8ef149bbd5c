"""The audit trail as text for `reconciler history`: one line per entry, oldest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import RenderableType
from rich.text import Text

_OUTCOME_STYLES = {"ok": "green", "failed": "red", "unknown": "yellow"}


def render_history(entries: Sequence[Mapping[str, Any]], *, trader: str | None) -> RenderableType:
    """`when  action  address  outcome  id=…  by actor (command)  plan …  commit …` per entry;
    entries are audit entries as mappings (`at`, `action`, `address`, `outcome`, `error`,
    `remote_id`, `actor`, `command`, `plan`, `commit`)."""
    if not entries:
        whose = f"trader {trader}" if trader else "this workspace"
        return Text(f"No audit entries for {whose}.")
    lines = Text()
    for entry in entries:
        line = Text(f"{entry['at']}  {entry['action']}  {entry['address'] or '(whole state)'}  ")
        line.append(entry["outcome"], style=_OUTCOME_STYLES.get(entry["outcome"], ""))
        if entry.get("error"):
            line.append(f" ({entry['error']})")
        if entry.get("remote_id"):
            line.append(f"  id={entry['remote_id']}")
        line.append(f"  by {entry['actor']} ({entry['command']})", style="dim")
        if entry.get("plan"):
            line.append(f"  plan {entry['plan']}", style="dim")
        if entry.get("commit"):
            line.append(f"  commit {entry['commit']}", style="dim")
        lines.append_text(line)
        lines.append("\n")
    lines.rstrip()
    return lines


__all__ = ["render_history"]
