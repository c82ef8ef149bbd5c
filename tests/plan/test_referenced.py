"""Marking attributes that hold a referenced value: whole or inside a longer text, the same
for a few referenced values as for thousands."""

from __future__ import annotations

import random

import pytest

from reconciler.plan import Address, DesiredResource, mark_all_referenced, mark_referenced
from reconciler.plan.concealed import MIN_CONTAINED


def expected(attributes: dict[str, object], values: frozenset[str]) -> set[str]:
    """The rule written out plainly: a value found whole (any case), or a long one inside."""

    def holds(value: object) -> bool:
        if value is None or isinstance(value, bool):
            return False
        if isinstance(value, dict):
            return any(holds(v) for v in value.values())
        if isinstance(value, list):
            return any(holds(v) for v in value)
        text = str(value).casefold()
        return any(
            v.casefold() == text or (len(v) >= MIN_CONTAINED and v.casefold() in text)
            for v in values
        )

    return {key for key, value in attributes.items() if holds(value)}


def resource(attributes: dict[str, object]) -> DesiredResource:
    return DesiredResource(Address.parse("tradovate_user.alice"), attributes, "alice")


@pytest.mark.parametrize("count", [3, 40, 2000], ids=["few", "some", "thousands"])
def test_marked_attributes_follow_the_rule(count: int) -> None:
    rng = random.Random(count)
    letters = "abcdefgXYZß"
    values = frozenset(
        "".join(rng.choice(letters) for _ in range(rng.randint(2, 12))) for _ in range(count)
    )
    chosen = sorted(values)
    for _ in range(150):
        needle = rng.choice(chosen)
        attributes: dict[str, object] = {
            "whole": needle.upper() if rng.random() < 0.3 else needle,
            "inside": f"x{needle}y",
            "nested": {"deep": [1, f"<{needle}>"]},
            "other": "".join(rng.choice(letters) for _ in range(rng.randint(1, 20))),
            "number": rng.randint(0, 99),
            "flag": True,
        }
        marked = mark_referenced(resource(attributes), values).sensitive
        assert marked == expected(attributes, values)


def test_a_short_value_is_found_only_whole() -> None:
    values = frozenset({"US", *(f"value-{i:05d}" for i in range(1000))})
    marked = mark_referenced(
        resource({"country": "us", "city": "USA town", "note": "see value-00042 here"}), values
    ).sensitive
    assert marked == {"country", "note"}


@pytest.mark.parametrize("count", [3, 40], ids=["few", "some"])
def test_flat_attributes_follow_the_rule(count: int) -> None:
    """Flat attributes are first searched for all at once: the same marks either way."""
    rng = random.Random(count + 1)
    letters = "abcXYZß0"
    values = frozenset(
        "".join(rng.choice(letters) for _ in range(rng.randint(2, 12))) for _ in range(count)
    )
    chosen = sorted(values)
    hits = 0
    for _ in range(400):
        attributes: dict[str, object] = {
            f"k{i}": "".join(rng.choice(letters) for _ in range(rng.randint(0, 12)))
            for i in range(4)
        }
        if rng.random() < 0.3:
            attributes["k9"] = rng.choice(chosen)
        if rng.random() < 0.3:
            attributes["k8"] = f"<{rng.choice(chosen).upper()}>"  # inside: long ones only
        attributes["number"] = rng.randint(0, 99)
        attributes["flag"] = False
        attributes["none"] = None
        marked = mark_referenced(resource(attributes), values).sensitive
        assert marked == expected(attributes, values)
        hits += bool(marked)
    assert 0 < hits < 400


@pytest.mark.parametrize("count", [3, 40, 2000], ids=["few", "some", "thousands"])
def test_a_firm_is_marked_as_each_resource_would_be(count: int) -> None:
    """The whole firm searched at once marks exactly what resource by resource would: none
    when nothing holds a value, and only the resources that hold one (nested ones too)."""
    rng = random.Random(count + 7)
    letters = "abcXYZß0"
    values = frozenset(
        "".join(rng.choice(letters) for _ in range(rng.randint(2, 12))) for _ in range(count)
    )
    chosen = sorted(values)

    def firm(hits: int) -> list[DesiredResource]:
        resources = [
            resource({"name": f"trader {i}", "size": i, "risk": {"limit": [i, "q"]}})
            for i in range(300)
        ]
        for index in rng.sample(range(300), hits):
            needle = rng.choice(chosen)
            where = rng.choice(["whole", "nested", "inside"])
            value: object = needle.upper() if where == "whole" else {"deep": [f"<{needle}>"]}
            if where == "inside":
                value = f"x{needle}y"
            resources[index] = resource({"name": f"trader {index}", "note": value})
        return resources

    for hits in (0, 1, 5):
        resources = firm(hits)
        marked = mark_all_referenced(resources, values)
        assert [r.sensitive for r in marked] == [
            mark_referenced(r, values).sensitive for r in resources
        ]
