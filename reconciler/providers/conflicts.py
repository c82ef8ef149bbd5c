"""Refusals a platform would make that the refresh foresees, shared by the providers."""

from __future__ import annotations

from collections.abc import Callable

from reconciler.errors import PlanConflict
from reconciler.plan import ReadRequest


def refuse_held_email(
    request: ReadRequest,
    *,
    own_id: object,
    holder_of: Callable[[str], tuple[object, str] | None],
    platform: str,
) -> None:
    """A create or an e-mail change to an e-mail another platform user holds is refused by
    the platform: a plan-time error naming that user instead. `holder_of` maps a lower-cased
    e-mail to its holder's (id, name); `own_id` is the trader's own user's id, if any."""
    if request.desired is None:
        return
    email = str(request.desired.attributes.get("email", ""))
    holder = holder_of(email.lower())
    if holder is None or holder[0] == own_id:
        return
    holder_id, name = holder
    raise PlanConflict(
        f"{request.address}: e-mail {email} is already held by {platform} user "
        f"{name} ({holder_id}), not this trader's; the platform would refuse it "
        "(give the trader another e-mail, or import that user if it is the trader's)"
    )


__all__ = ["refuse_held_email"]
