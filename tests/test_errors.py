"""The error tree's one-line promise: text from manifests or platforms is shown escaped."""

from __future__ import annotations

import pytest

from reconciler.errors import ManifestError, ProviderRejected, ReconcilerError, printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text, é and 漢字", "plain text, é and 漢字"),
        ("two\nlines", "two\\nlines"),
        ("carriage\rreturn", "carriage\\rreturn"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("bidi \u202eevil", "bidi \\u202eevil"),
    ],
    ids=["printable", "newline", "carriage-return", "terminal-escape", "bidi-override"],
)
def test_printable_escapes_what_could_break_a_line(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_every_error_message_is_one_printable_line() -> None:
    error = ProviderRejected("errorText: bad\r\nname\x1b[0m", provider="p", operation="op")
    assert str(error) == "p op: errorText: bad\\r\\nname\\x1b[0m"
    assert str(ReconcilerError("a\nb")) == "a\\nb"


def test_a_manifest_error_escapes_its_message_and_file_name() -> None:
    error = ManifestError("key 'a\rb': unknown field", path="odd\nname.yaml", line=3)
    assert error.located() == "odd\\nname.yaml:3: key 'a\\rb': unknown field"
