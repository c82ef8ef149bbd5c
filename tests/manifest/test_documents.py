from __future__ import annotations

import datetime

import pytest

from reconciler.manifest.documents import Document, Located, read_documents
from reconciler.manifest.yaml_events import MAX_DEPTH

ALIASES = "YAML aliases (*name) are not supported: write the value out"


def no_references(text: str) -> tuple[str, list[str]]:
    return text, []


def read(text: str | bytes) -> tuple[list[Document], list[Located]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_documents(data, expand=no_references)


def values(text: str) -> list[object]:
    documents, problems = read(text)
    assert problems == []
    return [document.value for document in documents]


def messages(text: str | bytes) -> list[tuple[int, str]]:
    return [(problem.line, problem.message) for problem in read(text)[1]]


def test_documents_keep_their_order_lines_and_item_lines() -> None:
    documents, _ = read("# firm\nkind: Firm\n---\n- a\n-\n  b\n---\n...\n")

    assert documents == [
        Document(0, {"kind": "Firm"}, 2),
        Document(1, ["a", "b"], 4, (4, 6)),
        Document(2, None, 8),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("country: NO", {"country": "NO"}),
        ("flags: [yes, no, on, off, y, n]", {"flags": ["yes", "no", "on", "off", "y", "n"]}),
        ("flags: [true, False, TRUE]", {"flags": [True, False, True]}),
        ("numbers: [1, 0x10, 1.5, -3]", {"numbers": [1, 16, 1.5, -3]}),
        ("nothing: [~, null, ]", {"nothing": [None, None]}),
        ("born: 1990-01-02", {"born": datetime.date(1990, 1, 2)}),
        ("quoted: ['12', \"true\", ! 12]", {"quoted": ["12", "true", "12"]}),
        ("tagged: !!int '12'", {"tagged": 12}),
        ("1: one\ntrue: yes\nnull: x", {"1": "one", "true": "yes", "null": "x"}),
        ("odd: [=, <<]", {"odd": ["=", "<<"]}),
        ("anchored: &a [1]", {"anchored": [1]}),
    ],
    ids=[
        "norway", "yes-no-on-off-are-text", "true-false", "numbers", "nulls", "dates", "quoted",
        "explicit-tag", "keys-are-text", "value-and-merge-are-text", "anchor-without-alias",
    ],
)  # fmt: skip
def test_scalars_resolve_like_yaml_1_2_booleans(text: str, expected: object) -> None:
    assert values(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: 2\na: 3\n", [(3, "duplicate key 'a' in this mapping")]),
        ("- {x: 1, y: {z: 1,\n    z: 2}}\n", [(2, "duplicate key 'z' in this mapping")]),
        ("a: &x [1]\nb: *x\n", [(2, ALIASES)]),
        ("a: &x 1\n*x : 2\n", [(2, ALIASES)]),
        ("? [a, b]\n: 1\n", [(1, "mapping keys must be plain text, not a mapping or list")]),
        ("a: !!set {x}\n", [(1, "unsupported YAML tag 'tag:yaml.org,2002:set'")]),
        ("a: !!binary aGk=\n", [(1, "unsupported YAML tag 'tag:yaml.org,2002:binary'")]),
        ("a: !secret x\n", [(1, "unsupported YAML tag '!secret'")]),
        ("a: 2024-13-45\n", [(1, "invalid timestamp (quote it if it is meant as text)")]),
        ("a: b\n  c: d\n", [(2, "invalid YAML: mapping values are not allowed in this context")]),
        ("a: 1\n\x07\n", [(2, "invalid YAML: control characters are not allowed")]),
    ],
    ids=[
        "duplicate-key", "nested-duplicate-key", "collection-alias", "alias-as-key",
        "complex-key", "set-tag", "binary-tag", "local-tag", "bad-date", "syntax", "control-char",
    ],
)  # fmt: skip
def test_problems_are_reported_at_their_line(text: str, expected: list[tuple[int, str]]) -> None:
    assert messages(text) == expected


def test_duplicate_key_keeps_the_first_value_and_names_its_path() -> None:
    documents, problems = read("---\nx: 1\n---\nlist:\n  - {a: 1, a: 2}\n")

    assert documents[1].value == {"list": [{"a": 1}]}
    (problem,) = problems
    assert (problem.doc, problem.path) == (1, ("list", 0, "a"))


def test_failed_references_are_reported_with_the_path_of_their_value() -> None:
    def failing(text: str) -> tuple[str, list[str]]:
        return text, [f"cannot expand {text}"]

    documents, problems = read_documents(
        b"- name: a\n- name: b\n  tags: [x, '${env:T}']\n", expand=failing
    )

    assert documents[0].value == [{"name": "a"}, {"name": "b", "tags": ["x", "${env:T}"]}]
    assert problems == [
        Located(3, "cannot expand ${env:T}", doc=0, path=(1, "tags", 1), is_value_lost=True)
    ]


def test_references_are_expanded_in_values_but_not_in_keys() -> None:
    def upper(text: str) -> tuple[str, list[str]]:
        return text.upper(), []

    documents, _ = read_documents(b"${key}: ${value}\nplain: text\n", expand=upper)

    assert documents[0].value == {"${key}": "${VALUE}", "plain": "text"}


def test_a_byte_order_mark_is_accepted() -> None:
    assert read(b"\xef\xbb\xbfkind: Firm\n") == ([Document(0, {"kind": "Firm"}, 1)], [])


def test_a_syntax_error_keeps_the_documents_before_it() -> None:
    documents, problems = read("a: 1\n---\nb: [1,\n---\nc: 3\n")

    assert [document.value for document in documents] == [{"a": 1}]
    assert [(problem.line, problem.doc) for problem in problems] == [(4, -1)]


def test_an_alias_bomb_expands_nothing() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]"
              for i in range(9)]  # fmt: skip

    documents, problems = read("\n".join(lines))

    assert documents[0].value["j"] == [None] * 9
    assert len(problems) == 81


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1, 200_000])
def test_nesting_is_limited_without_recursion(depth: int) -> None:
    documents, problems = read("[" * depth + "]" * depth)

    if depth <= MAX_DEPTH:
        assert problems == []
        assert len(documents) == 1
    else:
        assert problems == [Located(1, f"nesting deeper than {MAX_DEPTH} levels")]
        assert documents == []
