"""The Markdown of README.md, CONTRIBUTING.md and docs/ as the doc tests read it: fenced blocks
with the marker above them, headings (as GitHub turns them into anchors) and relative links."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FRAGMENT = "<!-- fragment -->"
"""Above a ```yaml block that is not a manifest (checked only as YAML)."""
RUNNABLE = "<!-- runnable -->"
"""Above a ```console block whose `$ reconciler ...` lines the tests run."""

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_EXIT = re.compile(r"#\s*exit\s+(\d+)\b")


@dataclass(frozen=True, slots=True)
class Block:
    """A fenced code block: its language, text, the marker comment just above it (if any) and
    where it starts (`path:line`, for messages)."""

    language: str
    text: str
    marker: str | None
    where: str


@dataclass(frozen=True, slots=True)
class Command:
    """One `$ reconciler ...` line of a runnable block, with the exit code it expects and the
    output lines quoted under it."""

    words: tuple[str, ...]
    exit_code: int
    quoted: tuple[str, ...]
    where: str


def pages() -> list[Path]:
    """Every Markdown page of the documentation: README.md, CONTRIBUTING.md, docs/**."""
    found = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [path for path in found if path.exists()]


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _closes(line: str, fence: str) -> bool:
    text = line.strip()
    return len(text) >= len(fence) and set(text) == {fence[0]}


def _lines_outside_fences(text: str) -> Iterator[tuple[int, str]]:
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and _closes(line, fence):
            fence = None
        elif fence is None:
            yield number, line


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a page, in order."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, language, start = match.group(1), match.group(2).lower(), i
        above = [line.strip() for line in lines[:start] if line.strip()]
        marker = above[-1] if above and above[-1] in (FRAGMENT, RUNNABLE) else None
        i += 1
        body: list[str] = []
        while i < len(lines) and not _closes(lines[i], fence):
            body.append(lines[i])
            i += 1
        found.append(Block(language, "\n".join(body) + "\n", marker, f"{shown(path)}:{start + 1}"))
        i += 1
    return found


def commands(block: Block) -> list[Command]:
    """The commands of a runnable console block: `$ reconciler ...` lines, each followed by the
    output lines it quotes; a trailing `# exit N` names the expected exit code (default 0)."""
    parsed: list[Command] = []
    words: tuple[str, ...] | None = None
    exit_code = 0
    quoted: list[str] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            if words is not None:
                parsed.append(Command(words, exit_code, tuple(quoted), block.where))
            command, _, comment = line[2:].partition(" #")
            words = tuple(shlex.split(command))
            found = _EXIT.search("#" + comment) if comment else None
            exit_code = int(found.group(1)) if found else 0
            quoted = []
        elif line.strip():
            assert words is not None, f"{block.where}: output quoted before any `$ ` command"
            quoted.append(line.strip())
    if words is not None:
        parsed.append(Command(words, exit_code, tuple(quoted), block.where))
    return parsed


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    kept = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a page (a repeated heading gets `-1`, `-2`, ... as on GitHub)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in _lines_outside_fences(path.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def headings(path: Path) -> list[tuple[int, str, int]]:
    """(level, text, line number) of every heading of a page, in order."""
    found: list[tuple[int, str, int]] = []
    for number, line in _lines_outside_fences(path.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2), number))
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every link outside code blocks and inline code; a link may
    wrap onto the next line."""
    text = path.read_text(encoding="utf-8")
    prose = [""] * len(text.splitlines())
    for number, line in _lines_outside_fences(text):
        prose[number - 1] = line
    joined = re.sub(
        r"`[^`\n]*(?:\n[^`\n]*)?`", lambda m: "\n" * m.group().count("\n"), "\n".join(prose)
    )
    return [
        (joined.count("\n", 0, match.start()) + 1, match.group(1))
        for match in _LINK.finditer(joined)
    ]
