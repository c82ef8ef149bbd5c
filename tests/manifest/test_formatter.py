"""`reconciler fmt`'s formatter: schema key order, comments and layout kept, stable, and the
same YAML meaning."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.errors import ManifestError
from reconciler.manifest import format_manifest, manifest_schema
from reconciler.providers import schemas
from tests.spying import calls_of

SCHEMA = manifest_schema(schemas())
EXAMPLES = Path(__file__).resolve().parents[2] / "manifests"


def fmt(text: str) -> str:
    return format_manifest(textwrap.dedent(text), SCHEMA, path="m.yaml")


def test_keys_follow_the_schema_and_comments_travel_with_their_keys() -> None:
    source = """\
        # header: stays on top
        name: alice   # the address key
        kind: Trader
        email: alice@example.com
        # the login name
        username: alice.smith
        last_name: Smith
        first_name: Alice
        tradovate:
          entitlements: [t-prop]       # after the signature
          accounts:
            - {template: eval-50k, name: ACME1}
          # about the tradovate block, indented: stays with it
        password: {length: 30, generate: true}
        """
    assert fmt(source) == textwrap.dedent(
        """\
        # header: stays on top
        kind: Trader
        name: alice   # the address key
        # the login name
        username: alice.smith
        email: alice@example.com
        first_name: Alice
        last_name: Smith
        password: {generate: true, length: 30}
        tradovate:
          accounts:
            - {name: ACME1, template: eval-50k}
          entitlements: [t-prop]       # after the signature
          # about the tradovate block, indented: stays with it
        """
    )


def test_traders_in_a_list_keep_their_order_and_blank_lines_stay_in_place() -> None:
    source = """\
        - username: bob.jones
          name: bob

        - name: carol
          tradervue: {settings: {mentor: alice, merge_mode: force_split}, plan: Gold}
          username: carol.white
        """
    assert fmt(source) == textwrap.dedent(
        """\
        - name: bob
          username: bob.jones

        - name: carol
          username: carol.white
          tradervue: {plan: Gold, settings: {merge_mode: force_split, mentor: alice}}
        """
    )


def test_a_flow_mapping_written_over_lines_is_wrapped_again_after_its_bracket() -> None:
    source = """\
        kind: Trader
        contact: {city: Chicago, street_address1: 1 Main St, phone: "+15551234567", state: IL,
                  post_code: "60601", country: US}
        """
    assert fmt(source) == textwrap.dedent(
        """\
        kind: Trader
        contact: {phone: "+15551234567", street_address1: 1 Main St, city: Chicago, state: IL,
                  post_code: "60601", country: US}
        """
    )


def test_a_first_key_moved_into_a_list_item_takes_the_dash() -> None:
    source = """\
        accounts_list:
        - template: eval-50k
          # which account
          name: ACME1
        """
    firm = "kind: Trader\ntradovate:\n  accounts:\n" + textwrap.indent(
        textwrap.dedent(source).split("\n", 1)[1], "  "
    )
    assert format_manifest(firm, SCHEMA) == textwrap.dedent(
        """\
        kind: Trader
        tradovate:
          accounts:
          # which account
          - name: ACME1
            template: eval-50k
        """
    )


def test_user_named_keys_keep_their_order_and_their_values_are_ordered() -> None:
    source = """\
        kind: Firm
        name: acme
        providers:
          tradovate:
            account_templates:
              zeta: {initial_balance: 1, template_account_id: 2}
              alpha: {template_account_id: 3, initial_balance: 4}
            entitlements: {t-prop: 12345, a-data: 1}
            environment: sandbox
        """
    assert fmt(source) == textwrap.dedent(
        """\
        kind: Firm
        name: acme
        providers:
          tradovate:
            environment: sandbox
            entitlements: {t-prop: 12345, a-data: 1}
            account_templates:
              zeta: {template_account_id: 2, initial_balance: 1}
              alpha: {template_account_id: 3, initial_balance: 4}
        """
    )


def test_whitespace_is_tidied_but_block_scalars_are_left_alone() -> None:
    source = "kind: Trader   \r\nname: bob \r\nnote: |\r\n  keep   \r\n\r\n\r\n"
    assert format_manifest(source, SCHEMA) == "kind: Trader\nname: bob\nnote: |\n  keep   \n"


def test_documents_are_formatted_one_by_one() -> None:
    source = "name: acme\nkind: Firm\n---\n# bob\nname: bob\nkind: Trader\n"
    assert fmt(source) == "kind: Firm\nname: acme\n---\n# bob\nkind: Trader\nname: bob\n"


def test_a_flow_collection_with_a_comment_inside_is_left_as_written() -> None:
    source = "kind: Trader\ncontact: {city: X,  # the city\n  phone: '1'}\n"
    assert format_manifest(source, SCHEMA) == source


def test_formatted_files_are_left_unchanged() -> None:
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        text = path.read_text()
        assert format_manifest(text, SCHEMA, path=str(path)) == text, path


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("kind: Trader\nname: [unclosed\n", r"m.yaml:\d+: not valid YAML"),
        ("a: &x 1\nb: *x\n", "m.yaml:1: YAML anchors and aliases are not supported"),
        ("a: b\nc: &x 1\n", "m.yaml:2: YAML anchors and aliases are not supported"),
        ("a: [1, &x 2]\n", "m.yaml:1: YAML anchors and aliases are not supported"),
        ("a: &x\n  b: 1\n", "m.yaml:1: YAML anchors and aliases are not supported"),
        ("- &x {a: 1}\n- *x\n", "m.yaml:1: YAML anchors and aliases are not supported"),
        ("a:  \n  - &x 1   \n", "m.yaml:2: YAML anchors and aliases are not supported"),
    ],
    ids=["syntax", "alias", "anchor", "anchor-in-flow", "anchored-mapping", "list", "untidy"],
)
def test_unreadable_yaml_is_reported_with_its_line(source: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        format_manifest(source, SCHEMA, path="m.yaml")


def test_a_tidy_file_is_composed_once_and_not_read_for_anchors_without_a_sign_of_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file already tidy (every file of a tidy repository) is composed once, not once to
    find its block scalars and again once tidied; its events are read for anchors and aliases
    only when it has a `&` or a `*` (a large firm's `fmt --check` took twice as long)."""
    text = (EXAMPLES / "traders" / "alice.yaml").read_text()
    assert "&" not in text
    assert "*" not in text
    composed = calls_of(monkeypatch, yaml, "compose_all")
    parsed = calls_of(monkeypatch, yaml, "parse")

    assert format_manifest(text, SCHEMA, path="t.yaml") == text
    assert (len(composed), len(parsed)) == (1, 0)

    starred = text.replace("\n", "\n# a comment with * and &\n", 1)
    assert format_manifest(starred, SCHEMA, path="t.yaml") == starred
    assert (len(composed), len(parsed)) == (2, 1)


