"""The package's indented JSON: written a part at a time, plain values by pydantic-core,
always the text Python's encoder writes of the whole document."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler import json_text
from reconciler.json_text import dump_parts

DOCUMENTS = [
    pytest.param({"kind": "x", "items": [], "after": 1}, [], id="no-items"),
    pytest.param({"kind": "x", "items": {}}, [], id="no-entries"),
    pytest.param(
        {"kind": "x", "notes": ["ß"], "items": [], "options": {"a": [1, 2]}},
        [{"a": {"b": [1, {"c": "é"}]}}, [], {}, 1.5, None, "t", [[1], {"d": {}}]],
        id="items-then-more-keys",
    ),
    pytest.param(
        {"items": {}, "serial": 2},
        [
            ("a.x", {"k": [1, 2], "m": {}}),
            ("b.y", {}),
            ("c.z", {"when": "2026-01-02", "small": 1e-05}),
        ],
        id="entries",
    ),
    pytest.param(
        {"note": "\x00members\x00", "items": [], "last": True}, [1, {"a": 2}], id="marker-text"
    ),
]


@pytest.mark.parametrize(("document", "members"), DOCUMENTS)
@pytest.mark.parametrize("streamed", [1, 2, 3, 1000])
@pytest.mark.parametrize("indent", [1, 2])
def test_a_document_written_a_part_at_a_time_is_the_one_written_whole(
    monkeypatch: pytest.MonkeyPatch,
    document: dict[str, Any],
    members: list[Any],
    streamed: int,
    indent: int,
) -> None:
    monkeypatch.setattr(json_text, "STREAMED", streamed)
    whole = {**document, "items": dict(members) if isinstance(document["items"], dict) else members}
    expected = json.dumps(whole, indent=indent, ensure_ascii=False, default=str)

    parts = list(dump_parts(document, "items", iter(members), indent=indent))

    assert "".join(parts) == expected
    if members and "note" not in document:  # written a part at a time (else whole)
        assert len(parts) == 3 + -(-len(members) // streamed)


PLAIN_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    members=st.lists(PLAIN_JSON, max_size=6),
    entries=st.dictionaries(st.text(), PLAIN_JSON, max_size=6),
    indent=st.sampled_from([1, 2]),
)
def test_plain_json_written_a_part_at_a_time_is_what_python_writes(
    members: list[Any], entries: dict[str, Any], indent: int
) -> None:
    """Members are written by pydantic-core where its text is Python's: any number (NaN, the
    infinities, exponents, the smallest and largest), any text (control characters, quotes,
    text outside ASCII), nested lists and mappings; the document is the one `json.dumps`
    writes whole."""
    listed = {"kind": "x", "items": [], "after": [1.5, "é"]}
    keyed = {"items": {}, "serial": 2}
    whole_list = json.dumps({**listed, "items": members}, indent=indent, ensure_ascii=False)
    whole_map = json.dumps({**keyed, "items": entries}, indent=indent, ensure_ascii=False)

    assert "".join(dump_parts(listed, "items", members, indent=indent)) == whole_list
    assert "".join(dump_parts(keyed, "items", entries.items(), indent=indent)) == whole_map


def test_plain_json_is_written_by_pydantic_core_where_it_writes_what_python_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast way is taken for a plan's members, and left for a number Python writes with
    an exponent (`1e-05`, which pydantic-core writes `0.00001`)."""
    calls: list[object] = []
    dumps = json_text.dumps

    def counted(value: object, *, indent: int) -> str:
        calls.append(value)
        return dumps(value, indent=indent)

    monkeypatch.setattr(json_text, "dumps", counted)
    members = [{"a": [1, 0.5, "t"], "b": None}, "é\n"]
    list(dump_parts({"items": []}, "items", members, indent=2))
    assert members not in calls  # written by pydantic-core
    small = [{"a": 1e-05}]
    assert "".join(dump_parts({"items": []}, "items", small, indent=2)).count("1e-05") == 1
    assert small in calls
