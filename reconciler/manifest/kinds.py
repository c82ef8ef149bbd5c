"""Validation of the manifest kinds: the one Firm with its provider settings, each Trader with
its provider blocks (firm defaults merged under them), and firm-wide uniqueness."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from reconciler.frozen import quick_init
from reconciler.manifest.models import Firm, Path, Problem, ProviderSchema, Trader
from reconciler.manifest.report import Report, Where
from reconciler.manifest.validation import validate

TRADER_FIELDS = frozenset(Trader.model_fields) - {"platforms"}


@quick_init
@dataclass(frozen=True, slots=True)
class Entry:
    """One Firm or Trader mapping as read: where it is, the line it starts on, its value."""

    where: Where
    line: int
    value: dict[str, Any]


@quick_init
@dataclass(frozen=True, slots=True)
class Valid:
    """A trader that validated: where it was declared, its model and its provider blocks (its
    raw value is not kept: it is no longer needed once validated)."""

    where: Where
    line: int
    trader: Trader
    platforms: dict[str, BaseModel]


@dataclass(frozen=True, slots=True)
class Invalid:
    """A trader that did not validate, kept for the firm-wide uniqueness check only: its
    name, username and e-mail where they are text, and the provider blocks that validated."""

    where: Where
    line: int
    name: str | None
    username: str | None
    email: str | None
    platforms: dict[str, BaseModel]


@dataclass(frozen=True, slots=True)
class FirmContext:
    """What traders are validated against. `configured` is None when no Firm could be read."""

    schemas: Mapping[str, ProviderSchema]
    firm: Firm | None = None
    settings: Mapping[str, BaseModel] = field(default_factory=dict)
    configured: frozenset[str] | None = None
    defaults: Mapping[str, dict[str, Any]] = field(default_factory=dict)


def validate_firm(
    firms: Sequence[Entry], *, schemas: Mapping[str, ProviderSchema], report: Report
) -> FirmContext:
    """Validate the first Firm and its provider settings; report any further Firm."""
    if not firms:
        return FirmContext(schemas)
    entry = firms[0]
    for extra in firms[1:]:
        report.at(extra.where, "only one Firm may be declared", first=entry.where)
    raw = entry.value
    firm, problems = validate(Firm, raw)
    report.problems(entry.where, problems)
    known = ", ".join(sorted(schemas)) or "none"
    settings: dict[str, BaseModel] = {}
    providers = raw.get("providers")
    configured = frozenset(providers) if isinstance(providers, dict) else None
    for name, block in providers.items() if isinstance(providers, dict) else ():
        schema = schemas.get(name)
        if schema is None:
            message = f"unknown provider {name!r} (known: {known})"
            report.at(entry.where.at(("providers", name)), message)
            continue
        model, problems = validate(schema.settings, block, prefix=("providers", name))
        report.problems(entry.where, problems)
        if model is not None:
            settings[name] = model
    defaults: dict[str, dict[str, Any]] = {}
    raw_defaults = raw.get("defaults")
    for name, block in raw_defaults.items() if isinstance(raw_defaults, dict) else ():
        if name not in schemas:
            message = f"unknown provider {name!r} in defaults (known: {known})"
            report.at(entry.where.at(("defaults", name)), message)
        elif isinstance(block, dict):
            defaults[name] = block
    if firm is not None:
        for name in firm.settings.rate_limits:
            if name not in schemas:
                message = f"unknown provider {name!r} in rate_limits (known: {known})"
                report.at(entry.where.at(("settings", "rate_limits", name)), message)
        firm = firm.model_copy(update={"providers": settings})
    return FirmContext(schemas, firm, settings, configured, defaults)


def validate_trader(
    entry: Entry, context: FirmContext, *, report: Report
) -> tuple[Trader, dict[str, BaseModel]] | Invalid:
    """The trader with its validated provider blocks (Invalid when they do not validate);
    cross-reference problems from the providers' checks are reported, not returned. The
    checks run on a trader with field errors too (on a stand-in for its failed fields), so
    every problem is reported in one run."""
    schemas = context.schemas
    fields: dict[str, Any] = {}
    blocks: dict[str, Any] = {}
    for key, value in entry.value.items():
        if key in schemas:
            blocks[key] = value
        elif key in TRADER_FIELDS:
            fields[key] = value
        else:
            expected = ", ".join(sorted(TRADER_FIELDS | set(schemas)))
            message = f"{key}: unknown field (expected one of: {expected})"
            report.at(entry.where.at((key,)), message)
    platforms: dict[str, BaseModel] = {}
    for name, block in blocks.items():
        if context.firm is None:
            continue  # blocks take the Firm's defaults: without a valid Firm, errors are noise
        if context.configured is not None and name not in context.configured:
            configured = ", ".join(sorted(context.configured)) or "none"
            message = f"{name}: provider is not configured on the Firm (configured: {configured})"
            report.at(entry.where.at((name,)), message)
            continue
        merged = {} if block is None else block
        if name in context.defaults and isinstance(merged, dict):
            merged = merge(context.defaults[name], merged)
        model, problems = validate(schemas[name].trader, merged, prefix=(name,))
        report.problems(entry.where, problems)
        if model is not None:
            platforms[name] = model
    trader, problems = validate(Trader, {**fields, "platforms": platforms})
    report.problems(entry.where, problems)
    failed: set[str | int] = {problem.path[0] for problem in problems if problem.path}
    checked = trader if trader is not None else _stand_in(fields, platforms, problems)
    for name, block_model in platforms.items():
        check = schemas[name].check
        settings = context.settings.get(name)
        if check is not None and settings is not None and checked is not None:
            found = check(settings, block_model, checked)
            report.problems(entry.where, [p for p in found if not _on(p.path, failed)])
    if trader is None or len(platforms) < len(blocks):
        value = entry.value
        return Invalid(
            entry.where,
            entry.line,
            name=_text(value.get("name")),
            username=_text(value.get("username")),
            email=_text(value.get("email")),
            platforms=platforms,
        )
    return trader, platforms


_STAND_INS = {
    "name": "stand-in",
    "username": "stand-in",
    "email": "stand-in@example.invalid",
    "first_name": "Stand",
    "last_name": "In",
}
"""Valid values for required trader fields that failed validation, so the providers' checks
can still run; a problem a check reports on a failed field is a follow-on and is dropped."""


def _stand_in(
    fields: dict[str, Any], platforms: dict[str, BaseModel], problems: Sequence[Problem]
) -> Trader | None:
    """The trader with each failed field replaced (required) or left out (optional); None
    when a rule of the whole trader failed."""
    if any(not problem.path for problem in problems):
        return None
    failed = {problem.path[0] for problem in problems}
    kept = {k: v for k, v in fields.items() if k not in failed}
    kept.update({k: v for k, v in _STAND_INS.items() if k in failed})
    trader, _ = validate(Trader, {**kept, "platforms": platforms})
    return trader


def _on(path: Path, fields: set[str | int]) -> bool:
    """Whether `path` lies in one of `fields` (a follow-on of that field's own error)."""
    return bool(path) and path[0] in fields


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def check_unique(
    traders: Sequence[Valid | Invalid],
    *,
    schemas: Mapping[str, ProviderSchema],
    report: Report,
) -> None:
    """Report a second trader name, username, e-mail (case-insensitive) or provider key,
    among valid and invalid traders alike (in the order they were declared)."""
    first: dict[tuple[str, ...], tuple[Where, Path]] = {}

    def claim(key: tuple[str, ...], where: Where, path: Path) -> Where | None:
        """The earlier place of `key` (None if this is the first), places built only then."""
        spot = (where, path)
        earlier = first.setdefault(key, spot)
        return None if earlier is spot else earlier[0].at(earlier[1])

    for valid in traders:
        where = valid.where
        key: str | None
        username: str | None
        email: str | None
        if isinstance(valid, Valid):
            key, username, email = valid.trader.name, valid.trader.username, valid.trader.email
        else:
            key, username, email = valid.name, valid.username, valid.email
        if key is not None and (earlier := claim(("name", key), where, ("name",))):
            message = f"name: duplicate trader name {key!r}"
            report.at(where.at(("name",)), message, first=earlier)
        if username is not None and (
            earlier := claim(("username", username.casefold()), where, ("username",))
        ):
            message = f"username: duplicate username {username!r} (compared case-insensitively)"
            report.at(where.at(("username",)), message, first=earlier)
        if email is not None and (earlier := claim(("email", email.casefold()), where, ("email",))):
            message = f"email: duplicate e-mail {email!r} (compared case-insensitively)"
            report.at(where.at(("email",)), message, first=earlier)
        for name, block in valid.platforms.items():
            unique_keys = schemas[name].unique_keys
            for path, key in unique_keys(block) if unique_keys is not None else ():
                if earlier := claim(("provider", name, key), where, path):
                    dotted = ".".join(str(part) for part in path)
                    report.at(where.at(path), f"{dotted}: duplicate {key}", first=earlier)


def check_firm(
    traders: Sequence[Valid],
    context: FirmContext,
    *,
    report: Report,
    unloaded: frozenset[str] = frozenset(),
) -> None:
    """Run each provider's firm-wide check over the valid traders that use the provider.
    A problem naming a trader in `unloaded` (declared, but reported invalid already) is a
    follow-on of that error and is left out."""
    where = {valid.trader.name: valid.where for valid in traders}
    for name, schema in context.schemas.items():
        settings = context.settings.get(name)
        if schema.check_firm is None or settings is None:
            continue
        members = [(v.trader, v.platforms[name]) for v in traders if name in v.platforms]
        for trader_name, problem in schema.check_firm(settings, members):
            if not any(repr(name) in problem.message for name in unloaded):
                report.problems(where[trader_name], [problem])


def merge(defaults: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
    """`block` over `defaults`: mappings merge key by key, anything else in `block` wins."""
    merged = dict(defaults)
    for key, value in block.items():
        under = merged.get(key)
        if isinstance(under, dict) and isinstance(value, dict):
            merged[key] = merge(under, value)
        else:
            merged[key] = value
    return merged
