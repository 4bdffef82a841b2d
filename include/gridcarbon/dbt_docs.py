"""The ``dbt_docs`` task of ``transform_warehouse``: ``dbt docs generate`` when the site would change, else skip.

A docs site is the project's definition (models, YAML, docs blocks, seeds, macros) plus the warehouse catalog
(relations, columns, types, owners, comments; dbt-postgres collects no row counts or statistics). Both change with
a release or a schema change, not with an hourly load, so regenerating the site on every run (a dbt process of
~8 s here) would publish the same site again. The task compares ``dbt_runner.docs_fingerprint`` with the one
the published site was generated for and is **skipped** (pink in the UI, the reason in its log) when they match.
Delete the docs dir, or run ``python -m gridcarbon.dbt_runner docs``, to force a new site.

Imports Cosmos at module level: the DAG file imports this module only when it renders the dbt graph.
"""

from __future__ import annotations

import functools
from typing import Any

from cosmos.operators.local import DbtDocsLocalOperator

from gridcarbon import dbt_runner


class DbtDocsIfChangedOperator(DbtDocsLocalOperator):
    """``dbt docs generate`` and publish into ``dbt_runner.docs_dir()``, unless the published site was generated
    for the same project, dbt and warehouse catalog."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(callback=dbt_runner.publish_docs, **kwargs)

    def execute(self, context: Any, **kwargs: Any) -> Any:
        from airflow.sdk.exceptions import AirflowSkipException

        fingerprint = dbt_runner.current_docs_fingerprint()
        if dbt_runner.published_docs_fingerprint() == fingerprint:
            raise AirflowSkipException(
                f"the dbt docs in {dbt_runner.docs_dir()} are current: the project, dbt and the warehouse's "
                f"relations and columns are unchanged since they were generated (fingerprint {fingerprint[:12]})")
        self.log.info("dbt docs out of date (fingerprint %s): generating", fingerprint[:12])
        # Airflow runs a copy of the task: bind the callback on this copy
        self.callback = functools.partial(dbt_runner.publish_docs, fingerprint=fingerprint)
        return super().execute(context, **kwargs)
