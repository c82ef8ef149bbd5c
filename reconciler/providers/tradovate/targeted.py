"""When a Tradovate refresh of a few traders may read their objects by id instead of the
firm's whole lists: every user recorded, and the users read by id answer each request as the
user list would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.plan import ReadRequest
from reconciler.providers.tradovate.models import User
from reconciler.providers.tradovate.resources import CONTACT, ENTITLEMENT, USER

FEW_USERS = 1000
"""Most users `read_few` reads by id (in calls of ITEMS_CHUNK ids); beyond, the user list is
fewer calls (assumed: the platform states no cost per call)."""


def recorded_user_ids(requests: Sequence[ReadRequest]) -> dict[str, int] | None:
    """The recorded platform id of each trader's user by username, when every request is of
    a kind read by id and every user is recorded; None otherwise."""
    ids: dict[str, int] = {}
    for request in requests:
        kind = request.address.kind
        if kind == USER:
            recorded = request.recorded
            if recorded is None or not recorded.remote_id.isdigit():
                return None
            ids[request.natural_key] = int(recorded.remote_id)
        elif kind not in (CONTACT, ENTITLEMENT):
            return None
    return ids


def answers_alike(
    requests: Sequence[ReadRequest], users: Mapping[str, User], ids: Mapping[str, int]
) -> bool:
    """Whether the users read by id answer every request as the user list would: each
    trader's user found under its recorded id and username, and no e-mail to change (a
    change is checked against every user's e-mail)."""
    for request in requests:
        user = users.get(request.natural_key.partition("/")[0])
        if user is None:
            return False
        if request.address.kind != USER:
            continue
        if user.id != ids[request.natural_key]:
            return False
        desired = request.desired
        if desired is not None:
            email = str(desired.attributes.get("email", ""))
            if email.lower() != user.email.lower():
                return False
    return True


__all__ = ["FEW_USERS", "answers_alike", "recorded_user_ids"]
