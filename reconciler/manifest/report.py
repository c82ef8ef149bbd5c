"""Problems collected while loading, given their lines at the end and raised together.

Lines of document paths are computed only for files that have problems (see positions.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.errors import ManifestError, ManifestErrors
from reconciler.frozen import quick_init
from reconciler.manifest.models import Path, Problem
from reconciler.manifest.positions import PathLines
from reconciler.manifest.validation import located


@dataclass(frozen=True, slots=True, eq=False)
class ManifestFile:
    """One manifest file: the path shown in messages and its bytes."""

    shown: str
    data: bytes


@quick_init
@dataclass(frozen=True, slots=True)
class Where:
    """A place in a manifest file: a document and a path inside it."""

    file: ManifestFile
    doc: int
    path: Path = ()

    def at(self, path: Path) -> Where:
        """The place `path` below this one."""
        return Where(self.file, self.doc, (*self.path, *path))


@dataclass(frozen=True, slots=True)
class _Pending:
    message: str
    where: Where | None
    shown: str = ""
    line: int = 0
    first: Where | None = None


class Report:
    """Collects problems; `raise_if_any` locates and raises them all at once."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._lost: set[tuple[ManifestFile, int, Path]] = set()

    def at(self, where: Where, message: str, *, first: Where | None = None) -> None:
        """A problem at a document path; `first` names an earlier declaration it collides with."""
        self._pending.append(_Pending(message, where, first=first))

    def problems(self, where: Where, problems: list[Problem]) -> None:
        """Problems whose paths are relative to `where`, shown as `dotted.path: message`."""
        for problem in problems:
            self._pending.append(_Pending(located(problem), where.at(problem.path)))

    def line(self, shown: str, line: int, message: str) -> None:
        """A problem whose line is already known (0: the whole file, or no file at all)."""
        self._pending.append(_Pending(message, None, shown=shown, line=line))

    def extend(self, other: Report) -> None:
        """`other`'s problems after this report's."""
        self._pending += other._pending
        self._lost |= other._lost

    def value_lost(self, where: Where) -> None:
        """The value at `where` could not be read (already reported): further problems at or
        below it are not reported."""
        self._lost.add((where.file, where.doc, where.path))

    @property
    def is_empty(self) -> bool:
        return not self._pending

    @property
    def count(self) -> int:
        """Problems and lost values collected so far."""
        return len(self._pending) + len(self._lost)

    def raise_if_any(self, *, hidden: set[str] | frozenset[str] = frozenset()) -> None:
        """Raise ManifestErrors with every problem at its `file:line`, if there is any;
        any of the `hidden` values (from references) a message would quote is `(sensitive)`."""
        pending = [item for item in self._pending if not self._is_about_lost_value(item.where)]
        if not pending:
            return
        wanted: dict[ManifestFile, list[tuple[int, Path]]] = {}
        for item in pending:
            for where in (item.where, item.first):
                if where is not None:
                    wanted.setdefault(where.file, []).append((where.doc, where.path))
        lines = {file: PathLines(file.data, spots) for file, spots in wanted.items()}

        def position(where: Where) -> tuple[str, int]:
            return where.file.shown, lines[where.file].line(where.doc, where.path)

        errors: list[ManifestError] = []
        for item in pending:
            shown, line = (item.shown, item.line) if item.where is None else position(item.where)
            message = item.message
            if item.first is not None:
                first_shown, first_line = position(item.first)
                message += f" (first declared at {first_shown}:{first_line})"
            message = conceal(message, hidden)
            errors.append(ManifestError(message, path=shown, line=line))
        raise ManifestErrors(errors)

    def _is_about_lost_value(self, where: Where | None) -> bool:
        if where is None or not self._lost:
            return False
        path = where.path
        return any((where.file, where.doc, path[:n]) in self._lost for n in range(len(path) + 1))


def conceal(message: str, hidden: set[str] | frozenset[str]) -> str:
    """`message` with every quoted occurrence of a hidden value replaced by `(sensitive)`,
    longest values first (one shorter than 6 characters only where it is quoted, so that a
    short value such as a plan name does not blank out the words of unrelated messages)."""
    for value in sorted(hidden, key=len, reverse=True):
        for quoted in (repr(value), f'"{value}"'):
            message = message.replace(quoted, "(sensitive)")
        if len(value) >= 6:  # assumed: shorter texts occur in messages by chance
            message = message.replace(value, "(sensitive)")
    return message
