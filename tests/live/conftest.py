"""The real Airflow stack for live tests: api-server, scheduler, dag-processor and triggerer started by
``gridcarbon.airflow_local.AirflowStack`` (what ``make airflow`` runs), on LocalExecutor, with a throwaway
Postgres metadata database, a throwaway warehouse and every source pointed at the replay server.

Interface of the ``live_airflow`` fixture (a :class:`LiveAirflow`), used by test_scheduler.py and the browser test:

- ``base_url``: ``http://127.0.0.1:<port>`` of the API server (UI at ``/``, REST API at ``/api/v2``)
- ``username``, ``password``: the simple auth manager's login
- ``token()``: a JWT for the REST API (cached)
- ``api(method, path, **kwargs) -> requests.Response``: authenticated call, ``path`` like ``"/api/v2/dags"``
- ``log_dir``: directory holding one log file per component (``<component>.log``)
- ``env``: the environment the components run with (dict)
- ``warehouse_db``: name of the throwaway warehouse database
- ``print_log_tails(lines=80)``: print the tail of every component's log (call on failure)
"""
