"""Nothing lost: a bad answer for a window that is already loaded fails with a named error and changes no row.

The probe, as a demanding user would run it: for each source, a good load of a window through the real task
body (``runner.extract_load``: HTTP session -> parser -> ``replace_window`` in one transaction) from the replay
server, then the same window again with the
real answer damaged on the wire (the session hands the parser the mutated bytes), then a checksum of the WHOLE
raw table compared with the one before. Every case must raise a ``SourceError`` (``MalformedPayloadError`` for
schema drift, ``IncompleteAnswerError`` for an answer that would delete or blank published values) whose message
names source, interval and, where the loader knows it, the URL; and no stored row may change.

Before this module, 7,191 stored rows were deleted by such answers with no error, and renamed value fields
overwrote good values with NULL.

| source | damaged answer                                        | what the user sees now                         |
|--------|-------------------------------------------------------|------------------------------------------------|
| SMARD  | weekly file with an empty ``series``                   | IncompleteAnswerError, expected N received 0   |
| SMARD  | weekly file cut after its first half                   | IncompleteAnswerError naming missing intervals |
| SMARD  | every value ``null`` (over published values)           | IncompleteAnswerError ("delete or blank")      |
| SMARD  | index with no timestamps                               | IncompleteAnswerError                          |
| SMARD  | a value ``NaN`` / ``Infinity`` / ``1e300``             | MalformedPayloadError naming the value         |
| SMARD  | ``series`` renamed                                     | MalformedPayloadError                          |
| SMARD  | one timestamp twice with different values             | MalformedPayloadError                          |
| Tibber | ``nodes: []``                                          | IncompleteAnswerError                          |
| Tibber | every ``consumption: null``                            | IncompleteAnswerError                          |
| Tibber | ``consumption`` renamed ``consumptionKwh``             | MalformedPayloadError                          |
| Tibber | ``consumption`` NaN / 1e300                            | MalformedPayloadError                          |
| Tibber | the nodes stop half way                                | IncompleteAnswerError                          |
| Tibber | ``consumption`` connection ``null``                    | a named SourceError                            |
| EIA    | ``data: []`` with ``total: 0``                         | IncompleteAnswerError                          |
| EIA    | ``value`` renamed ``val``                              | MalformedPayloadError                          |
| EIA    | half the rows, total adjusted                          | IncompleteAnswerError                          |
| EIA    | a value ``NaN``                                        | MalformedPayloadError                          |
| CAISO  | header-only fuelsource.csv                             | IncompleteAnswerError                          |
| CAISO  | rows stop at noon                                      | IncompleteAnswerError                          |
| CAISO  | the last column lost                                   | MalformedPayloadError listing the columns      |
| CAISO  | one time row twice with different MW                   | MalformedPayloadError                          |
| CAISO  | a cell ``NaN`` / ``1e300``                             | MalformedPayloadError                          |

``CASES`` below is the list; ``test_readme_states_the_probe_counts`` keeps README's reliability section in step.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gridcarbon.errors import IncompleteAnswerError, MalformedPayloadError, SourceError
from gridcarbon.http import build_session
from gridcarbon.intervals import Window
from gridcarbon.settings import REPO_ROOT
from gridcarbon.sources import eia, runner, smard, tibber
from gridcarbon.sources.registry import source as registered
from tests.integration.iso_helpers import replay_control

pytestmark = pytest.mark.integration

Mutation = Callable[[bytes], bytes]


# --------------------------------------------------------------------------------------------- the wire
def damaged_session(matches: Callable[[Any], bool], mutate: Mutation) -> Any:
    """A real HTTP session whose answers to matching requests reach the parser damaged by ``mutate``."""
    session = build_session()
    send = session.send

    def damaging_send(request: Any, **kwargs: Any) -> Any:
        response = send(request, **kwargs)
        if response.status_code == 200 and matches(request):
            response._content = mutate(response.content)
            response.headers["Content-Length"] = str(len(response._content))
        return response

    session.send = damaging_send  # type: ignore[method-assign]
    return session


def _json(mutate: Callable[[Any], Any]) -> Mutation:
    def apply(body: bytes) -> bytes:
        return json.dumps(mutate(json.loads(body))).encode()  # json.dumps writes NaN/Infinity as Python does
    return apply


def _csv(mutate: Callable[[list[list[str]]], list[list[str]]]) -> Mutation:
    def apply(body: bytes) -> bytes:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(mutate(rows))
        return out.getvalue().encode()
    return apply


# --------------------------------------------------------------------------------------------- SMARD
SMARD_SPEC = smard.SeriesSpec(4068, "TenneT", "quarterhour")
SMARD_WINDOW = Window(datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 4, tzinfo=UTC))
SMARD_LOOKBACK = timedelta(hours=12)


def _series(mutate: Callable[[list[list[Any]]], Any]) -> Mutation:
    def apply(doc: dict[str, Any]) -> dict[str, Any]:
        doc["series"] = mutate(doc["series"])
        return doc
    return _json(apply)


def _set_one(series: list[list[Any]], value: Any) -> list[list[Any]]:
    published = [i for i, (_, v) in enumerate(series) if v is not None]
    series[published[len(published) // 2]][1] = value
    return series


def _duplicate_with_other_value(series: list[list[Any]]) -> list[list[Any]]:
    stamp, value = next((t, v) for t, v in series if v is not None)
    return [*series, [stamp, value + 1]]


def _rename(doc: dict[str, Any]) -> dict[str, Any]:
    doc["values"] = doc.pop("series")
    return doc


SMARD_BLOCK = "4068_TenneT_quarterhour_"
SMARD_CASES: dict[str, tuple[str, Mutation]] = {
    "empty series": (SMARD_BLOCK, _series(lambda s: [])),
    "series cut after its first half": (SMARD_BLOCK, _series(lambda s: s[: len(s) // 2])),
    "every value null": (SMARD_BLOCK, _series(lambda s: [[t, None] for t, _ in s])),
    "index without timestamps": ("index_quarterhour", _json(lambda d: {**d, "timestamps": []})),
    "a value NaN": (SMARD_BLOCK, _series(lambda s: _set_one(s, float("nan")))),
    "a value Infinity": (SMARD_BLOCK, _series(lambda s: _set_one(s, float("inf")))),
    "a value 1e300": (SMARD_BLOCK, _series(lambda s: _set_one(s, 1e300))),
    "series renamed": (SMARD_BLOCK, _json(_rename)),
    "one timestamp twice with different values": (SMARD_BLOCK, _series(_duplicate_with_other_value)),
}


def _smard_run(session: Any, window: Window = SMARD_WINDOW) -> None:
    runner.extract_load(registered("smard"), window, inputs=(SMARD_SPEC.as_dict(),), session=session,
                        settings=smard.Settings(lookback=SMARD_LOOKBACK))


# --------------------------------------------------------------------------------------------- Tibber
TIBBER_WINDOW = Window(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 2, tzinfo=UTC))


def _nodes(mutate: Callable[[list[dict[str, Any]]], Any]) -> Mutation:
    def apply(doc: dict[str, Any]) -> dict[str, Any]:
        connection = doc["data"]["viewer"]["home"]["consumption"]
        connection["nodes"] = mutate(connection["nodes"])
        return doc
    return _json(apply)


def _each_node(change: Callable[[dict[str, Any]], None]) -> Callable[[list[dict[str, Any]]], Any]:
    def apply(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for node in nodes:
            change(node)
        return nodes
    return apply


def _one_node(value: Any) -> Callable[[list[dict[str, Any]]], Any]:
    def apply(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        nodes[len(nodes) // 2]["consumption"] = value
        return nodes
    return apply


def _no_connection(doc: dict[str, Any]) -> dict[str, Any]:
    doc["data"]["viewer"]["home"]["consumption"] = None
    return doc


TIBBER_CASES: dict[str, tuple[str, Mutation]] = {
    "nodes: []": ("consumption(", _nodes(lambda n: [])),
    "every consumption null": ("consumption(", _nodes(_each_node(lambda n: n.update(consumption=None)))),
    "consumption renamed consumptionKwh": (
        "consumption(", _nodes(_each_node(lambda n: n.update(consumptionKwh=n.pop("consumption"))))),
    "a consumption NaN": ("consumption(", _nodes(_one_node(float("nan")))),
    "a consumption 1e300": ("consumption(", _nodes(_one_node(1e300))),
    "nodes stop half way": ("consumption(", _nodes(lambda n: n[: len(n) // 2])),
    "consumption connection null": ("consumption(", _json(_no_connection)),
}


def _tibber_run(session: Any) -> None:
    runner.extract_load(registered("tibber"), TIBBER_WINDOW, session=session, dag_id="probe", run_id="probe",
                        settings=tibber.Settings(resolution="HOURLY", lookback=timedelta(hours=48)))


# --------------------------------------------------------------------------------------------- EIA
EIA_WINDOW = Window(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 2, tzinfo=UTC))


def _eia(mutate: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(doc: dict[str, Any]) -> dict[str, Any]:
        mutate(doc["response"])
        return doc
    return _json(apply)


def _eia_empty(response: dict[str, Any]) -> None:
    response.update(data=[], total=0)


def _eia_half(response: dict[str, Any]) -> None:
    response["data"] = response["data"][: len(response["data"]) // 2]
    response["total"] = len(response["data"])


def _eia_rename(response: dict[str, Any]) -> None:
    for row in response["data"]:
        row["val"] = row.pop("value")


def _eia_nan(response: dict[str, Any]) -> None:
    response["data"][len(response["data"]) // 2]["value"] = float("nan")


EIA_CASES: dict[str, tuple[str, Mutation]] = {
    "data: [] with total 0": ("fuel-type-data", _eia(_eia_empty)),
    "value renamed val": ("fuel-type-data", _eia(_eia_rename)),
    "half the rows, total adjusted": ("fuel-type-data", _eia(_eia_half)),
    "a value NaN": ("fuel-type-data", _eia(_eia_nan)),
}


def _eia_run(session: Any) -> None:
    runner.extract_load(registered("eia"), EIA_WINDOW, task_id="load_fuel_type_data", inputs=(["CISO", "PJM"],),
                        session=session, dag_id="probe", run_id="probe", settings=eia.Settings(lookback=timedelta(0)))


# --------------------------------------------------------------------------------------------- CAISO
CAISO_WINDOW = Window(datetime(2025, 3, 1, 8, tzinfo=UTC), datetime(2025, 3, 2, 8, tzinfo=UTC))


def _header_only(rows: list[list[str]]) -> list[list[str]]:
    return rows[:1]


def _until_noon(rows: list[list[str]]) -> list[list[str]]:
    return [r for r in rows if not r or not re.fullmatch(r"\d\d:\d\d", r[0]) or r[0] < "12:00"]


def _lose_last_column(rows: list[list[str]]) -> list[list[str]]:
    return [r[:-1] for r in rows]


def _twice_with_other_values(rows: list[list[str]]) -> list[list[str]]:
    row = list(rows[10])
    row[1] = str(float(row[1] or 0) + 100)
    return [*rows[:11], row, *rows[11:]]


def _cell(value: str) -> Callable[[list[list[str]]], list[list[str]]]:
    def apply(rows: list[list[str]]) -> list[list[str]]:
        rows[20][2] = value
        return rows
    return apply


CAISO_CASES: dict[str, tuple[str, Mutation]] = {
    "header-only fuelsource.csv": ("fuelsource", _csv(_header_only)),
    "rows stop at noon": ("fuelsource", _csv(_until_noon)),
    "the last column lost": ("fuelsource", _csv(_lose_last_column)),
    "one time row twice with different MW": ("fuelsource", _csv(_twice_with_other_values)),
    "a cell NaN": ("fuelsource", _csv(_cell("NaN"))),
    "a cell 1e300": ("fuelsource", _csv(_cell("1e300"))),
}


def _caiso_run(session: Any) -> None:
    runner.extract_load(registered("caiso"), CAISO_WINDOW, session=session)


# --------------------------------------------------------------------------------------------- the probe
@dataclass(frozen=True)
class Source:
    name: str
    tables: tuple[str, ...]
    run: Callable[[Any], None]
    cases: dict[str, tuple[str, Mutation]]


SOURCES = {
    "smard": Source("smard", ("raw_smard.chart_values",), _smard_run, SMARD_CASES),
    "tibber": Source("tibber", ("raw_tibber.consumption", "raw_tibber.homes", "raw_tibber.prices"), _tibber_run,
                     TIBBER_CASES),
    "eia": Source("eia", ("raw_eia.fuel_type_data",), _eia_run, EIA_CASES),
    "caiso": Source("caiso", ("raw_iso.generation_by_fuel",), _caiso_run, CAISO_CASES),
}
CASES = [(source, case) for source, spec in SOURCES.items() for case in spec.cases]


def table_state(admin_conn: Any, tables: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every row of each table (load metadata excluded: a refused load writes none)."""
    state = {}
    with admin_conn.cursor() as cur:
        for table in tables:
            schema, name = table.split(".")
            cur.execute("select string_agg(column_name, ', ' order by ordinal_position) "
                        "from information_schema.columns "
                        "where table_schema = %s and table_name = %s and column_name not like '\\_%%'",
                        (schema, name))
            columns = cur.fetchone()[0]
            cur.execute(f"select count(*), md5(coalesce(string_agg(r::text, '|' order by r::text), '')) "
                        f"from (select {columns} from {table}) r")
            count, digest = cur.fetchone()
            state[table] = (int(count), digest)
    return state


