"""The Tradovate refresh's list answers as Remotes."""

from __future__ import annotations

from collections.abc import Sequence
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

    def list_contacts(self, user_ids: Sequence[int]) -> list[ContactInfo]:
        return [c for c in self.contacts if c.user_id in user_ids]


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
