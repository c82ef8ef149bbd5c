"""The user-data WebSocket frame codec: requests out, `o`/`h`/`a`/`c` frames in."""

from __future__ import annotations

import pytest

from reconciler.providers.tradovate.frames import (
    Frame,
    FrameError,
    Push,
    Response,
    encode_request,
    entity_changes,
    parse_frame,
)


def test_a_request_is_four_lines_with_a_compact_json_body() -> None:
    assert encode_request("user/syncrequest", 3, body={"splitResponses": True}) == (
        'user/syncrequest\n3\n\n{"splitResponses":true}'
    )
    assert encode_request("authorize", 0, body="token-text") == "authorize\n0\n\ntoken-text"
    assert encode_request("adminAlertSignal/deps", 7, query="masterid=70") == (
        "adminAlertSignal/deps\n7\nmasterid=70\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("o", Frame("o")),
        ("h", Frame("h")),
        ('c[3002,"Session closed"]', Frame("c", close=(3002, "Session closed"))),
        ("c[]", Frame("c", close=(0, ""))),
        (
            'a[{"s":200,"i":1},{"s":401,"i":2,"d":"Access is denied"}]',
            Frame("a", (Response(1, 200), Response(2, 401, "Access is denied"))),
        ),
        ('a[{"e":"props","d":[]}]', Frame("a", (Push("props", []),))),
    ],
    ids=["open", "heartbeat", "close", "bare-close", "responses", "push"],
)
def test_frames_decode(text: str, expected: Frame) -> None:
    assert parse_frame(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "x", "a{", 'a{"s":1}', "a[1]", 'a[{"i":1}]', 'a[{"s":true,"i":1}]'],
    ids=["empty", "unknown", "bad-json", "not-array", "not-object", "no-status", "bool-status"],
)
def test_malformed_frames_are_refused(text: str) -> None:
    with pytest.raises(FrameError):
        parse_frame(text)


def test_props_changes_come_as_a_list_or_a_single_object() -> None:
    change = {"entityType": "order", "eventType": "Created", "entity": {"id": 1}}
    assert entity_changes(Push("props", [change, "junk"])) == [change]
    assert entity_changes(Push("props", change)) == [change]
    assert entity_changes(Push("shutdown", change)) == []
