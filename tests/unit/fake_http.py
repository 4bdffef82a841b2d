"""A small fake HTTP session for calling a source's ``fetch`` with plain values: it answers each request with the
first recorded payload whose URL fragment occurs in the request's URL (recorded fixtures are read through
``tests.conftest.fixture_path``), and keeps the requests it saw."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridcarbon.connections import Endpoint


class FakeResponse:
    def __init__(self, url: str, status: int, body: bytes, content_type: str) -> None:
        self.url = url
        self.status_code = status
        self.content = body
        self.text = body.decode("utf-8", "replace")
        self.headers = {"Content-Type": content_type}

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class FakeSession:
    """``answers``: URL fragment -> body (a recorded file's ``Path``, bytes or text) or ``(status, body)``.
    A request no fragment matches is answered 404."""

    answers: Mapping[str, Any]
    content_type: str = "application/json"
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        self.requests.append((method, url, kwargs))
        for fragment, answer in self.answers.items():
            if fragment in url:
                status, body = answer if isinstance(answer, tuple) else (200, answer)
                if isinstance(body, Path):
                    body = body.read_bytes()
                elif isinstance(body, str):
                    body = body.encode()
                return FakeResponse(url, status, body, self.content_type)
        return FakeResponse(url, 404, b"not found", "text/plain")

    def close(self) -> None:
        pass

    @property
    def urls(self) -> list[str]:
        return [url for _, url, _ in self.requests]


def endpoint(source: str, base_url: str, **credentials: Any) -> Endpoint:
    """An endpoint as a resolved connection gives it (login, password, extra)."""
    return Endpoint(source, base_url, **credentials)