@pytest.fixture()
def probe_env(replay_connections: Any, warehouse_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("SMARD_REPLAY_NOW", "2025-11-20T12:00:00+00:00")
    replay_control(replay_connections, "_faults", "DELETE")
    yield replay_connections
    replay_control(replay_connections, "_faults", "DELETE")


@pytest.mark.parametrize(("source", "case"), CASES, ids=[f"{s}: {c}" for s, c in CASES])
def test_a_damaged_answer_is_a_named_error_and_no_row_changes(probe_env: Any, admin_conn: Any, source: str,
                                                              case: str) -> None:
    spec = SOURCES[source]
    good = build_session()
    try:
        spec.run(good)
    finally:
        good.close()
    before = table_state(admin_conn, spec.tables)
    assert before[spec.tables[0]][0] > 0, "the good load stored nothing: the probe would prove nothing"

    needle, mutate = spec.cases[case]

    def matches(request: Any) -> bool:
        body = request.body or b""
        text = body.decode() if isinstance(body, bytes) else str(body)
        return needle in request.url or needle in text

    damaged = damaged_session(matches, mutate)
    try:
        with pytest.raises(SourceError) as info:
            spec.run(damaged)
    finally:
        damaged.close()
    error = info.value
    message = str(error)
    print(f"{source} / {case}: {type(error).__name__}: {message}")
    assert f"source={source}" in message
    assert "interval=[" in message
    assert isinstance(error, (MalformedPayloadError, IncompleteAnswerError)) or source == "tibber", message
    assert table_state(admin_conn, spec.tables) == before, "a refused answer changed stored rows"


def test_readme_states_the_probe_counts() -> None:
    """README's reliability section states how many damaged answers the probe tries (all refused, 0 rows lost)."""
    readme = (REPO_ROOT / "README.md").read_text()
    assert f"{len(CASES)} damaged answers" in readme, f"README must say '{len(CASES)} damaged answers'"
    assert "rows lost: 0" in readme


def test_a_first_load_of_an_empty_window_is_not_an_error(probe_env: Any, admin_conn: Any) -> None:
    """Nothing stored yet, nothing published yet: an empty answer loads nothing and is no error (the guard
    protects published values; it does not demand data that was never there)."""
    window = Window(datetime(2025, 4, 8, tzinfo=UTC), datetime(2025, 4, 9, tzinfo=UTC))  # no other test loads it
    damaged = damaged_session(lambda r: SMARD_BLOCK in r.url, _series(lambda s: [[t, None] for t, _ in s]))
    try:
        _smard_run(damaged, window)
    finally:
        damaged.close()
    with admin_conn.cursor() as cur:
        cur.execute("select count(*), count(value) from raw_smard.chart_values where filter_id = 4068 and "
                    "interval_start_utc >= %s and interval_start_utc < %s", (window.start - SMARD_LOOKBACK, window.end))
        count, published = cur.fetchone()
    assert count > 0 and published == 0

