from __future__ import annotations

import pytest

from reconciler.manifest.models import Path
from reconciler.manifest.positions import PathLines

TEXT = b"""\
# comment
name: alice
contact:
  city: Chicago
accounts:
  - {name: A1,
     template: t}
  -
    name: A2
name: duplicate
---
- first
- tags: [x,
    y]
"""


@pytest.mark.parametrize(
    ("doc", "path", "line"),
    [
        (0, (), 2),
        (0, ("name",), 2),
        (0, ("contact",), 3),
        (0, ("contact", "city"), 4),
        (0, ("accounts", 0), 6),
        (0, ("accounts", 0, "template"), 7),
        (0, ("accounts", 1, "name"), 9),
        (0, ("contact", "state"), 3),
        (0, ("accounts", 5, "name"), 5),
        (1, (1, "tags", 1), 14),
        (1, (0,), 12),
        (7, ("name",), 0),
    ],
    ids=[
        "document", "key", "key-of-a-mapping", "nested-key", "list-item", "flow-continuation",
        "item-on-next-line", "missing-field-is-its-mapping", "missing-item-is-its-list",
        "second-document", "scalar-item", "unknown-document",
    ],
)  # fmt: skip
def test_paths_map_to_lines(doc: int, path: Path, line: int) -> None:
    assert PathLines(TEXT, [(doc, path)]).line(doc, path) == line


def test_the_first_of_duplicate_keys_wins() -> None:
    assert PathLines(TEXT, [(0, ("name",))]).line(0, ("name",)) == 2


def test_lines_before_a_syntax_error_are_known() -> None:
    lines = PathLines(b"a: 1\nb: [\n", [(0, ("a",)), (0, ("b",))])

    assert lines.line(0, ("a",)) == 1
    assert lines.line(0, ("b",)) == 2