@pytest.mark.parametrize("indicator", ["|", ">", "|-", ">+"])
def test_an_untidy_file_is_composed_again_once_tidied(indicator: str) -> None:
    """Trailing whitespace goes but in a block scalar, literal or folded (the only texts
    where the formatter looks for one hold a `|` or a `>`)."""
    untidy = f"kind: Trader   \nname: alice\ntext: {indicator}\n  kept   \n"
    assert format_manifest(untidy, SCHEMA, path="t.yaml") == (
        f"kind: Trader\nname: alice\ntext: {indicator}\n  kept   \n"
    )


USER_KEYED = frozenset({"account_templates", "entitlements"})
"""Mappings whose keys are names the firm chose: fmt keeps the order they were written in."""


def shuffled(value: Any, rng: random.Random, *, keep: bool = False) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        if not keep:
            rng.shuffle(items)
        return {k: shuffled(v, rng, keep=k in USER_KEYED) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


def example_documents() -> list[Any]:
    return [
        doc
        for path in sorted(EXAMPLES.rglob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
    ]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), flow=st.sampled_from([False, None]))
def test_any_key_order_formats_to_the_same_text_which_is_stable_and_means_the_same(
    seed: int, flow: bool | None
) -> None:
    """Whatever order keys were written in, fmt gives one text; twice changes nothing."""
    rng = random.Random(seed)
    for document in example_documents():

        def dump(value: Any) -> str:
            return yaml.safe_dump(value, sort_keys=False, default_flow_style=flow, width=10_000)

        canonical = format_manifest(dump(document), SCHEMA)
        text = format_manifest(dump(shuffled(document, rng)), SCHEMA)
        assert text == canonical
        assert format_manifest(text, SCHEMA) == text
        assert yaml.safe_load(text) == document
