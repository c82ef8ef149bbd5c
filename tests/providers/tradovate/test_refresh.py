"""The Tradovate refresh's list answers as Remotes."""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from typing import Any, cast

from reconciler.plan import Address, DesiredResource, ReadRequest
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.models import ContactInfo, User
from reconciler.providers.tradovate.refresh import read_contacts

FIELDS: dict[str, Any] = {
    "first_name": "Alice",
    "last_name": "Smith",
    "phone": "+15551234567",
    "street_address1": "1 Main St",
    "street_address2": None,
    "city": "Chicago",
    "state": "IL",
    "post_code": "60601",
    "country": "US",
}


class Contacts:
    def __init__(self, contacts: Sequence[ContactInfo]) -> None:
        self.contacts = contacts

    def contact_chunks(self, user_ids: Sequence[int]) -> Iterator[list[ContactInfo]]:
        yield [c for c in self.contacts if c.user_id in user_ids]


def request(name: str, attributes: dict[str, Any]) -> ReadRequest:
    address = Address("tradovate_contact", name)
    return ReadRequest(address, name, desired=DesiredResource(address, attributes, name))


def test_a_contact_shown_as_declared_is_the_declared_mapping_and_others_what_is_shown() -> None:
    users = {
        n: User(id=i, name=n, email=f"{n}@x.test", status="Active") for i, n in ((1, "a"), (2, "b"))
    }
    shown = [
        ContactInfo(id=1, user_id=1, **FIELDS),
        ContactInfo(id=2, user_id=2, **{**FIELDS, "city": "Boston"}),
    ]
    declared = {"a": request("a", dict(FIELDS)), "b": request("b", dict(FIELDS))}
    client = cast(TradovateClient, Contacts(shown))

    found = read_contacts(client, list(declared.values()), users)

    same, changed = (found[declared[n].address].attributes for n in ("a", "b"))
    assert same is cast(DesiredResource, declared["a"].desired).attributes
    assert changed == {**FIELDS, "city": "Boston"}


class Chunk(list[ContactInfo]):
    """A call's answer that can be watched going."""


def test_contacts_are_compared_a_call_at_a_time_and_each_answer_let_go() -> None:
    users = {
        f"u{i}": User(id=i, name=f"u{i}", email=f"u{i}@x.test", status="Active") for i in range(6)
    }
    requests = [request(name, dict(FIELDS)) for name in users]
    answered: list[weakref.ref[Chunk]] = []
    held_before: list[int] = []

    class Chunked:
        def contact_chunks(self, user_ids: Sequence[int]) -> Iterator[list[ContactInfo]]:
            for start in range(0, len(user_ids), 2):
                held_before.append(sum(ref() is not None for ref in answered))
                chunk = Chunk(
                    ContactInfo(id=i, user_id=i, **FIELDS) for i in user_ids[start : start + 2]
                )
                answered.append(weakref.ref(chunk))
                yield chunk

    found = read_contacts(cast(TradovateClient, Chunked()), requests, users)

    assert len(found) == 6
    assert held_before == [0, 1, 1]  # at most the answer just before, being let go
