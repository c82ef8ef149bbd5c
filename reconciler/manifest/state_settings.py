"""The Firm's `settings.state` alone, for commands that only read or write state (`state
list`, `state show`, `show`, the sandbox commands): references elsewhere in the manifests
(traders' passwords, platform credentials) are not expanded, so their variables need not be
set. Anything unusual falls back to the full load, which reports every problem."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reconciler.errors import ManifestError, ManifestErrors
from reconciler.manifest.documents import read_documents
from reconciler.manifest.loader import SUFFIXES, load_manifests
from reconciler.manifest.models import ProviderSchema, StateSettings
from reconciler.manifest.refs import References


def read_state_settings(
    directory: str | os.PathLike[str],
    *,
    schemas: Callable[[], Mapping[str, ProviderSchema]],
    environ: Mapping[str, str] | None = None,
) -> StateSettings:
    """The state settings of the one Firm below `directory`, expanding only their own
    references; ManifestErrors when those fail (the full load's errors when the Firm cannot
    be found alone). `schemas` gives the providers' schemas, asked for by that full load
    alone."""
    environ = os.environ if environ is None else environ
    root = Path(directory)
    firms = _firms(root)
    if len(firms) == 1:
        file, firm = firms[0]
        settings = firm.get("settings", {})
        state = settings.get("state", {}) if isinstance(settings, dict) else None
        secret_files = settings.get("secret_files", ()) if isinstance(settings, dict) else ()
        if isinstance(state, dict) and _are_names(secret_files):
            allowed = tuple(root / folder for folder in secret_files)
            refs = References(environ=environ, root=root, allowed=allowed)
            problems: list[str] = []
            values = _expanded(state, refs, base=file.parent, problems=problems)
            if problems:
                raise ManifestErrors(
                    [ManifestError(f"settings.state: {p}", path=str(file)) for p in problems]
                )
            try:
                return StateSettings.model_validate(values)
            except ValidationError:
                pass  # the full load says where and why
    return load_manifests(root, schemas=schemas(), environ=environ).firm.settings.state


def _firms(root: Path) -> list[tuple[Path, dict[str, Any]]]:
    """(file, raw document) of every `kind: Firm` document; a file that does not mention a
    Firm is not parsed, a file that does not parse is skipped (the full load reports it)."""
    found: list[tuple[Path, dict[str, Any]]] = []
    if not root.is_dir():
        return found
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            if not name.endswith(SUFFIXES):
                continue
            path = Path(folder, name)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if b"Firm" not in data:
                continue
            documents, _ = read_documents(data, expand=lambda text: (text, []))
            for document in documents:
                value = document.value
                if isinstance(value, dict) and value.get("kind") == "Firm":
                    found.append((path, value))
    return found


def _are_names(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and all(isinstance(item, str) for item in value)
    )


def _expanded(value: Any, refs: References, *, base: Path, problems: list[str]) -> Any:
    """`value` with the references in its strings expanded (problems collected)."""
    if isinstance(value, str):
        text, failed = refs.expand(value, base=base)
        problems += failed
        return text
    if isinstance(value, dict):
        return {k: _expanded(v, refs, base=base, problems=problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_expanded(v, refs, base=base, problems=problems) for v in value]
    return value


__all__ = ["read_state_settings"]
