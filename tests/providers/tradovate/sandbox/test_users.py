"""Sandbox users over HTTP: batch creation rules, e-mail and password changes, contact info."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.providers.tradovate.sandbox.reads import MAX_ITEM_IDS
from tests.providers.tradovate.sandbox.test_app import Driver, running, user


@pytest.fixture
def tv() -> Iterator[Driver]:
    with running() as driver:
        driver.create_user("taken", email="taken@example.com")
        yield driver


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"name": "ab"}, "Name should be 3 to 64 characters"),
        ({"name": "n" * 65}, "Name should be 3 to 64 characters"),
        ({"email": "no-at-sign.example.com"}, "Email is invalid"),
        ({"email": "e" * 53 + "@example.com"}, "Email is invalid"),
        ({"password": "short12"}, "Password should be 8 to 64 characters"),
        ({"password": "p" * 65}, "Password should be 8 to 64 characters"),
        ({"firstName": ""}, "First Name should be specified"),
        ({"lastName": "X"}, "Last Name should be 2 to 64 characters"),
        (
            {"firstName": "F" * 30, "lastName": "L" * 31},
            "First and last name together should be no longer than 60 characters",
        ),
        ({"name": "TAKEN"}, "User already exists"),
        ({"email": "Taken@Example.com"}, "Email already registered"),
        ({"tradovateSubscriptionPlanId": 999}, "Unknown subscription plan"),
        ({"tradovateSubscriptionPlanId": 502}, "Unknown subscription plan"),
        (
            {"entitlementIds": [12345]},
            "Sim+ entitlements must be added after the Market Data Agreement is signed",
        ),
        ({"entitlementIds": [301, 999]}, "Unknown entitlement"),
    ],
    ids=[
        "name-short",
        "name-long",
        "email-no-at",
        "email-long",
        "password-short",
        "password-long",
        "first-missing",
        "last-short",
        "names-together",
        "name-taken",
        "email-taken",
        "unknown-plan",
        "other-firms-plan",
        "sim-plus",
        "unknown-entitlement",
    ],
)
def test_a_bad_item_fails_alone(tv: Driver, fields: dict[str, Any], text: str) -> None:
    bad = user("baditem", **fields)
    results = tv.create_users(bad, user("gooditem"))
    assert results[0] == {"errorText": text}
    assert set(results[1]) == {"userId"}
    assert tv.live("GET", "/user/find?name=gooditem")["id"] == results[1]["userId"]


def test_lengths_at_the_limits_are_accepted(tv: Driver) -> None:
    edge = user(
        "n" * 64,
        email="e" * 52 + "@example.com",
        password="p" * 64,
        firstName="F" * 30,
        lastName="L" * 30,
    )
    results = tv.create_users(user("abc", password="p" * 8, lastName="Li"), edge)
    assert all("userId" in result for result in results), results


def test_created_users_have_the_documented_shape(tv: Driver) -> None:
    user_id = tv.create_user("shape1", tradovateSubscriptionPlanId=501, entitlementIds=[301])
    assert tv.live("GET", f"/user/item?id={user_id}") == {
        "id": user_id,
        "name": "shape1",
        "email": "shape1@example.com",
        "timestamp": "2026-01-07T12:00:00.000Z",
        "status": "Active",
        "professional": False,
        "organizationId": 1,
    }
    (subscription,) = tv.live("GET", f"/tradovateSubscription/deps?masterid={user_id}")
    assert subscription["tradovateSubscriptionPlanId"] == 501
    (plugin,) = tv.live("GET", f"/userPlugin/deps?masterid={user_id}")
    assert (plugin["entitlementId"], plugin["pluginName"], plugin["approval"]) == (
        301,
        "TradingView",
        True,
    )


def test_a_name_repeated_in_one_batch_fails_the_second_time(tv: Driver) -> None:
    results = tv.create_users(user("twin"), user("TWIN", email="other@example.com"))
    assert "userId" in results[0]
    assert results[1] == {"errorText": "User already exists"}


def test_a_batch_of_100_is_accepted_and_101_refused(tv: Driver) -> None:
    too_many = [user(f"bulk{i}") for i in range(101)]
    answer = tv.live("POST", "/user/createevaluationusers", {"users": too_many})
    assert answer == {"errorText": "Only 100 users are allowed in single operation", "results": []}
    assert len([r for r in tv.create_users(*too_many[:100]) if "userId" in r]) == 100


def test_entitlement_22_poisons_the_whole_call(tv: Driver) -> None:
    answer = tv.live(
        "POST",
        "/user/createevaluationusers",
        {"users": [user("fine1"), user("fine2", entitlementIds=[22])]},
    )
    assert answer == {"errorText": "Entitlement 22 (GroupTrade) is deprecated", "results": []}
    assert tv.call("GET", "live", "/user/find?name=fine1").status_code == 404


def test_an_empty_batch_is_refused(tv: Driver) -> None:
    answer = tv.live("POST", "/user/createevaluationusers", {"users": []})
    assert answer == {"errorText": "Empty users", "results": []}


def test_user_reads_find_by_name_and_list_ids(tv: Driver) -> None:
    first, second = tv.create_user("reader1"), tv.create_user("reader2")
    assert tv.live("GET", "/user/find?name=READER1")["id"] == first
    assert [u["id"] for u in tv.live("GET", f"/user/items?ids={first},{second},4242")] == [
        first,
        second,
    ]
    assert {1, first, second} <= {u["id"] for u in tv.live("GET", "/user/list")}
    assert tv.call("GET", "live", "/user/item?id=4242").status_code == 404


def test_items_beyond_the_ids_one_call_accepts_are_not_found(tv: Driver) -> None:
    """As a third-party note saw the platform answer (the count is assumed, see limits.py)."""
    first = tv.create_user("reader1")
    most = [first, *range(5000, 5000 + MAX_ITEM_IDS - 1)]
    assert [u["id"] for u in tv.live("GET", f"/user/items?ids={','.join(map(str, most))}")] == [
        first
    ]
    more = ",".join(map(str, [*most, 4242]))
    answer = tv.call("GET", "live", f"/user/items?ids={more}")
    assert (answer.status_code, answer.content) == (404, b"")


@pytest.mark.parametrize(
    ("email", "answer"),
    [
        ("fresh@example.com", {"status": "ok"}),
        ("broken", {"errorText": "Email is invalid"}),
        ("TAKEN@example.com", {"errorText": "Email already registered"}),
    ],
    ids=["ok", "invalid", "taken"],
)
def test_modify_email_address(tv: Driver, email: str, answer: dict[str, str]) -> None:
    user_id = tv.create_user("mover")
    assert (
        tv.live("POST", "/user/modifyemailaddress", {"userId": user_id, "email": email}) == answer
    )
    expected = email if "status" in answer else "mover@example.com"
    assert tv.live("GET", f"/user/item?id={user_id}")["email"] == expected


def test_modify_email_address_of_an_unknown_user(tv: Driver) -> None:
    answer = tv.live("POST", "/user/modifyemailaddress", {"userId": 4242, "email": "a@b.c"})
    assert answer == {"errorText": "User not found"}


def test_admin_changes_a_password_without_the_current_one(tv: Driver) -> None:
    user_id = tv.create_user("forgetful")
    answer = tv.live("POST", "/user/modifypassword", {"userId": user_id, "password": "new-pass-99"})
    assert answer == {"ok": True}
    assert tv.login("forgetful", "new-pass-99", sec="").json()["userId"] == user_id
    assert "errorText" in tv.login("forgetful", "correct-horse-1", sec="").json()


def contact(user_id: int, **fields: Any) -> dict[str, Any]:
    base = {
        "userId": user_id,
        "firstName": "John",
        "lastName": "Doe",
        "streetAddress1": "123 Main St",
        "city": "New York",
        "state": "NY",
        "postCode": "12345",
        "country": "US",
        "phone": "+1234567890",
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"userId": 4242}, "User not found"),
        ({"firstName": ""}, "First Name should be specified"),
        ({"lastName": None}, "Last Name should be specified"),
        ({"streetAddress1": " "}, "Street Address 1 should be specified"),
        ({"city": ""}, "City should be specified"),
        ({"country": ""}, "Country should be specified"),
        ({"phone": ""}, "Phone should be specified"),
        ({"country": "USA"}, "Country should be a two-letter code"),
        ({"country": "us"}, "Country should be a two-letter code"),
        ({"country": "ZZ"}, "Country should be a two-letter code"),
        ({"state": None}, "State is required when country is US"),
        (
            {"firstName": "F" * 31, "lastName": "L" * 30},
            "First and last name together should be no longer than 60 characters",
        ),
        ({"phone": "12ab45678"}, "Phone is invalid"),
        ({"phone": "+1 23"}, "Phone is invalid"),
    ],
    ids=[
        "unknown-user",
        "first",
        "last",
        "street",
        "city",
        "country",
        "phone",
        "country-3",
        "country-lower",
        "country-unassigned",
        "us-state",
        "names-together",
        "phone-letters",
        "phone-short",
    ],
)
def test_contact_info_validation(tv: Driver, fields: dict[str, Any], text: str) -> None:
    user_id = tv.create_user("contact1")
    answer = tv.live("POST", "/contactInfo/updatecontactinfo", contact(user_id, **fields))
    assert answer == {"errorText": text}
    assert tv.live("GET", f"/contactInfo/deps?masterid={user_id}") == []


def test_contact_info_is_created_then_replaced_in_place(tv: Driver) -> None:
    user_id = tv.create_user("contact2")
    created = tv.live("POST", "/contactInfo/updatecontactinfo", contact(user_id))["contactInfo"]
    assert created == {"id": created["id"], **contact(user_id), "streetAddress2": None}
    replaced = tv.live(
        "POST",
        "/contactInfo/updateContactInfo",
        contact(user_id, country="FR", state=None, postCode=None, phone="+33 (1) 23-45-67"),
    )["contactInfo"]
    assert (replaced["id"], replaced["country"], replaced["state"]) == (created["id"], "FR", None)
    assert tv.live("GET", f"/contactInfo/deps?masterid={user_id}") == [replaced]
    assert tv.live("GET", f"/contactInfo/item?id={created['id']}") == replaced


def test_contact_ldeps_reads_many_users_up_to_1000(tv: Driver) -> None:
    ids = [tv.create_user(f"many{i}") for i in range(3)]
    for user_id in ids[:2]:
        tv.live("POST", "/contactInfo/updatecontactinfo", contact(user_id))
    found = tv.live("GET", f"/contactInfo/ldeps?masterids={','.join(map(str, ids))}")
    assert sorted(c["userId"] for c in found) == ids[:2]
    too_many = ",".join(str(i) for i in range(1001))
    response = tv.call("GET", "live", f"/contactInfo/ldeps?masterids={too_many}")
    assert (response.status_code, response.json()) == (400, {"errorText": "Too many ids"})


def test_permission_holder_names_come_from_the_contact_once_it_exists(tv: Driver) -> None:
    user_id = tv.create_user("named", firstName="Ann", lastName="Lee")
    tv.live("POST", "/contactInfo/updatecontactinfo", contact(user_id, firstName="Anna"))
    tv.create_accounts(
        {"userId": user_id, "templateAccountId": 1001, "name": "NAMED1", "initialBalance": 25000}
    )
    (permission,) = tv.demo("GET", f"/tradingPermission/deps?masterid={user_id}")
    assert permission["accountHolderContact"] == "Anna Doe"


def test_traders_change_their_own_password_only_with_the_current_one(tv: Driver) -> None:
    own = tv.create_user("selfserve")
    other = tv.create_user("bystander")
    admin_token = tv.token
    tv.token = tv.login("selfserve", "correct-horse-1", sec="").json()["accessToken"]
    wrong = {"userId": own, "password": "next-pass-1", "currentPassword": "guess-what"}
    assert tv.live("POST", "/user/modifypassword", wrong) == {
        "errorText": "Incorrect current password"
    }
    right = {**wrong, "currentPassword": "correct-horse-1"}
    assert tv.live("POST", "/user/modifypassword", right) == {"ok": True}
    foreign = {**right, "userId": other}
    assert tv.live("POST", "/user/modifypassword", foreign) == {"errorText": "Access is denied"}
    tv.token = admin_token
    assert tv.login("selfserve", "next-pass-1", sec="").json()["userId"] == own
