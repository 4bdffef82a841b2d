"""Schemathesis fuzzes the carbon API from its own OpenAPI description, in-process (ASGI), with a real token.

Per operation a few dozen generated requests that fit the schema and a few dozen that do not. Checks: never a
5xx, every status and body as documented (``{"detail": "..."}`` for errors), content types and headers as
described, schema-invalid input refused with a 4xx, and requests without the token refused (``ignored_auth``).
Not checked: ``positive_data_acceptance`` -- a schema-valid request may still be refused with 400/404 for what
OpenAPI cannot express (an inverted range, an unknown zone or household), as documented.

(Schemathesis' own pytest integration, ``schemathesis.pytest.from_fixture``, does not run under pytest 9, so
the strategies are driven by Hypothesis here.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import Auth
from tests.api.warehouse_data import HOME_EV
from tests.integration.dbt_helpers import household_id

pytestmark = pytest.mark.integration

EXAMPLES = 15  # per operation and mode: ~400 requests with the ignored_auth re-sends, ~20 s


def generated_runs() -> list[tuple[str, str]]:
    """(path, mode) for every documented GET operation, from the app itself (building it opens no connection):
    positive and negative everywhere, seeded where a zone or household can be seeded."""
    from gridcarbon.api.app import create_app
    from gridcarbon.api.settings import ApiSettings

    paths = create_app(ApiSettings(dsn="postgresql://unused@127.0.0.1/unused")).openapi()["paths"]
    runs = []
    for path, item in sorted(paths.items()):
        names = {p["name"] for p in item["get"].get("parameters", [])}
        modes = ["positive", "negative"] + (["seeded"] if names & {"zone", "household_id"} else [])
        runs += [(path, mode) for mode in modes]
    return runs


@pytest.fixture(scope="module")
def carbon_api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


# Random zones and household ids are unknown (404) and most random times hold no data; "seeded" runs fix the
# zone or household (and a range with data) so the generated rest reaches the answers with data.
SEEDS = {"zone": "DE"}
HOUSEHOLD_SEED = {"start": "2025-03-01", "end": "2025-03-03"}


@pytest.mark.parametrize(("path", "mode"), generated_runs())
def test_the_openapi_description_holds_for_generated_requests(carbon_api_schema: Any, auth: Auth, path: str,
                                                               mode: str) -> None:
    operation = carbon_api_schema[path]["GET"]
    names = {p["name"] for p in operation.definition.raw.get("parameters", [])}
    fixed: dict[str, Any] = {}
    if mode == "seeded":
        if "household_id" in names:
            fixed = {"path_parameters": {"household_id": household_id(HOME_EV)}, "query": HOUSEHOLD_SEED}
        else:
            fixed = {"query": SEEDS}
    generation = GenerationMode.NEGATIVE if mode == "negative" else GenerationMode.POSITIVE
    seen: list[int] = []

    @given(case=operation.as_strategy(generation_mode=generation, **fixed))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=auth.headers, excluded_checks=[positive_data_acceptance])
        seen.append(response.status_code)

    run()
    assert seen, f"no request generated for {path} ({mode})"
    assert max(seen) < 500, seen
