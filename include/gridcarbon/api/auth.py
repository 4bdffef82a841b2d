"""Airflow's authentication in front of every data endpoint (household data is personal).

A request carries an Airflow JWT (``POST /auth/token`` of the API server, or the UI's login) in one of:

- ``Authorization: Bearer <token>`` (Airflow's REST API convention, ``curl``);
- ``auth-token: <token>`` (the header electricityMaps clients send: Home Assistant's ``aioelectricitymaps``,
  codecarbon, the Carbon Aware SDK; configure the Airflow token as their API key);
- the ``_token`` cookie the Airflow UI sets at login (the dashboard in the UI's iframe).

The token is checked by the API server's auth manager (signature, expiry, revocation), exactly as for
``/api/v2``; the user must then be allowed the custom view ``gridcarbon`` (simple auth manager: every role from
viewer up). 401 without or with an invalid/expired token, 403 without the permission.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gridcarbon.api.errors import ApiError

RESOURCE_NAME = "gridcarbon"
COOKIE_NAME = "_token"  # airflow.api_fastapi.auth.managers.base_auth_manager.COOKIE_NAME_JWT_TOKEN

bearer_scheme = HTTPBearer(auto_error=False, scheme_name="AirflowJWT",
                           description="Airflow JWT from `POST /auth/token` ({\"username\", \"password\"}).")
auth_token_scheme = APIKeyHeader(name="auth-token", auto_error=False, scheme_name="ElectricityMapsAuthToken",
                                 description="The same Airflow JWT in the header electricityMaps clients send.")
cookie_scheme = APIKeyCookie(name=COOKIE_NAME, auto_error=False, scheme_name="AirflowUICookie",
                             description="The Airflow UI's session cookie (set at login).")

NOT_AUTHENTICATED = ("not authenticated: send an Airflow JWT as 'Authorization: Bearer <token>' or "
                     "'auth-token: <token>' (get one with POST /auth/token {\"username\": ..., \"password\": ...})")


def _trusted_user(request: Request) -> Any:
    """The user the API server's JWT-refresh middleware already validated for this request, if any."""
    try:
        from airflow.api_fastapi.core_api.security import USER_INJECTED_BY_TRUSTED_MIDDLEWARE
    except ImportError:  # pragma: no cover - other Airflow versions
        return None
    user = getattr(request.state, "user", None)
    trusted = getattr(request.state, "user_authenticated_via", None) is USER_INJECTED_BY_TRUSTED_MIDDLEWARE
    return user if user is not None and trusted else None


async def airflow_user(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    auth_token: Annotated[str | None, Depends(auth_token_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Any:
    """The Airflow user behind the request (see the module docstring), or 401/403."""
    from airflow.api_fastapi.app import get_auth_manager
    from jwt import ExpiredSignatureError, InvalidTokenError

    token = bearer.credentials if bearer and bearer.scheme.lower() == "bearer" else auth_token
    user = None if token else _trusted_user(request)
    if user is None:
        token = token or cookie
        if not token:
            raise ApiError(401, NOT_AUTHENTICATED)
        manager = get_auth_manager()
        try:
            user = await manager.get_user_from_token(token)
        except ExpiredSignatureError:
            raise ApiError(401, "the Airflow token has expired: get a new one with POST /auth/token") from None
        except InvalidTokenError:
            raise ApiError(401, "invalid Airflow token (wrong signature, revoked or not a JWT of this "
                                "Airflow): get one with POST /auth/token") from None
    manager = get_auth_manager()
    if not manager.is_authorized_custom_view(method="GET", resource_name=RESOURCE_NAME, user=user):
        raise ApiError(403, f"user {getattr(user, 'get_name', lambda: '?')()!r} may not read the carbon API "
                            f"(custom view {RESOURCE_NAME!r})")
    return user


AirflowUser = Annotated[Any, Depends(airflow_user)]
