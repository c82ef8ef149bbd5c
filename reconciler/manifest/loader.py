"""Loading a directory of YAML manifests into `Desired`; every problem is reported as file:line.

Files are read once (one C-parser pass each); line numbers are computed only for files that
have problems. The digest covers each file's relative path and bytes, in path order.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

from pydantic import BaseModel

from reconciler.collector import quiet_gc
from reconciler.errors import ManifestError, ManifestErrors
from reconciler.manifest.documents import Expand, read_documents
from reconciler.manifest.kinds import (
    Entry,
    Invalid,
    Valid,
    check_firm,
    check_unique,
    validate_firm,
)
from reconciler.manifest.models import Desired, ProviderSchema, Source, Trader
from reconciler.manifest.parse_cache import ParseCache
from reconciler.manifest.positions import PathLines
from reconciler.manifest.refs import References, literal_secrets
from reconciler.manifest.report import ManifestFile, Report, Where
from reconciler.manifest.trader_cache import TraderCache
from reconciler.manifest.validating import Validation

logger = logging.getLogger(__name__)

SUFFIXES = (".yaml", ".yml")
KINDS = "Firm, Trader"


def load_manifests(
    directory: str | os.PathLike[str],
    *,
    schemas: Mapping[str, ProviderSchema],
    environ: Mapping[str, str] | None = None,
    cache: ParseCache | None = None,
) -> Desired:
    """Read every *.yaml / *.yml below `directory` into the desired state.

    `schemas` validates provider blocks by provider name; `environ` serves `${env:NAME}`
    (default: the process environment); `cache` keeps large files as read, references
    unexpanded. Raises ManifestErrors listing every problem.
    """
    try:
        with quiet_gc():
            return _load(directory, schemas=schemas, environ=environ, allowed=None, cache=cache)
    except RecursionError as exc:  # defensive: readers are iterative and depth-limited
        problem = ManifestError("manifests nest too deeply to be read", path=os.fspath(directory))
        raise ManifestErrors([problem]) from exc


def _load(
    directory: str | os.PathLike[str],
    *,
    schemas: Mapping[str, ProviderSchema],
    environ: Mapping[str, str] | None,
    allowed: tuple[Path, ...] | None,
    cache: ParseCache | None,
) -> Desired:
    """`allowed`: the Firm's settings.secret_files once known (None: not read yet)."""
    root = Path(directory)
    report = Report()
    refs = References(
        environ=os.environ if environ is None else environ, root=root, allowed=allowed or ()
    )
    warnings: list[str] = []
    digest = hashlib.sha256()
    firms: list[Entry] = []
    traders: list[Entry] = []
    is_complete = True
    paths = _manifest_paths(root, report)
    validation = Validation(schemas)
    known: TraderCache | None = None  # traders validated by earlier runs, once a Firm is read
    is_asked = False
    for relative in paths:
        shown = str(root / relative)
        try:
            data = (root / relative).read_bytes()
        except OSError as exc:
            report.line(shown, 0, f"cannot read file: {exc.strerror or type(exc).__name__}")
            is_complete = False
            continue
        digest.update(b"%s\0%d\0" % (relative.encode("utf-8", "surrogateescape"), len(data)))
        digest.update(data)
        file = ManifestFile(shown, data)
        if not is_asked and validation.context is not None:  # the Firm was read: once
            known, is_asked = TraderCache.of(cache, validation.context, refs.sensitive), True
        cached = known.load(file) if known is not None else None
        if cached is not None:
            validation.take_valid(*cached)
            continue
        expand = partial(refs.expand, base=(root / relative).parent)
        before = (report.count, len(warnings), len(firms))
        is_whole = _read_file(
            file,
            expand,
            report=report,
            firms=firms,
            traders=traders,
            warnings=warnings,
            cache=cache,
        )
        is_complete &= is_whole
        warnings += _located_warnings(file, refs.warnings)
        refs.warnings.clear()
        if known is None or not is_whole or before != (report.count, len(warnings), len(firms)):
            validation.take(firms, traders)
            continue
        written = [str(entry.value.get("name")) for entry in traders]  # as `Validation` has them
        valid = validation.take_file(traders)  # the Firm is known: these are this file's alone
        if valid is not None:
            known.store(file, written, valid)
    if not paths:
        if report.is_empty:
            report.line(str(root), 0, "no manifest files (*.yaml, *.yml) found")
    elif not firms and is_complete:
        report.line(str(root), 0, "no Firm declared: exactly one document needs kind: Firm")
    context = validate_firm(firms, schemas=schemas, report=report)
    if refs.outside and allowed is None and context.firm is not None:
        declared = context.firm.settings.secret_files
        if declared:  # read again, now that the Firm says where else secrets may live
            folders = tuple(root / folder for folder in declared)
            return _load(directory, schemas=schemas, environ=environ, allowed=folders, cache=cache)
    validation.finish(traders, context, report)
    loaded, invalid, names = validation.loaded, validation.invalid, validation.names
    check_unique(_in_order(loaded, invalid) if invalid else loaded, schemas=schemas, report=report)
    if is_complete:  # with a file unread, any cross-reference may name a trader in it
        unloaded = frozenset(names - {valid.trader.name for valid in loaded})
        check_firm(loaded, context, report=report, unloaded=unloaded)
    report.raise_if_any(hidden=refs.sensitive)
    for warning in warnings:
        logger.warning(warning, extra={"is_located": True})
    assert context.firm is not None  # without problems, exactly one Firm was read and is valid
    valid_traders = tuple(valid.trader for valid in loaded)
    kept = validation.cached  # kept only without any secret: not looked through again
    unchecked = [v.trader for v in loaded if id(v) not in kept] if kept else valid_traders
    _warn_of_literal_secrets(context.firm, unchecked, refs)
    return Desired(
        firm=context.firm,
        traders=valid_traders,
        digest=digest.hexdigest(),
        sources={
            valid.trader.name: Source(valid.where.file.shown, valid.line, valid.where.path)
            for valid in loaded
        },
        sensitive_values=frozenset(refs.sensitive),
        moved_sources=_moved_sources(firms[0], len(context.firm.moved)),
    )


