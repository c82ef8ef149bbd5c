from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

from reconciler.manifest.refs import MAX_FILE_BYTES, References, literal_secrets, secret_fields

ENVIRON = {"PW": "s3cr3t", "USER": "alice", "EMPTY": ""}


def expand(text: str, base: Path = Path("/nonexistent")) -> tuple[str, list[str]]:
    return References(environ=ENVIRON).expand(text, base=base)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${env:PW}", "s3cr3t"),
        ("postgres://u:${env:PW}@h/db", "postgres://u:s3cr3t@h/db"),
        ("${env:USER}:${env:PW}", "alice:s3cr3t"),
        ("${env:EMPTY}", ""),
        ("no reference here", "no reference here"),
        ("price in $ and {braces}", "price in $ and {braces}"),
        ("$${env:PW} stays literal", "${env:PW} stays literal"),
    ],
    ids=["whole", "embedded", "several", "empty-value", "plain", "dollar-and-braces", "escaped"],
)
def test_env_references_are_replaced(text: str, expected: str) -> None:
    assert expand(text) == (expected, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${env:MISSING}",
         "environment variable MISSING is not set (referenced as ${env:MISSING})"),
        ("${env:NOT-A-NAME}",
         "invalid environment variable name 'NOT-A-NAME' in ${env:NOT-A-NAME}"),
        ("${vault:x}", "unknown reference '${vault:x}' (use ${env:NAME} or ${file:path}, "
                       "or $${ for a literal ${)"),
        ("${env:PW", "unterminated reference '${env:PW' (use ${env:NAME} or ${file:path}, "
                     "or $${ for a literal ${)"),
        ("${file:}", "empty file name in ${file:}"),
    ],
    ids=["missing-variable", "invalid-name", "unknown-scheme", "unterminated", "empty-file-name"],
)  # fmt: skip
def test_failed_references_are_reported_and_left_as_written(text: str, message: str) -> None:
    assert expand(text) == (text, [message])


def test_every_failed_reference_in_a_string_is_reported() -> None:
    text, problems = expand("${env:A}-${env:PW}-${env:B}")

    assert text == "${env:A}-s3cr3t-${env:B}"
    assert [problem.split(" (")[0] for problem in problems] == [
        "environment variable A is not set",
        "environment variable B is not set",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"token\n", "token"),
        (b"token", "token"),
        (b"token\n\n", "token\n"),
        (b"token\r\n", "token"),
        (b"line one\nline two\n", "line one\nline two"),
    ],
    ids=["newline", "no-newline", "two-newlines", "crlf", "multi-line"],
)
def test_file_reference_reads_text_without_one_trailing_newline(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    secret = tmp_path / "secrets" / "token.txt"
    secret.parent.mkdir()
    secret.write_bytes(content)
    secret.chmod(0o600)

    assert expand("${file:secrets/token.txt}", tmp_path) == (expected, [])
    assert expand("Bearer ${file:secrets/token.txt}!", tmp_path) == (f"Bearer {expected}!", [])


def test_unreadable_files_are_reported_by_name_only(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9 s3cr3t")
    (tmp_path / "huge.txt").write_bytes(b"x" * (MAX_FILE_BYTES + 1))

    problems = [
        expand(f"${{file:{name}}}", tmp_path)[1]
        for name in ("missing.txt", "folder", "latin1.txt", "huge.txt")
    ]

    assert problems == [
        [
            "cannot read file 'missing.txt' (referenced as ${file:missing.txt}): "
            "No such file or directory"
        ],
        ["cannot read file 'folder' (referenced as ${file:folder}): it is not a regular file"],
        ["cannot read file 'latin1.txt' (referenced as ${file:latin1.txt}): it is not UTF-8 text"],
        [
            "cannot read file 'huge.txt' (referenced as ${file:huge.txt}): "
            f"it is larger than {MAX_FILE_BYTES} bytes"
        ],
    ]


def test_group_or_world_readable_file_is_warned_about_once(tmp_path: Path) -> None:
    private = tmp_path / "private.txt"
    private.write_text("p1")
    private.chmod(0o600)
    shared = tmp_path / "shared.txt"
    shared.write_text("s3cr3t-in-a-shared-file")
    shared.chmod(0o644)
    refs = References(environ={})

    for _ in range(3):
        refs.expand("${file:private.txt} ${file:shared.txt}", base=tmp_path)

    assert refs.warnings == [
        (
            "${file:shared.txt",
            "shared.txt is readable by group or others; as it may hold a secret, chmod 600 it",
        )
    ]


def test_each_file_is_read_once_per_load(tmp_path: Path) -> None:
    secret = tmp_path / "token.txt"
    secret.write_text("first")
    secret.chmod(0o600)
    refs = References(environ={})

    assert refs.expand("${file:token.txt}", base=tmp_path) == ("first", [])
    secret.write_text("second")
    assert refs.expand("${file:token.txt}", base=tmp_path) == ("first", [])
    assert References(environ={}).expand("${file:token.txt}", base=tmp_path) == ("second", [])


def test_secret_fields_keeps_only_fields_that_may_hold_a_secret() -> None:
    class Leaf(BaseModel):
        name: str
        count: int | None = None

    class Inner(BaseModel):
        token: SecretStr

    class Outer(BaseModel):
        label: str
        leaf: Leaf
        inner: Inner | None = None
        anything: dict[str, Any] = {}
        leaves: list[Leaf] = []
        inners: tuple[Inner, ...] = ()

    assert secret_fields(Leaf) == ()
    assert secret_fields(Outer) == ("inner", "anything", "inners")


def test_literal_secrets_still_finds_secrets_below_any() -> None:
    class Inner(BaseModel):
        token: SecretStr

    class Outer(BaseModel):
        anything: dict[str, Any] = {}

    value = Outer(anything={"a": Inner(token=SecretStr("x")), "b": [SecretStr("y")]})
    assert list(literal_secrets(value, "o", {"y"})) == ["o.anything.a.token"]
