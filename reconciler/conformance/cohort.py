"""The throwaway cohort a conformance run creates: names under the firm's prefix that can never
be a declared trader's, and what was made (for the cleanup)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.errors import ReconcilerError

PREFIX = re.compile(r"[A-Z]{2,12}")


class CohortError(ReconcilerError):
    """The prefix is unusable or would reach the firm's own traders."""


@dataclass
class Cohort:
    """Users `<prefix>.<run>.<n>` and accounts `<PREFIX><run><n>`; what exists so far."""

    prefix: str
    run: str
    user_ids: dict[str, int] = field(default_factory=dict)
    account_ids: dict[str, int] = field(default_factory=dict)
    permission_ids: dict[str, int] = field(default_factory=dict)

    def username(self, n: int) -> str:
        return f"{self.prefix.lower()}.{self.run}.{n}"

    def email(self, n: int) -> str:
        return f"{self.username(n)}@conformance.invalid"

    def account(self, n: int) -> str:
        return f"{self.prefix}{self.run}{n}"


def make_cohort(
    prefix: str, *, run: str, usernames: Iterable[str], accounts: Iterable[str]
) -> Cohort:
    """A cohort, refused when the prefix is malformed or starts a declared name."""
    if not PREFIX.fullmatch(prefix):
        raise CohortError(
            f"conformance prefix {prefix!r} must be 2-12 upper-case letters (account names are "
            "upper-case letters then digits)"
        )
    lowered = prefix.lower()
    clash = sorted(
        {u for u in usernames if u.lower().startswith(f"{lowered}.")}
        | {a for a in accounts if a.upper().startswith(prefix)}
    )
    if clash:
        raise CohortError(
            f"conformance prefix {prefix!r} matches declared names ({', '.join(clash[:5])}); "
            "choose another prefix"
        )
    return Cohort(prefix, run)
