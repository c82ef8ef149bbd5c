"""Lines of styled pieces drawn straight to terminal segments, the renderable of plan text; the
indent shared by the terminal views."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

INDENT = "    "
"""The indent of the lines under a header."""

CHUNK_LINES = 10_000
"""Lines written at a time (assumed: a tuning of ours; a few hundred KB of text)."""


Piece = tuple[str, str | None]
"""Some text of a line and its style name (None: unstyled)."""

Styler = Callable[[str, tuple[str | None, str | None]], str]
"""Text in the terminal codes of its style names (a piece's own, then the line's)."""


class Lines:
    """Lines of styled pieces, rendered straight to segments: a plan of 100,000 traders
    prints in well under a second, where one rich Text per line would take minutes.

    A line wider than the console is wrapped as rich wraps a Text, unless printing with
    soft wrap (as the CLI does), where lines are never wrapped.
    """

    def __init__(self) -> None:
        self.lines: list[tuple[list[Piece], str | None]] = []

    def add(self, pieces: list[Piece], *, style: str | None = None) -> None:
        """A line; `style` is laid over each piece's own (as `Text.stylize` would)."""
        self.lines.append((pieces, style))

    def blank(self) -> None:
        self.lines.append(([], None))

    def texts(self, styled: Styler | None = None) -> Iterator[str]:
        """The lines as strings of up to CHUNK_LINES lines, each line ending in a newline, never
        wrapped; `styled` puts a piece's text in its style's terminal codes (None: plain
        text). A large output (a state of 640,000 lines) is written without a string of it
        all, nor one per line held at once."""
        for start in range(0, len(self.lines), CHUNK_LINES):
            chunk = self.lines[start : start + CHUNK_LINES]
            if styled is None:
                yield "".join("".join(text for text, _ in pieces) + "\n" for pieces, _ in chunk)
            else:
                yield "".join(
                    "".join(styled(text, (style, over)) for text, style in pieces) + "\n"
                    for pieces, over in chunk
                )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        styles: dict[tuple[str | None, str | None], Style] = {}
        newline = Segment.line()
        for pieces, over in self.lines:
            if not options.no_wrap and sum(cell_len(t) for t, _ in pieces) > options.max_width:
                wide = Text.assemble(*((t, s or "") for t, s in pieces))
                if over:
                    wide.stylize(over)
                yield from console.render(wide, options)
                continue
            for piece, style in pieces:
                key = (style, over)
                found = styles.get(key)
                if found is None:
                    found = styles[key] = piece_style(console, key)
                yield Segment(piece, found)
            yield newline


def piece_style(console: Console, names: tuple[str | None, str | None]) -> Style:
    """The style of a piece: its own style name, then its line's laid over it."""
    named = [console.get_style(name) for name in names if name]
    return Style.combine(named) if named else Style.null()


__all__ = ["CHUNK_LINES", "INDENT", "Lines", "Piece", "Styler", "piece_style"]
