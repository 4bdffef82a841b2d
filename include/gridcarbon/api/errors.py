"""How the API says no: one exception for every refusal and one body for every error, ``{"detail": "..."}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ApiError(Exception):
    """A refusal with its HTTP status and a sentence naming the parameter, the value and what is accepted."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


class ErrorBody(BaseModel):
    detail: str = Field(description="What was wrong, in one sentence.")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Inverted or too long range"},
    401: {"model": ErrorBody, "description": "No, invalid or expired Airflow token"},
    403: {"model": ErrorBody, "description": "The user may not read the carbon API"},
    404: {"model": ErrorBody, "description": "Unknown zone or household, or no final value for the time asked"},
    422: {"model": ErrorBody, "description": "Malformed or unsupported parameter"},
    503: {"model": ErrorBody, "description": "The marts cannot answer now (not built, database down, timeout)"},
}
