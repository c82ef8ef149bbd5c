"""`reconciler fmt`: manifest text in canonical form, comments and layout kept.

Keys are put in the order of the manifest schema (the pydantic models' field order; unknown
keys after, as they were); lines that move keep their text, their end-of-line comments and
the comment lines just above them. Trailing whitespace outside block scalars goes, and a file
ends with one newline. Nothing else is re-emitted, so the result is stable (formatting twice
changes nothing) and means the same YAML (checked before it is returned). Pure: text in, text
out; sequences (traders, accounts) keep the order they were written in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from reconciler.errors import ManifestError
from reconciler.manifest.schema import KeyOrder, Schema
from reconciler.manifest.yaml_events import SafeLoader

_COMMENT = re.compile(r"^\s*#")
_WIDTH = 100


def format_manifest(text: str, schema: Schema, *, path: str = "") -> str:
    """The canonical form of one manifest file; ManifestError if it is not readable YAML."""
    unix = text.replace("\r\n", "\n")
    composed = _compose(unix, path)
    lines = _strip_whitespace(unix, composed)
    tidy = "\n".join(lines) + "\n" if any(lines) else ""
    roots = composed if tidy == unix else _compose(tidy, path)  # composed once when tidy
    formatter = _Formatter(tidy, schema)
    out: list[str] = formatter.lines[: roots[0].start_mark.line] if roots else list(lines)
    starts = [root.start_mark.line for root in roots] + [len(formatter.lines)]
    for index, root in enumerate(roots):
        out += formatter.node(
            root, formatter.document_schema(root), starts[index], starts[index + 1]
        )
    result = "\n".join(out).rstrip("\n") + "\n" if any(out) else ""
    # a safety net, never seen to fire; a file already in its form (`fmt --check` of a tidy
    # repository: every file) means what it meant without reading it twice more
    if result != text and _documents(result, path) != _documents(text, path):
        raise ManifestError("fmt would change what the file means; it was left as it is", path=path)
    return result


class _Formatter:
    """Rebuilds the lines of one file node by node; `schema` gives the key order."""

    def __init__(self, text: str, schema: Schema) -> None:
        self.text = text
        self.lines = text.split("\n")[:-1] if text else []
        self.schema = schema
        self.walk = KeyOrder(schema)

    def document_schema(self, root: yaml.Node) -> Schema | None:
        return self._pick(self.schema, root)

    def node(self, node: yaml.Node, schema: Schema | None, first: int, end: int) -> list[str]:
        """New lines for lines[first:end], which hold `node` (and maybe lines around it)."""
        if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
            return self._block_mapping(node, schema, first, end)
        if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
            return self._block_sequence(node, schema, first, end)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return self._flow_lines(node, schema, first, end)
        return self.lines[first:end]

    def _flow_lines(
        self, node: yaml.Node, schema: Schema | None, first: int, end: int
    ) -> list[str]:
        """A flow collection rebuilt in key order: on one line if it was written on one,
        else wrapped again after its opening bracket."""
        start, stop = node.start_mark, node.end_mark
        original = self.text[start.index : stop.index]
        text = self._flow(node, schema)
        if text == original:
            return self.lines[first:end]
        head = self.lines[start.line][: start.column] + text
        middle = _wrap(head, indent=" " * (start.column + 1)) if "\n" in original else [head]
        middle[-1] += self.lines[stop.line][stop.column :]
        return self.lines[first : start.line] + middle + self.lines[stop.line + 1 : end]

    def _block_sequence(
        self, node: yaml.SequenceNode, schema: Schema | None, first: int, end: int
    ) -> list[str]:
        items = node.value
        starts = [item.start_mark.line for item in items] + [end]
        out = self.lines[first : starts[0]]
        child = self._items(schema)
        for index, item in enumerate(items):
            out += self.node(item, self._pick(child, item), starts[index], starts[index + 1])
        return out

    def _block_mapping(
        self, node: yaml.MappingNode, schema: Schema | None, first: int, end: int
    ) -> list[str]:
        pairs = node.value
        column = pairs[0][0].start_mark.column
        keys = [key for key, _ in pairs]
        lines = [key.start_mark.line for key in keys]
        is_simple = all(
            isinstance(k, yaml.ScalarNode) and k.start_mark.column == column for k in keys
        ) and len(set(lines)) == len(lines)
        starts = [lines[0]] + [
            self._leading(lines[i], column, floor=self._content_end(pairs[i - 1][1]) + 1)
            for i in range(1, len(pairs))
        ]
        last_end = self._trailing(self._content_end(pairs[-1][1]) + 1, column, end)
        bounds = [*starts[1:], last_end]
        regions: list[list[str]] = []
        gaps: list[list[str]] = []
        for index, (key, value) in enumerate(pairs):
            region = self.node(
                value, self._property(schema, key.value, value), starts[index], bounds[index]
            )
            gap: list[str] = []
            while index < len(pairs) - 1 and region and not region[-1].strip():
                gap.insert(0, region.pop())
            regions.append(region)
            gaps.append(gap)
        order = self._order(schema, [str(key.value) for key in keys]) if is_simple else None
        out = self.lines[first : starts[0]]
        if order is None or order == list(range(len(pairs))):
            for region, gap in zip(regions, gaps, strict=True):
                out += region + gap
            return out + self.lines[last_end:end]
        prefix = self.lines[lines[0]][:column]
        indent = " " * (_indent(prefix) if prefix.strip() else column)
        for position, index in enumerate(order):
            region = list(regions[index])
            leading = lines[index] - starts[index]
            if position == 0:
                comments = [indent + line.strip() for line in region[:leading]]
                region = [*comments, prefix + region[leading][column:], *region[leading + 1 :]]
            elif index == 0:
                region = [" " * column + region[0][column:], *region[1:]]
            out += region + gaps[position]
        return out + self.lines[last_end:end]

    def _leading(self, line: int, column: int, *, floor: int) -> int:
        """The first of the comment lines just above a key (at most as indented as the key)."""
        start = line
        while start - 1 >= floor and _is_comment(self.lines[start - 1], column):
            start -= 1
        return start

    def _trailing(self, line: int, column: int, end: int) -> int:
        """One past the last line of a mapping's last value: its deeper-indented comments."""
        last = line
        probe = line
        while probe < end:
            text = self.lines[probe]
            if _COMMENT.match(text) and _indent(text) > column:
                last = probe + 1
            elif text.strip():
                break
            probe += 1
        return last

    def _content_end(self, node: yaml.Node) -> int:
        """The last line holding the node's own text (not comments or blank lines after it)."""
        if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
            return self._content_end(node.value[-1][1])
        if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
            return self._content_end(node.value[-1])
        mark = node.end_mark
        line = mark.line - 1 if mark.column == 0 and mark.line > node.start_mark.line else mark.line
        while line > node.start_mark.line and not self.lines[line].strip():
            line -= 1
        return line

    def _flow(self, node: yaml.Node, schema: Schema | None) -> str:
        """A flow collection's text with its keys in order (nested ones too); the original
        text when nothing moves or it holds a comment."""
        original = self.text[node.start_mark.index : node.end_mark.index]
        if "#" in _outside_scalars(original, node):
            return original
        if isinstance(node, yaml.SequenceNode):
            child = self._items(schema)
            parts = [self._flow(item, self._pick(child, item)) for item in node.value]
            return "[" + ", ".join(parts) + "]" if parts != self._sources(node) else original
        if isinstance(node, yaml.MappingNode):
            keys = [str(key.value) for key, _ in node.value]
            order = self._order(schema, keys) or list(range(len(keys)))
            parts = []
            for key, value in node.value:
                head = self.text[key.start_mark.index : value.start_mark.index]
                parts.append(head + self._flow(value, self._property(schema, key.value, value)))
            if order == list(range(len(keys))) and parts == self._sources(node):
                return original
            return "{" + ", ".join(parts[i] for i in order) + "}"
        return original

    def _sources(self, node: yaml.Node) -> list[str]:
        if isinstance(node, yaml.SequenceNode):
            return [self.text[i.start_mark.index : i.end_mark.index] for i in node.value]
        return [self.text[k.start_mark.index : v.end_mark.index] for k, v in node.value]

    def _order(self, schema: Schema | None, keys: Sequence[str]) -> list[int] | None:
        return self.walk.order(schema, keys)

    def _property(self, schema: Schema | None, key: object, value: yaml.Node) -> Schema | None:
        return self._pick(self.walk.property(schema, str(key)), value)

    def _items(self, schema: Schema | None) -> Schema | None:
        return self.walk.items(schema)

    def _pick(self, schema: Schema | None, node: yaml.Node) -> Schema | None:
        shape = "array" if isinstance(node, yaml.SequenceNode) else "object"
        return self.walk.fit(schema, shape=shape, kind=_kind(node))


