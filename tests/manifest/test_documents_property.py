"""The hand-written YAML reader builds exactly what PyYAML's C loader builds, for every document
both accept, apart from three documented differences: only `true`/`false` are booleans (YAML 1.2),
mapping keys are text (documents with other keys are left out), and a scalar with the
non-specific tag `!` is text, as the YAML spec says (PyYAML resolves it as if untagged)."""

from __future__ import annotations

import datetime
import json
import math
import os
import re
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench.reader import Yaml12Loader
from reconciler.manifest.documents import read_documents

EXAMPLES = int(os.environ.get("RECONCILER_FUZZ_EXAMPLES", "300"))

TRICKY_PLAIN = (
    "yes", "No", "on", "OFF", "y", "true", "False", "~", "null", "Null", "", "0", "-0", "007",
    "0x1F", "0o17", "0b101", "1_000", "+12", "1e3", "1.5", "-.5", ".inf", "-.Inf", ".nan",
    "1:30", "190:20:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-13-45",
    "12:30:00", "=", "<<", "${env:X}", "a b", "é", "0.", "1__0", "!!str 12", "!!int '7'",
    "!!float 1", "!!bool yes", "!!null ''", "!!timestamp 2001-12-14",
)  # fmt: skip
KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _single(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8)
SCALARS = st.one_of(
    st.sampled_from(TRICKY_PLAIN),
    st.from_regex(r"[A-Za-z0-9._+-]{1,10}", fullmatch=True),
    TEXT.map(_quoted),
    TEXT.map(_single),
)


def _flow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    lists = st.lists(children, max_size=4).map(lambda items: "[" + ", ".join(items) + "]")
    maps = st.lists(st.tuples(KEYS, children), max_size=4).map(
        lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    )
    return st.one_of(lists, maps)


FLOW_DOCUMENTS = st.recursive(SCALARS, _flow, max_leaves=20)
"""Flow-style documents written by hand, so plain scalars appear as a person would type them."""

VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        TEXT,
        st.dates(),
        st.datetimes(timezones=st.just(datetime.UTC)),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=20,
)
DUMPED_DOCUMENTS = st.builds(
    lambda value, flow, width: yaml.safe_dump(
        value, default_flow_style=flow, width=width, allow_unicode=True
    ),
    VALUES,
    st.sampled_from([False, True, None]),
    st.sampled_from([20, 80]),
)
"""Documents as PyYAML writes them: block and flow styles, folded long lines, quoting."""

STREAMS = st.lists(st.one_of(FLOW_DOCUMENTS, DUMPED_DOCUMENTS), min_size=1, max_size=3).map(
    lambda documents: "".join(f"---\n{d}\n" for d in documents)
)


def reference(text: str) -> list[Any] | None:
    """What the C loader (YAML 1.2 booleans) builds, or None when it refuses the text."""
    try:
        return list(yaml.load_all(text, Loader=Yaml12Loader))
    except (yaml.YAMLError, ValueError):  # PyYAML lets a malformed date's ValueError out
        return None


def built(text: str) -> list[Any] | None:
    """What the reader builds, or None when it reports any problem."""
    documents, problems = read_documents(text.encode("utf-8"), expand=lambda s: (s, []))
    return None if problems else [document.value for document in documents]


def has_only_text_keys(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and has_only_text_keys(v) for k, v in value.items())
    if isinstance(value, list):
        return all(has_only_text_keys(item) for item in value)
    return True


def same(left: Any, right: Any) -> bool:
    """Equal values of equal types, all the way down (NaN equals NaN, 1 differs from True)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STREAMS)
@example("---\ncountry: NO\nactive: yes\n")
@example("---\n[1:30, 0o17, 2001-12-14, !!str 12, .nan]\n")
def test_the_reader_builds_what_the_c_loader_builds(text: str) -> None:
    expected = reference(text)
    actual = built(text)
    if expected is None or actual is None or not has_only_text_keys(expected):
        return  # not a document both accept with text keys
    assert same(actual, expected), (actual, expected)


def test_most_generated_documents_are_accepted_by_both() -> None:
    """Guards the property above against passing only because its inputs are all refused."""
    accepted = 0
    for text in _samples(200):
        expected = reference(text)
        if expected is not None and has_only_text_keys(expected) and built(text) is not None:
            accepted += 1
    assert accepted > 100


def test_the_documented_differences_are_the_only_ones_on_these_examples() -> None:
    text = "country: NO\nactive: yes\n1: one\nid: ! 12\n"
    assert built(text) == [{"country": "NO", "active": "yes", "1": "one", "id": "12"}]
    assert list(yaml.load_all(text, Loader=yaml.CSafeLoader)) == [
        {"country": False, "active": True, 1: "one", "id": 12}
    ]


def _samples(count: int) -> list[str]:
    found: list[str] = []

    @settings(max_examples=count, deadline=None, database=None)
    @given(STREAMS)
    def collect(text: str) -> None:
        found.append(text)

    collect()
    return [text for text in found if not re.fullmatch(r"(---\n\n)+", text)]
