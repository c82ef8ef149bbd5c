"""The sandbox's rules for user data (P4-P9 of `docs/sandboxes/traderpal.md`): required and
writable fields, formats, the age rule, and which status transitions a PATCH may make."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from reconciler.manifest import is_country
from reconciler.providers.traderpal.sandbox.protocol import (
    Refusal,
    bad_request,
    conflict,
    invalid,
)
from reconciler.providers.traderpal.sandbox.world import STATUSES, Entity

EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
COUNTRY = re.compile(r"^[A-Z]{2}$")
PHONE = re.compile(r"^\+[1-9][0-9]{1,14}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MAX_NAME = 100
MAX_EMAIL = 254

REQUIRED = ("email", "firstName", "lastName")
OPTIONAL = ("dateOfBirth", "country", "phoneNumber")
WRITABLE = ("firstName", "lastName", *OPTIONAL, "status")
READ_ONLY = frozenset({"userId", "email", "status", "createdAt", "updatedAt", "verificationStatus"})
TRANSITIONS = frozenset(
    {
        ("active", "suspended"),
        ("suspended", "active"),
        ("pending_verification", "closed"),
        ("active", "closed"),
        ("suspended", "closed"),
    }
)


def new_user(body: Entity, *, today: date, min_age: int) -> Entity:
    """The fields of a user to create, validated (refusals: 400 shape, 422 data)."""
    _refuse_unknown(body, allowed={*REQUIRED, *OPTIONAL}, read_only=READ_ONLY - {"email"})
    for name in REQUIRED:
        if name not in body or body[name] is None:
            raise bad_request(f"{name} is required", field=name)
    fields: Entity = {name: _text(body, name) for name in REQUIRED}
    for name in OPTIONAL:
        fields[name] = None if body.get(name) is None else _text(body, name)
    email = fields["email"]
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        raise invalid("email", "invalid_format", "email is not a valid e-mail address")
    _check(fields, today=today, min_age=min_age)
    return fields


def changes(body: Entity, *, today: date, min_age: int) -> Entity:
    """The fields a PATCH changes, validated; `null` clears an optional field."""
    _refuse_unknown(body, allowed=set(WRITABLE), read_only=READ_ONLY - {"status"})
    fields: Entity = {}
    for name, value in body.items():
        if value is None and name in OPTIONAL:
            fields[name] = None
        elif value is None:
            raise invalid(name, "required", f"{name} cannot be removed")
        else:
            fields[name] = _text(body, name)
    status = fields.get("status")
    if status is not None and status not in STATUSES:
        raise invalid("status", "invalid_value", f"status must be one of {', '.join(STATUSES)}")
    _check(fields, today=today, min_age=min_age)
    return fields


def transition(current: str, wanted: str) -> None:
    """Refuse (409) a status change the platform does not allow through PATCH."""
    if current == "closed":
        raise conflict("invalid_state_transition", "a closed user cannot be changed")
    if wanted == current or (current, wanted) in TRANSITIONS:
        return
    if current == "pending_verification" and wanted == "active":
        message = "a user becomes active only when the trader completes identity verification"
    else:
        message = f"cannot change status from {current} to {wanted}"
    raise conflict("invalid_state_transition", message, field="status")


def _refuse_unknown(body: Entity, *, allowed: set[str], read_only: frozenset[str]) -> None:
    for name in body:
        if name in read_only:
            raise Refusal(
                422,
                "field_not_updatable",
                f"{name} cannot be set",
                field=name,
                reason="field_not_updatable",
            )
        if name not in allowed:
            raise bad_request(f"unknown field {name}", field=name)


def _text(body: Entity, name: str) -> str:
    value: Any = body[name]
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string", field=name)
    return value.strip()


def _check(fields: Entity, *, today: date, min_age: int) -> None:
    for name in ("firstName", "lastName"):
        value = fields.get(name)
        if value is not None and not 1 <= len(value) <= MAX_NAME:
            raise invalid(name, "invalid_length", f"{name} must be 1 to {MAX_NAME} characters")
    country = fields.get("country")
    if country is not None and not (COUNTRY.match(country) and is_country(country)):
        raise invalid("country", "invalid_format", "country must be an ISO 3166-1 alpha-2 code")
    phone = fields.get("phoneNumber")
    if phone is not None and not PHONE.match(phone):
        raise invalid("phoneNumber", "invalid_format", "phoneNumber must be in E.164 format")
    birth = fields.get("dateOfBirth")
    if birth is not None:
        _check_birth(birth, today=today, min_age=min_age)


def _check_birth(text: str, *, today: date, min_age: int) -> None:
    try:
        born = date.fromisoformat(text) if DATE.match(text) else None
    except ValueError:
        born = None
    if born is None:
        raise invalid("dateOfBirth", "invalid_format", "dateOfBirth must be a YYYY-MM-DD date")
    if born > today:
        raise invalid("dateOfBirth", "in_future", "dateOfBirth is in the future")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < min_age:
        raise invalid("dateOfBirth", "underage", f"the user must be at least {min_age} years old")
