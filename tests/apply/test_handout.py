"""Generated passwords and their one-time hand-out file."""

from __future__ import annotations

import csv
import stat
import threading
from pathlib import Path

import pytest

from reconciler.apply.handout import PasswordHandout, generate_password


@pytest.mark.parametrize("length", [12, 24, 64])
def test_generated_passwords_have_the_length_and_every_character_class(length: int) -> None:
    passwords = {generate_password(length) for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) == length
        assert any(c.islower() for c in password)
        assert any(c.isupper() for c in password)
        assert any(c.isdigit() for c in password)
        assert any(not c.isalnum() for c in password)


def test_rows_are_appended_under_one_header_in_an_owner_only_file(tmp_path: Path) -> None:
    handout = PasswordHandout(tmp_path / "state" / "generated-passwords.csv")
    handout.write_rows([("a", "tradovate", "a.a", "a@x.io", "pw-1", "t1")])
    handout.write_rows(
        [
            ("b", "tradovate", "b.b", "b@x.io", "pw-2", "t2"),
            ("b", "tradervue", "b", "b@x", "x", "t"),
        ]
    )
    handout.write(("c", "traderpal", "c", "c@x.io", "pw-3", "t3"))
    with handout.path.open(newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == list(PasswordHandout.HEADER)
    assert [row[0] for row in rows[1:]] == ["a", "b", "b", "c"]
    assert stat.S_IMODE(handout.path.stat().st_mode) == 0o600


def test_platforms_writing_at_once_share_one_header(tmp_path: Path) -> None:
    """Each platform's lane hands out its passwords from its own thread; the file that the
    first writes of several lanes create starts with one header, not one per lane."""
    handout = PasswordHandout(tmp_path / "generated-passwords.csv")
    start = threading.Barrier(8)

    def lane(n: int) -> None:
        start.wait()
        handout.write_rows([(f"t{n}", "tradovate", f"u{n}", f"u{n}@x.io", f"pw-{n}", "t")])

    threads = [threading.Thread(target=lane, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = list(csv.reader((tmp_path / "generated-passwords.csv").open()))
    assert rows[0] == list(PasswordHandout.HEADER)
    assert sorted(row[0] for row in rows[1:]) == [f"t{n}" for n in range(8)]
