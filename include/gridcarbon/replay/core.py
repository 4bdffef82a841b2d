"""Request/response types shared by the replay handlers, plus deterministic noise for the generators."""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

SYNTHETIC_HEADER = "X-Gridcarbon-Synthetic"


@dataclass(frozen=True)
class ReplayRequest:
    method: str
    path: str  # path after the /<source> prefix, starting with "/"
    raw_query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.raw_query, keep_blank_values=True)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lname:
                return value
        return default

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8") or "null")


@dataclass(frozen=True)
class ReplayResponse:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(payload: Any, status: int = 200, *, synthetic: bool = False,
                  headers: dict[str, str] | None = None) -> ReplayResponse:
    hdrs = dict(headers or {})
    if synthetic:
        hdrs[SYNTHETIC_HEADER] = "true"
    return ReplayResponse(status, json.dumps(payload, separators=(",", ":")).encode(), "application/json", hdrs)


def text_response(text: str | bytes, status: int = 200, *, content_type: str = "text/plain; charset=utf-8",
                  synthetic: bool = False) -> ReplayResponse:
    body = text.encode("utf-8") if isinstance(text, str) else text
    return ReplayResponse(status, body, content_type, {SYNTHETIC_HEADER: "true"} if synthetic else {})


def not_found(message: str = "not found") -> ReplayResponse:
    return text_response(message, 404)


def unit_noise(*key: Any) -> float:
    """A deterministic pseudo-random number in [0, 1) for the given key (same key, same number)."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    return struct.unpack(">Q", digest)[0] / 2**64
