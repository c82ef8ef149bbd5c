"""The bundle log's redaction: secrets by key, at any depth, and the WebSocket authorize token."""

from __future__ import annotations

from reconciler.conformance.recorder import REDACTED, redact, redact_frame


def test_secret_keys_are_redacted_at_any_depth_without_case() -> None:
    value = {"name": "a", "Password": "p", "items": [{"accessToken": "t", "sec": None}],
             "p-ticket": "x"}  # fmt: skip
    assert redact(value) == {
        "name": "a",
        "Password": REDACTED,
        "items": [{"accessToken": REDACTED, "sec": None}],
        "p-ticket": REDACTED,
    }


def test_the_authorize_frame_token_is_redacted_and_other_frames_kept() -> None:
    assert redact_frame("authorize\n0\n\nsecret-token") == f"authorize\n0\n\n{REDACTED}"
    assert redact_frame('authorize\n3\n\n"quoted"') == f"authorize\n3\n\n{REDACTED}"
    assert redact_frame("user/syncrequest\n1\n\n{}") == "user/syncrequest\n1\n\n{}"
