#!/usr/bin/env bash
# Runs once when the Postgres volume is new: a separate database for Airflow's metadata and for the warehouse.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
create database airflow;
create database gridcarbon;
SQL
