#!/usr/bin/env bash
# Runs once when the Postgres volume is new: a separate database for Airflow's metadata and for the warehouse.
# Only the superuser (Airflow's metadata user here) connects to `airflow`: PUBLIC's CONNECT is revoked, so
# bi_reader and the other warehouse roles cannot. `python -m gridcarbon.bootstrap database gridcarbon` does the
# same for the warehouse (CONNECT for its three roles only) and for `postgres`/`template1`.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
create database airflow;
create database gridcarbon;
revoke connect, temporary on database airflow from public;
SQL
