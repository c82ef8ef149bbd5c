"""What a sandbox's handlers answer, and how every gateway renders it as an HTTP response."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from reconciler.providers.sandbox.server import json_body


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP status, a JSON payload (None: an empty body) and extra headers."""

    status: int
    payload: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def response(self, headers: Mapping[str, str] | None = None) -> Response:
        """The HTTP response: `headers` (e.g. a request id), then the reply's own."""
        merged = {**(headers or {}), **self.headers}
        if self.payload is None:
            return Response(status_code=self.status, headers=merged)
        content = json_body(self.payload)
        return Response(
            content, status_code=self.status, media_type="application/json", headers=merged
        )
