"""Registers ``gridcarbon.timetables.HistoryTimetable`` with Airflow (an Airflow 3 plugin).

The extraction DAGs that load history (``smard_ingest``, ``tibber_ingest``, ``redispatch_ingest``) use it: cron
intervals for recent time, whole weeks before a cut-off, so catch-up and backfills cost a few runs a month. Airflow
deserializes a custom timetable only if a plugin names it (``airflow.serialization.helpers
.find_registered_custom_timetable``): the DAG processor, the scheduler and the API server all load this file.
"""

from __future__ import annotations

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

from gridcarbon.timetables import HistoryTimetable


class GridcarbonTimetablesPlugin(AirflowPlugin):
    name = "gridcarbon_timetables"
    timetables: ClassVar[list[type]] = [HistoryTimetable]
