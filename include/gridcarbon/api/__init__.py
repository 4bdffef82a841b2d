"""The carbon API and dashboard served inside Airflow's API server (``plugins/gridcarbon_carbon_api.py``).

Modules: ``app`` (the FastAPI app), ``auth`` (Airflow's JWT in front of every data endpoint), ``settings``
(where the marts are, read once), ``database`` (read-only pool as ``bi_reader``), ``queries`` (all the SQL, on
``marts.*`` only), ``params`` (vocabulary and input checks), ``electricitymaps`` (the v3-compatible subset),
``households``, ``grid`` (heat map), ``dashboard`` (the page; ``static/`` holds it and its pinned scripts).
"""
