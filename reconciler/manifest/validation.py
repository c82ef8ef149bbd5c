"""Pydantic validation of manifest values, its errors turned into concise, secret-free problems.

A problem's path is a document path (union-member tags dropped), so it can be given a line;
its message reads `<dotted.path>: <message>`. SecretStr fields only say that they are invalid.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import ErrorDetails

from reconciler.manifest.models import Path, Problem

M = TypeVar("M", bound=BaseModel)
PREFIXES = ("Value error, ", "Assertion failed, ")
SHOULD_BE = "Input should be "


def validate(model: type[M], value: Any, *, prefix: Path = ()) -> tuple[M | None, list[Problem]]:
    """`model` validated from `value`, or None and the problems (paths start with `prefix`)."""
    try:
        return model.model_validate(value), []
    except ValidationError as exc:
        return None, describe(
            exc.errors(include_url=False), model=model, value=value, prefix=prefix
        )


def located(problem: Problem) -> str:
    """`dotted.path: message`, or the bare message for the document itself."""
    if not problem.path:
        return problem.message
    return ".".join(str(part) for part in problem.path) + ": " + problem.message


def describe(
    errors: Sequence[ErrorDetails], *, model: type[BaseModel], value: Any, prefix: Path = ()
) -> list[Problem]:
    """One problem per offending path, union members' errors merged into one message."""
    cleaned = [(*_document_path(error, value), error) for error in errors]
    # When one union member got past the type check (its errors lie deeper), the other
    # members' "should be a ..." errors at the union itself are noise.
    deeper = {path[:at] for path, at, _ in cleaned if at is not None and len(path) > at}
    grouped: dict[Path, list[ErrorDetails]] = {}
    for path, at, error in cleaned:
        if at is not None and len(path) == at and path in deeper:
            continue
        grouped.setdefault(path, []).append(error)
    return [
        Problem((*prefix, *path), _message(model, path, group)) for path, group in grouped.items()
    ]


def _document_path(error: ErrorDetails, value: Any) -> tuple[Path, int | None]:
    """The error's location as keys and indices of `value`, and where a union tag was dropped."""
    path: list[str | int] = []
    union_at: int | None = None
    loc = error["loc"]
    node = value
    for i, part in enumerate(loc):
        is_key = isinstance(node, dict) and isinstance(part, str) and part in node
        is_index = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if is_key or is_index:
            node = node[part]
        elif error["type"] == "missing" and i == len(loc) - 1:
            node = None
        else:  # a union member's tag, or '[key]': not a place in the document
            if union_at is None:
                union_at = len(path)
            continue
        path.append(part)
    return tuple(path), union_at


def _message(model: type[BaseModel], path: Path, errors: list[ErrorDetails]) -> str:
    if _is_secret(model, path):
        reasons = [
            _text(error)
            for error in errors
            if error["type"] == "value_error" and not _echoes_input(error)
        ]
        return reasons[0] if reasons else "is invalid (value not shown: it is secret)"
    messages: list[str] = []
    for error in errors:
        if error["type"] == "extra_forbidden":
            text = "unknown field" + _known_fields(model, path[:-1])
        else:
            text = _text(error)
        if text not in messages:
            messages.append(text)
    if len(messages) > 1 and all(text.startswith(SHOULD_BE) for text in messages):
        return SHOULD_BE + ", or ".join(text.removeprefix(SHOULD_BE) for text in messages)
    return "; ".join(messages)


def _text(error: ErrorDetails) -> str:
    text = error["msg"]
    for prefix in PREFIXES:
        text = text.removeprefix(prefix)
    return text


def _echoes_input(error: ErrorDetails) -> bool:
    given = error.get("input")
    return isinstance(given, str) and bool(given) and given in error["msg"]


def _known_fields(model: type[BaseModel], path: Path) -> str:
    names = sorted({name for t in _types_at(model, path) for name in _model_fields(t)})
    return f" (expected one of: {', '.join(names)})" if names else ""


def _is_secret(model: type[BaseModel], path: Path) -> bool:
    return any(t is SecretStr for t in _types_at(model, path))


def _types_at(model: type[BaseModel], path: Path) -> list[Any]:
    """The types a value at `path` may have, following model fields, lists and dicts."""
    current: list[Any] = [model]
    for part in path:
        following: list[Any] = []
        for annotation in current:
            origin, args = get_origin(annotation), get_args(annotation)
            if isinstance(part, str) and part in _model_fields(annotation):
                following.append(_model_fields(annotation)[part])
            elif origin is list and isinstance(part, int) and args:
                following.append(args[0])
            elif origin is dict and isinstance(part, str) and len(args) == 2:
                following.append(args[1])
        current = [member for annotation in following for member in _members(annotation)]
    return current


def _model_fields(annotation: Any) -> dict[str, Any]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: info.annotation for name, info in annotation.model_fields.items()}
    return {}


def _members(annotation: Any) -> list[Any]:
    """A union's members (recursively), an Annotated's type, or the annotation itself."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return [member for arg in get_args(annotation) for member in _members(arg)]
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    return [annotation]
