"""`${env:NAME}` and `${file:path}` references inside manifest strings, whole or embedded, and
the check that secrets come from them rather than being written into a manifest kept in git.

Messages name the variable or file, never its value. `$${` writes a literal `${`.
Every value a reference supplies is sensitive wherever it lands, unless the reference says
`${env:NAME, sensitive: false}`. `${file:...}` reads only inside the manifests directory or a
directory the Firm names in `settings.secret_files`, after symlinks are resolved.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, SecretStr

REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)(\}?)")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_FILE_BYTES = 1 << 20
HINT = "use ${env:NAME} or ${file:path}, or $${ for a literal ${"
NOT_SENSITIVE = re.compile(r"^\s*sensitive\s*:\s*false\s*$")


class References:
    """Expands references for one load: reads each referenced file once, warns once per file.

    Invariant: a failed reference is reported by the variable's name or the file's path only.
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str],
        root: Path | None = None,
        allowed: tuple[Path, ...] = (),
    ) -> None:
        self._environ = environ
        self._files: dict[Path, tuple[str | None, str]] = {}
        self._allowed = tuple(
            _resolved(folder) for folder in (*((root,) if root is not None else ()), *allowed)
        )
        self.supplied: set[str] = set()
        """Every string a reference produced (to tell secrets from literals)."""
        self.sensitive: set[str] = set()
        """Every value a sensitive reference produced, and each whole text holding one."""
        self.outside: list[str] = []
        """`${file:...}` names refused for resolving outside the allowed directories."""
        self.warnings: list[tuple[str, str]] = []
        """(reference as written, message) for files readable by group or others."""

    def expand(self, text: str, *, base: Path) -> tuple[str, list[str]]:
        """`text` with its references replaced, and one message per reference that failed.

        `base` is the directory of the manifest file, where `${file:...}` paths start.
        """
        problems: list[str] = []
        sensitive: list[str] = []

        def substitute(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            body, closing = match.group(1), match.group(2)
            if not closing:
                problems.append(f"unterminated reference '${{{body}' ({HINT})")
                return match.group(0)
            reference, comma, option = body.partition(",")
            if comma and not NOT_SENSITIVE.match(option):
                problems.append(
                    f"unknown option {option.strip()!r} in '${{{body}}}' "
                    "(the only option is 'sensitive: false')"
                )
                return match.group(0)
            scheme, _, name = reference.strip().partition(":")
            if scheme == "env":
                value = self._variable(name, problems)
            elif scheme == "file":
                value = self._file(name, base=base, problems=problems)
            else:
                problems.append(f"unknown reference '${{{body}}}' ({HINT})")
                value = None
            if value is None:
                return match.group(0)
            if not comma:
                sensitive.append(value)
            return value

        expanded = REFERENCE.sub(substitute, text)
        if not problems:
            self.supplied.add(expanded)
            if sensitive:
                self.sensitive.update(value for value in sensitive if value)
                self.sensitive.add(expanded)
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
        path = _resolved(base / name)
        if self._allowed and not any(path.is_relative_to(folder) for folder in self._allowed):
            self.outside.append(name)
            problems.append(
                f"${{file:{name}}} is outside the manifests directory; a file elsewhere must "
                "be in a directory the Firm names in settings.secret_files"
            )
            return None
        if path not in self._files:
            self._files[path] = self._read(path, shown=name)
        content, reason = self._files[path]
        if content is None:
            problems.append(f"cannot read file {name!r} (referenced as ${{file:{name}}}): {reason}")
        return content

    def _read(self, path: Path, *, shown: str) -> tuple[str | None, str]:
        content, reason, mode, owner = _read_secret_file(path)
        if content is not None and mode & (stat.S_IRGRP | stat.S_IROTH):
            advice = (
                "chmod 600 it"
                if owner == _user()
                else "ask its owner to make it readable by its owner only"
            )
            message = f"{shown} is readable by group or others; as it may hold a secret, {advice}"
            self.warnings.append((f"${{file:{shown}", message))
        return content, reason


def _resolved(path: Path) -> Path:
    """`path` absolute with every symlink and `..` resolved (as far as it exists)."""
    return Path(os.path.realpath(path))


def _user() -> int:
    return os.getuid() if hasattr(os, "getuid") else -1


def _read_secret_file(path: Path) -> tuple[str | None, str, int, int]:
    """The file's text with one trailing newline stripped, or None and why it is unreadable;
    and the file's mode and owner."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, "it is not a regular file", 0, -1
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, exc.strerror or type(exc).__name__, 0, -1
    mode, owner = info.st_mode, info.st_uid
    if len(data) > MAX_FILE_BYTES:
        return None, f"it is larger than {MAX_FILE_BYTES} bytes", mode, owner
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "it is not UTF-8 text", mode, owner
    if text.endswith("\r\n"):
        return text[:-2], "", mode, owner
    return text.removesuffix("\n"), "", mode, owner


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