def _kind(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "kind" and isinstance(value, yaml.ScalarNode):
                return str(value.value)
    return None


def _is_comment(line: str, column: int) -> bool:
    return bool(_COMMENT.match(line)) and _indent(line) <= column


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _outside_scalars(text: str, node: yaml.Node) -> str:
    """The text of a flow collection without its scalars (what is left: punctuation, comments)."""
    start = node.start_mark.index
    pieces = []
    cursor = 0
    for scalar in _scalars(node):
        pieces.append(text[cursor : scalar.start_mark.index - start])
        cursor = scalar.end_mark.index - start
    pieces.append(text[cursor:])
    return "".join(pieces)


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [s for item in node.value for s in _scalars(item)]
    if isinstance(node, yaml.MappingNode):
        return [s for k, v in node.value for s in (*_scalars(k), *_scalars(v))]
    return []


def _wrap(text: str, *, indent: str) -> list[str]:
    """A rebuilt flow collection that was written over several lines: broken after commas
    at `_WIDTH`, continuation lines aligned after the opening bracket."""
    lines: list[str] = []
    current = ""
    for piece in re.split(r"(?<=,) ", text):
        candidate = f"{current} {piece}" if current else piece
        if current and len(candidate) > _WIDTH:
            lines.append(current)
            current = indent + piece
        else:
            current = candidate
    return [*lines, current]


def _strip_whitespace(text: str, roots: list[yaml.Node]) -> list[str]:
    """Lines without trailing whitespace, except inside block scalars (where it is content);
    `roots` are the text's documents, composed. Looked for only in a text with a `|` or a
    `>`, which every block scalar is written with."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    kept: set[int] = set()
    for root in roots if "|" in text or ">" in text else ():
        for scalar in _scalars(root):
            if scalar.style in ("|", ">"):
                kept.update(range(scalar.start_mark.line + 1, scalar.end_mark.line + 1))
    return [line if i in kept else line.rstrip() for i, line in enumerate(lines)]


def _compose(text: str, path: str) -> list[yaml.Node]:
    """The documents of `text`, composed; ManifestError for anchors and aliases (looked for
    only in a text that has a `&` or a `*`, which every anchor and alias is written with)."""
    try:
        events = yaml.parse(text, Loader=SafeLoader) if "&" in text or "*" in text else ()
        for event in events:
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark is not None else 0
                raise ManifestError(
                    "YAML anchors and aliases are not supported: write the value out",
                    path=path,
                    line=line,
                )
        return [n for n in yaml.compose_all(text, Loader=SafeLoader) if n is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 0
        raise ManifestError(f"not valid YAML: {exc.problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"not valid YAML: {exc}", path=path) from None


def _documents(text: str, path: str) -> list[Any]:
    try:
        loader = SafeLoader(text)  # libyaml's when PyYAML has it: many times faster
        try:
            documents = []
            while loader.check_data():  # type: ignore[no-untyped-call]
                documents.append(loader.get_data())
            return documents
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:  # the text was composed just before: not expected
        raise ManifestError(f"not valid YAML: {exc}", path=path) from None
