"""DOMAIN.md §9 as an oracle scenario: the three New-Year hours, DE and the four control areas (the spec's REST
split 50/25/25 into 50Hertz/Amprion/TenneT, which keeps REST's intensity and surplus), the §9.2 factors, the
day-ahead prices, an EV household in TransnetBW (default split) and the same consumption under `modulo`, and the
two §9.8 redispatch measures plus a test run and a market countertrade that must not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.oracle.domain import (
    FILTER_OF,
    LOAD_FILTER,
    PRICE_FILTER,
    ChartValue,
    Consumption,
    EmissionFactor,
    Household,
    Plant,
    RedispatchMeasure,
    Scenario,
)

D = Decimal
T1 = datetime(2024, 12, 31, 21, tzinfo=UTC)
HOURS = [T1 + timedelta(hours=i) for i in range(3)]
TBW = {"lignite": [0, 0, 0], "hard_coal": [1200, 1000, 800], "natural_gas": [950, 750, 800],
       "wind_onshore": [2350, 1750, 1900], "biomass": [500, 500, 500]}
REST = {"lignite": [10000, 10000, 9000], "hard_coal": [2800, 2000, 2200], "natural_gas": [5050, 4250, 3200],
        "wind_onshore": [13650, 16250, 18100], "biomass": [3500, 3500, 3500]}
REST_SPLIT = {"50Hertz": D("0.5"), "Amprion": D("0.25"), "TenneT": D("0.25")}
PRICES = [D(95), D(80), D(-5)]
KWH = [D("0.8"), D("12.5"), D("23.0")]
EV_HOME, MODULO_HOME = "home-cap", "home-modulo"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


FACTORS = [
    EmissionFactor("lignite_2024", "lignite", "DE", "direct", D(1100), _utc("2023-12-31T23:00Z"),
                   _utc("2024-12-31T23:00Z")),
    EmissionFactor("lignite_2025", "lignite", "DE", "direct", D(1050), _utc("2024-12-31T23:00Z"), None),
    EmissionFactor("hard_coal", "hard_coal", "DE", "direct", D(850), _utc("2023-12-31T23:00Z"), None),
    EmissionFactor("natural_gas", "natural_gas", "DE", "direct", D(400), _utc("2023-12-31T23:00Z"), None),
    EmissionFactor("wind_onshore", "wind_onshore", "DE", "direct", D(0), _utc("2023-12-31T23:00Z"), None),
    EmissionFactor("biomass", "biomass", "DE", "direct", D(0), _utc("2023-12-31T23:00Z"), None),
]


def scenario() -> Scenario:
    chart: list[ChartValue] = []
    for fuel in TBW:
        for i, t in enumerate(HOURS):
            chart.append(ChartValue(FILTER_OF[fuel], "DE", "hour", t, D(TBW[fuel][i] + REST[fuel][i])))
            chart.append(ChartValue(FILTER_OF[fuel], "TransnetBW", "hour", t, D(TBW[fuel][i])))
            chart += [ChartValue(FILTER_OF[fuel], area, "hour", t, REST[fuel][i] * share)
                      for area, share in REST_SPLIT.items()]
    for i, t in enumerate(HOURS):
        chart.append(ChartValue(LOAD_FILTER, "DE", "hour", t, D(40000)))
        chart.append(ChartValue(LOAD_FILTER, "TransnetBW", "hour", t, D(8000)))
        chart += [ChartValue(LOAD_FILTER, area, "hour", t, 32000 * share) for area, share in REST_SPLIT.items()]
        chart.append(ChartValue(PRICE_FILTER, "DE-LU", "hour", t, PRICES[i]))
    consumption = [Consumption(home, "HOURLY", t, t + timedelta(hours=1), kwh)
                   for home in (EV_HOME, MODULO_HOME) for t, kwh in zip(HOURS, KWH, strict=True)]
    t2, t3 = HOURS[1], HOURS[2]
    measures = [
        RedispatchMeasure("m-up", t2, t3, "Strombedingter Redispatch", "up", D(500), "TransnetBW",
                          "GKW Musterstadt Block 3", "Konventionell"),
        RedispatchMeasure("m-down", t2, t3, "Strombedingter Redispatch", "down", D(500), "TenneT DE",
                          "EE Niedersachsen", "Erneuerbar"),
        RedispatchMeasure("m-test", t2, t3, "Probestart (NetzRes)", "up", D(170), "TransnetBW",
                          "Reservekraftwerk Heilbronn Block 6", "Konventionell"),
        RedispatchMeasure("m-market", t2, t3, "Strombedingter Countertrade DE-DK1", "up", D(300), "TransnetBW",
                          "Börse", "Sonstiges"),
    ]
    return Scenario(
        chart_values=chart, consumption=consumption,
        households=[Household(EV_HOME, "TransnetBW", True, D("11.0"), "single_ev_cap"),
                    Household(MODULO_HOME, "TransnetBW", True, D("11.0"), "modulo")],
        factors=FACTORS, plants=[Plant("p1", "GKW Musterstadt", "Block 3", "natural_gas")], measures=measures,
    )
