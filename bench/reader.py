"""The manifest reader against PyYAML's C loader on the benchmark's trader files: the reader
(`reconciler.manifest.documents`), a CSafeLoader subclass with the same rules (YAML 1.2
booleans, text keys, duplicate keys refused), and the plain CSafeLoader for scale.

    python -m bench.reader [--traders 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import re
import tempfile
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode

from bench.generate import write_traders
from reconciler.manifest.documents import read_documents

BOOL = "tag:yaml.org,2002:bool"


class Yaml12Loader(yaml.CSafeLoader):
    """The C loader with YAML 1.2 booleans: only true/false (in three spellings) are booleans."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's own class-level table)
        first: [(tag, pattern) for tag, pattern in resolvers if tag != BOOL]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }


Yaml12Loader.add_implicit_resolver(
    BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class StrictLoader(Yaml12Loader):
    """Yaml12Loader that also keeps keys as text and refuses duplicate keys, as the reader does."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        mapping: dict[Hashable, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ConstructorError(None, None, "keys must be text", key_node.start_mark)
            key = key_node.value
            if key in mapping:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def read_with_reader(data: bytes) -> Any:
    documents, problems = read_documents(data, expand=lambda text: (text, []))
    assert not problems, problems
    return [document.value for document in documents]


def loader_of(cls: type[yaml.CSafeLoader]) -> Callable[[bytes], Any]:
    def read(data: bytes) -> Any:
        return list(yaml.load_all(data, Loader=cls))

    return read


READERS: dict[str, Callable[[bytes], Any]] = {
    "reconciler reader (_Builder)": read_with_reader,
    "CSafeLoader subclass, same rules": loader_of(StrictLoader),
    "CSafeLoader, plain": loader_of(yaml.CSafeLoader),
}


def best_of(read: Callable[[bytes], Any], files: list[bytes], *, rounds: int) -> float:
    """The fastest of `rounds` reads of all `files` (GC paused, as the loader does)."""
    times = []
    for _ in range(rounds):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            for data in files:
                read(data)
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        write_traders(Path(folder), options.traders)
        files = [path.read_bytes() for path in sorted(Path(folder).glob("traders/*.yaml"))]
    values = {name: read(b"".join(files)) for name, read in list(READERS.items())[:2]}
    assert len(set(map(repr, values.values()))) == 1, "the readers disagree"
    size = sum(map(len, files)) / 2**20
    print(f"{options.traders} traders, {size:.1f} MiB of YAML, best of {options.rounds}:")
    reader = best_of(read_with_reader, files, rounds=options.rounds)
    for name, read in READERS.items():
        is_reader = read is read_with_reader
        seconds = reader if is_reader else best_of(read, files, rounds=options.rounds)
        print(f"| {name} | {seconds:.2f} s | {seconds / reader:.2f}x |")


if __name__ == "__main__":
    main()
