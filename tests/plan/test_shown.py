"""A record is what the platform shows when it shows exactly that (`ReadRequest.shown`): one
object for both, equal to a Remote that shows the same; anything else is a Remote."""

from __future__ import annotations

from reconciler.plan import Address, ReadRequest, Recorded, Remote

ALICE = Address("tradovate_user", "alice")
RECORD = Recorded(ALICE, "7", {"email": "a@x"}, {"id": 1}, "alice", "2026-01-01")


def test_what_shows_exactly_the_record_is_the_record() -> None:
    request = ReadRequest(ALICE, "alice", RECORD)

    shown = request.shown(request.same_id("7"), RECORD.attributes, RECORD.facts)

    assert shown is RECORD
    assert shown == Remote(ALICE, "7", {"email": "a@x"}, facts={"id": 1})
    assert Remote(ALICE, "7", {"email": "a@x"}, facts={"id": 1}) == shown


def test_anything_else_is_a_remote_of_its_own() -> None:
    request = ReadRequest(ALICE, "alice", RECORD)
    others = [
        request.shown("8", RECORD.attributes, RECORD.facts),  # another object
        request.shown("7", {"email": "a@x"}, RECORD.facts),  # equal, but not the mapping
        request.shown("7", RECORD.attributes),  # no facts shown
        ReadRequest(ALICE, "alice").shown("7", RECORD.attributes, RECORD.facts),  # no record
    ]
    moved = ReadRequest(Address("tradovate_user", "al"), "alice", RECORD)  # re-addressed

    assert all(type(other) is Remote for other in others)
    assert others[1] == RECORD
    assert others[2] != RECORD
    assert moved.shown("7", RECORD.attributes, RECORD.facts).address == moved.address


def test_records_are_equal_when_all_their_fields_are() -> None:
    same = Recorded(ALICE, "7", {"email": "a@x"}, {"id": 1}, "alice", "2026-01-01")
    later = Recorded(ALICE, "7", {"email": "a@x"}, {"id": 1}, "alice", "2026-02-01")

    assert same == RECORD
    assert later != RECORD
