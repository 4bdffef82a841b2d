# Airflow 3.3.2 image with the project's locked dependencies and dbt in its own virtualenv
# (Cosmos' recommended setup: no dependency conflicts between Airflow and dbt).
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
USER airflow

COPY --chown=airflow:0 requirements.txt requirements-dbt.txt /opt/gridcarbon/
RUN pip install --no-cache-dir -r /opt/gridcarbon/requirements.txt \
    && python -m venv /opt/dbt-venv \
    && /opt/dbt-venv/bin/pip install --no-cache-dir -r /opt/gridcarbon/requirements-dbt.txt

ENV PYTHONPATH=/opt/airflow/include \
    GRIDCARBON_DBT_EXECUTABLE=/opt/dbt-venv/bin/dbt \
    DBT_PROFILES_DIR=/opt/airflow/dbt_project
