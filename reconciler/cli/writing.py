"""Writing lines of styled pieces to the command's console: the text of plans, state and the
audit trail, as rich would print it but without rendering segment by segment."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import COLOR_SYSTEMS, Console
from rich.style import Style

from reconciler.render import Lines, Styler, piece_style


def write_parts(out: Console, parts: Iterable[Lines]) -> None:
    """Print a plan's parts (a trader at a time: one print of a large plan holds gigabytes).
    A console that never wraps (the CLI's) gets each part's text with the same terminal codes
    rich would send, written straight to its file: rich's rendering, segment by segment, took
    most of the time of printing a large plan."""
    if not out.soft_wrap or out.record or out.legacy_windows:
        for part in parts:
            out.print(part)
        return
    styled = _styler(out)
    file = out.file
    for part in parts:
        for text in part.texts(styled):
            file.write(text)
    file.flush()


def _styler(out: Console) -> Styler | None:
    """What rich would do to a styled piece on `out`: nothing without a colour system, colours
    left out under `no_color`."""
    if out.color_system is None:
        return None
    system = COLOR_SYSTEMS[out.color_system]
    styles: dict[tuple[str | None, str | None], Style] = {}

    def styled(text: str, names: tuple[str | None, str | None]) -> str:
        style = styles.get(names)
        if style is None:
            style = piece_style(out, names)
            if out.no_color:
                style = style.without_color
            styles[names] = style
        return style.render(text, color_system=system)

    return styled


__all__ = ["write_parts"]
