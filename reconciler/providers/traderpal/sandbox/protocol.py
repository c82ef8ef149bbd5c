"""What passes between the sandbox's gateway and its handlers: replies and refusals, the
latter rendered in the platform's error envelope."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.providers.sandbox.reply import Reply


class Refusal(Exception):
    """A request the platform refuses; the gateway renders it as an error envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.reason = reason
        self.headers = dict(headers or {})

    def reply(self, request_id: str) -> Reply:
        details = {"field": self.field, "reason": self.reason}
        error = {
            "code": self.code,
            "message": self.message,
            "details": {k: v for k, v in details.items() if v is not None},
            "requestId": request_id,
        }
        return Reply(self.status, {"error": error}, self.headers)


def bad_request(message: str, *, field: str | None = None) -> Refusal:
    """400 `invalid_request`: the body or query is malformed."""
    return Refusal(400, "invalid_request", message, field=field, reason="invalid_request")


def invalid(field: str, reason: str, message: str) -> Refusal:
    """422 `invalid_user_data`: well-formed, but the user data breaks a rule."""
    return Refusal(422, "invalid_user_data", message, field=field, reason=reason)


def not_found(what: str = "user") -> Refusal:
    return Refusal(404, "not_found", f"{what} not found")


def conflict(code: str, message: str, *, field: str | None = None) -> Refusal:
    """409: `email_exists` or `invalid_state_transition`."""
    return Refusal(409, code, message, field=field, reason=code)