def _moved_sources(firm: Entry, count: int) -> tuple[Source, ...]:
    """Where each `moved` entry of the Firm is (its file read again only when there are some)."""
    if not count:
        return ()
    where = firm.where
    paths = [(*where.path, "moved", index) for index in range(count)]
    lines = PathLines(where.file.data, [(where.doc, path) for path in paths])
    return tuple(Source(where.file.shown, lines.line(where.doc, path), path) for path in paths)


def _located_warnings(file: ManifestFile, found: list[tuple[str, str]]) -> list[str]:
    """`file:line: warning: message` for each (reference as written, message)."""
    located = []
    for written, message in found:
        at = file.data.find(written.encode("utf-8", "surrogateescape"))
        line = file.data.count(b"\n", 0, at) + 1 if at >= 0 else 0
        located.append(f"{file.shown}:{line}: warning: {message}")
    return located


def _in_order(loaded: list[Valid], invalid: list[Invalid]) -> list[Valid | Invalid]:
    """Valid and invalid traders in the order they were declared (file, then line)."""
    both: list[Valid | Invalid] = [*loaded, *invalid]
    return sorted(both, key=lambda t: (t.where.file.shown, t.line))


def _warn_of_literal_secrets(firm: BaseModel, traders: Sequence[Trader], refs: References) -> None:
    """Secrets belong in the environment or in 0600 files, not in manifests kept in git."""
    found = list(literal_secrets(firm, "firm", refs.supplied))
    for trader in traders:
        found += literal_secrets(trader, f"trader {trader.name}", refs.supplied)
    if found:
        shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
        logger.warning(
            "%d secret(s) are written into the manifests (%s); keep secrets out of git: use "
            "${env:NAME} or ${file:path}",
            len(found),
            shown,
        )


def _manifest_paths(root: Path, report: Report) -> list[str]:
    """Relative POSIX paths of the manifest files below `root`, sorted."""
    if not root.is_dir():
        reason = "not a directory" if root.exists() else "does not exist"
        report.line(str(root), 0, reason)
        return []

    def unreadable(exc: OSError) -> None:
        report.line(str(exc.filename or root), 0, f"cannot list: {exc.strerror}")

    found: list[str] = []
    for folder, _, names in os.walk(root, onerror=unreadable):
        for name in names:
            if name.endswith(SUFFIXES):
                found.append(Path(folder, name).relative_to(root).as_posix())
    return sorted(found)


def _read_file(
    file: ManifestFile,
    expand: Expand,
    *,
    report: Report,
    firms: list[Entry],
    traders: list[Entry],
    warnings: list[str],
    cache: ParseCache | None = None,
) -> bool:
    """Sort the file's documents into firms and traders; False when it could not be read whole.
    A file without any document (empty, comments, a lone `---`) is warned about."""
    try:
        file.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = file.data.count(b"\n", 0, exc.start) + 1
        bad = file.data[exc.start]
        report.line(file.shown, line, f"file is not UTF-8 text (invalid byte 0x{bad:02x})")
        return False
    read = read_documents if cache is None else cache.read
    documents, problems = read(file.data, expand=expand)
    if not problems and all(document.value is None for document in documents):
        warnings.append(f"{file.shown}:1: warning: the file declares nothing (it is empty)")
    is_whole = True
    for problem in problems:
        if problem.message:  # an empty one only marks a value as lost (a repeated alias)
            report.line(file.shown, problem.line, problem.message)
        if problem.doc < 0:
            is_whole = False
        elif problem.is_value_lost and problem.path is not None:
            report.value_lost(Where(file, problem.doc, problem.path))
    for document in documents:
        value = document.value
        where = Where(file, document.index)
        if value is None:
            continue
        if isinstance(value, dict):
            kind = value.get("kind")
            if "kind" not in value:
                report.at(where, f"kind is missing (expected one of: {KINDS})")
            elif kind == "Firm":
                firms.append(Entry(where, document.line, value))
            elif kind == "Trader":
                traders.append(Entry(where, document.line, value))
            else:
                message = f"kind: unknown kind {kind!r} (expected one of: {KINDS})"
                report.at(where.at(("kind",)), message)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                item_where = where.at((i,))
                kind = item.get("kind", "Trader") if isinstance(item, dict) else None
                if not isinstance(item, dict):
                    report.at(item_where, f"a list holds traders (mappings), not {_shape(item)}")
                elif kind != "Trader":
                    message = f"kind: a list holds only traders (kind: Trader), not {kind!r}"
                    report.at(item_where.at(("kind",)), message)
                else:
                    traders.append(Entry(item_where, document.item_lines[i], item))
        else:
            report.at(
                where,
                "a document is a mapping with kind: Firm or Trader, or a list of traders; "
                f"not {_shape(value)}",
            )
    return is_whole


def _shape(value: object) -> str:
    """What kind of value this is, without showing it (it may be a secret)."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
