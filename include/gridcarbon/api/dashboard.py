"""The dashboard page: one HTML file and its scripts, served by the API itself (no CDN, no build step).

``/dashboard`` needs the same Airflow login as the data (a browser without it is sent to Airflow's login page
and back); ``/static`` holds only code (our script and the pinned Vega, Vega-Lite and vega-embed bundles with
their licences, see ``static/vendor/README.md``) and is served without login. The page reads the API with the
browser's Airflow session cookie, so inside the Airflow UI (plugin external view, an iframe) it just works.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from gridcarbon.api.auth import airflow_user, auth_token_scheme, bearer_scheme, cookie_scheme
from gridcarbon.api.errors import ApiError

STATIC_DIR = Path(__file__).parent / "static"
router = APIRouter(tags=["dashboard"])
HEADERS = {"Content-Security-Policy": "frame-ancestors 'self'", "X-Content-Type-Options": "nosniff",
           "Cache-Control": "no-store"}


def _login_redirect(request: Request) -> Response | None:
    """Airflow's login page with a way back here, when the API server has an auth manager with a login page."""
    try:
        from airflow.api_fastapi.app import get_auth_manager

        login = get_auth_manager().get_url_login(next_url=str(request.url.path))
    except Exception:  # noqa: BLE001 - no auth manager initialised (an app outside the API server)
        return None
    return RedirectResponse(login, status_code=303)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
@router.get("/dashboard/", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    auth_token: Annotated[str | None, Depends(auth_token_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Response:
    try:
        await airflow_user(request, bearer, auth_token, cookie)
    except ApiError as exc:
        if exc.status_code == 401 and (redirect := _login_redirect(request)) is not None:
            return redirect
        return HTMLResponse(f"<!doctype html><title>gridcarbon</title><p>{html.escape(exc.detail)}</p>",
                            status_code=exc.status_code, headers=HEADERS)
    base = request.scope.get("root_path", "").rstrip("/") + "/"
    page = (STATIC_DIR / "dashboard.html").read_text(encoding="utf-8").replace("{{base}}", html.escape(base))
    return HTMLResponse(page, headers=HEADERS)
