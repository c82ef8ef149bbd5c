"""`${env:NAME}` and `${file:path}` references inside manifest strings, whole or embedded, and
the check that secrets come from them rather than being written into a manifest kept in git.

Messages name the variable or file, never its value. `$${` writes a literal `${`.
"""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Iterator, Mapping
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, SecretStr

logger = logging.getLogger(__name__)

REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)(\}?)")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_FILE_BYTES = 1 << 20
HINT = "use ${env:NAME} or ${file:path}, or $${ for a literal ${"


class References:
    """Expands references for one load: reads each referenced file once, warns once per file.

    Invariant: a failed reference is reported by the variable's name or the file's path only.
    """

    def __init__(self, *, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self._files: dict[Path, tuple[str | None, str]] = {}
        self.supplied: set[str] = set()
        """Every string a reference produced (to tell secrets from literals)."""

    def expand(self, text: str, *, base: Path) -> tuple[str, list[str]]:
        """`text` with its references replaced, and one message per reference that failed.

        `base` is the directory of the manifest file, where `${file:...}` paths start.
        """
        problems: list[str] = []

        def substitute(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            body, closing = match.group(1), match.group(2)
            if not closing:
                problems.append(f"unterminated reference '${{{body}' ({HINT})")
                return match.group(0)
            scheme, _, name = body.partition(":")
            if scheme == "env":
                value = self._variable(name, problems)
            elif scheme == "file":
                value = self._file(name, base=base, problems=problems)
            else:
                problems.append(f"unknown reference '${{{body}}}' ({HINT})")
                value = None
            return match.group(0) if value is None else value

        expanded = REFERENCE.sub(substitute, text)
        if not problems:
            self.supplied.add(expanded)
        return expanded, problems

    def _variable(self, name: str, problems: list[str]) -> str | None:
        if not ENV_NAME.match(name):
            problems.append(f"invalid environment variable name {name!r} in ${{env:{name}}}")
            return None
        value = self._environ.get(name)
        if value is None:
            problems.append(
                f"environment variable {name} is not set (referenced as ${{env:{name}}})"
            )
        return value

    def _file(self, name: str, *, base: Path, problems: list[str]) -> str | None:
        if not name:
            problems.append("empty file name in ${file:}")
            return None
        path = base / name
        if path not in self._files:
            self._files[path] = _read_secret_file(path, shown=name)
        content, reason = self._files[path]
        if content is None:
            problems.append(f"cannot read file {name!r} (referenced as ${{file:{name}}}): {reason}")
        return content


def _read_secret_file(path: Path, *, shown: str) -> tuple[str | None, str]:
    """The file's text with one trailing newline stripped, or None and why it is unreadable."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, "it is not a regular file"
        if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            logger.warning(
                "%s is readable by group or others; as it may hold a secret, chmod 600 it",
                shown,
            )
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, exc.strerror or type(exc).__name__
    if len(data) > MAX_FILE_BYTES:
        return None, f"it is larger than {MAX_FILE_BYTES} bytes"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "it is not UTF-8 text"
    if text.endswith("\r\n"):
        return text[:-2], ""
    return text.removesuffix("\n"), ""


def literal_secrets(value: object, where: str, supplied: set[str]) -> Iterator[str]:
    """Where secrets (SecretStr values) below `value` were written out instead of coming from
    a reference, as `where.field.path` names. Model fields whose type cannot hold a secret
    are skipped (see `secret_fields`)."""
    if isinstance(value, SecretStr):
        if value.get_secret_value() not in supplied:
            yield where
    elif isinstance(value, BaseModel):
        for name in secret_fields(type(value)):
            yield from literal_secrets(getattr(value, name), f"{where}.{name}", supplied)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from literal_secrets(item, f"{where}.{key}", supplied)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from literal_secrets(item, f"{where}.{index}", supplied)


_SECRET_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {}
_NO_SECRETS = (str, bytes, int, float, bool, type(None), date, time, Decimal)
"""Leaf types that never hold a SecretStr (bool and datetime are covered by int and date)."""


def secret_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `model`, in order, whose declared type may hold a SecretStr somewhere
    below (unknown or `Any` types count as may)."""
    fields = _SECRET_FIELDS.get(model)
    if fields is None:
        fields = tuple(
            name
            for name, info in model.model_fields.items()
            if _may_hold_secret(info.annotation, set())
        )
        _SECRET_FIELDS[model] = fields
    return fields


def _may_hold_secret(annotation: Any, seen: set[int]) -> bool:
    if get_origin(annotation) is Literal:
        return False
    if isinstance(annotation, type) and get_origin(annotation) is None:
        if issubclass(annotation, SecretStr):
            return True
        if issubclass(annotation, BaseModel):
            if id(annotation) in seen:
                return False
            seen.add(id(annotation))
            return any(
                _may_hold_secret(info.annotation, seen) for info in annotation.model_fields.values()
            )
        return not issubclass(annotation, _NO_SECRETS)
    args = get_args(annotation)
    if not args:
        return True  # Any, a bare generic, a forward reference: it may
    return any(_may_hold_secret(arg, seen) for arg in args if arg is not Ellipsis)
