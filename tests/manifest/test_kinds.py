from __future__ import annotations

from reconciler.manifest.kinds import merge


def test_merge_puts_the_block_over_the_defaults_key_by_key() -> None:
    defaults = {"plan": "Silver", "options": {"colour": "green", "size": 1}, "tags": ["a"]}
    block = {"options": {"size": 2}, "tags": ["b"], "extra": None}

    assert merge(defaults, block) == {
        "plan": "Silver",
        "options": {"colour": "green", "size": 2},
        "tags": ["b"],
        "extra": None,
    }


def test_merge_leaves_the_defaults_untouched() -> None:
    defaults = {"options": {"colour": "green"}}

    merge(defaults, {"options": {"colour": "red"}})

    assert defaults == {"options": {"colour": "green"}}


def test_a_non_mapping_replaces_a_default_mapping() -> None:
    assert merge({"options": {"colour": "green"}}, {"options": "none"}) == {"options": "none"}
