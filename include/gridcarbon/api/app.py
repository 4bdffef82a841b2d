"""The carbon API as a FastAPI app: what ``plugins/gridcarbon_carbon_api.py`` mounts in Airflow's API server.

``create_app(settings)`` builds it without touching the database (the pool opens at the first query), so the
plugin costs nothing at API-server start and tests pass a test warehouse's DSN in ``ApiSettings``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from gridcarbon.api import dashboard, electricitymaps, grid, households
from gridcarbon.api.auth import airflow_user
from gridcarbon.api.database import MartsReader, MartsUnavailable
from gridcarbon.api.electricitymaps import ZoneCatalog
from gridcarbon.api.errors import ApiError
from gridcarbon.api.settings import URL_PREFIX, ApiSettings

DESCRIPTION = f"""
Carbon intensity of the grid and the emissions of households, read from the gridcarbon marts (as the
read-only Postgres role `bi_reader`), served inside Airflow's API server under `{URL_PREFIX}`.

**Authentication.** Every data endpoint needs an Airflow JWT, the same as Airflow's REST API:

```
TOKEN=$(curl -s -X POST http://localhost:8080/auth/token -H 'Content-Type: application/json' \\
        -d '{{"username": "admin", "password": "<password>"}}' \\
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
curl -H "Authorization: Bearer $TOKEN" 'http://localhost:8080{URL_PREFIX}/v3/carbon-intensity/latest?zone=DE'
```

electricityMaps clients may send the token as `auth-token` instead; the dashboard uses the Airflow UI's login.

**electricityMaps v3 subset** (`/v3/...`): drop-in for clients of electricityMaps' API with these differences:
production-based intensities of our attribution models (`model`: average, merit_order, worst_emitter; locality
for the German control areas), zones of the marts, nothing estimated (intervals without a final value are left
out), integer `carbonIntensity` plus `carbonIntensityExact`, `updatedAt` = when the interval's generation was
last loaded, `history` ending at the newest data in the marts, and `power-breakdown` with production by fuel
(electricityMaps' keys) but no flows: consumption, import and export totals are null.

**Households** (`/households/...`): emissions over a range at interval, local-day or local-month grain, all
four models and both scopes side by side (the spread between models is the uncertainty of the answer), EV
and household parts, and whether each period is complete.

Errors are `{{"detail": "..."}}`: 400 inverted or too long range, 401 no/invalid token, 403 not allowed,
404 unknown zone or household or no final value, 422 malformed parameter, 503 marts unavailable.
"""


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "header", "cookie")]
        where = ".".join(location) or "request"
        given = error.get("input")
        shown = f" (got {str(given)[:60]!r})" if given is not None and not isinstance(given, dict) else ""
        parts.append(f"{where}: {error.get('msg', 'invalid')}{shown}")
    return "; ".join(parts) or "invalid request"


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or ApiSettings.from_env()
    reader = MartsReader(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        reader.close()

    app = FastAPI(title="gridcarbon carbon API", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.reader = reader
    app.state.zones = ZoneCatalog(settings.zone_cache_seconds)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(MartsUnavailable)
    async def marts_unavailable(_request: Request, exc: MartsUnavailable) -> JSONResponse:
        return JSONResponse({"detail": f"the marts cannot answer now: {exc}"}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    protected = [Depends(airflow_user)]
    app.include_router(electricitymaps.router, dependencies=protected)
    app.include_router(households.router, dependencies=protected)
    app.include_router(grid.router, dependencies=protected)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=dashboard.STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index(request: Request) -> dict[str, Any]:
        base = request.scope.get("root_path", "").rstrip("/")
        return {"name": "gridcarbon carbon API", "openapi": f"{base}/openapi.json",
                "dashboard": f"{base}/dashboard", "authentication": "Airflow JWT (POST /auth/token)"}

    return app
