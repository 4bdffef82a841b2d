# The two commands a newcomer needs: `make demo` and `make test`. Everything else is set up on the way.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
DBT_VENV := .venv-dbt
ENV := source scripts/env.sh
START ?=
END ?=
DAGS ?=
REPLAY_PORT ?= 8765
# the demo's own replay server listens on any free port, so `make replay` can run beside it
DEMO_REPLAY_PORT ?= 0
AIRFLOW_PORT ?= 8080

.PHONY: help venv warehouse manifest airflow demo test lint bench docs replay lock clean browser verify

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed -E 's/:.*## /\t/'

# --- virtualenvs: created once, re-installed only when a lock file changed -------------------------------
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v "is ignored: it is neither" || true
	@$(VENV)/bin/pip check >/dev/null
	@echo "$(CURDIR)/include" > "$$($(VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/gridcarbon.pth"
	@touch $@

$(DBT_VENV)/.installed: requirements-dbt.txt
	@test -x $(DBT_VENV)/bin/python || $(PYTHON) -m venv $(DBT_VENV)
	$(DBT_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dbt.txt 2>&1 | grep -v "is ignored: it is neither" || true
	@touch $@

venv: $(VENV)/.installed $(DBT_VENV)/.installed  ## create/update both virtualenvs

warehouse: venv  ## find or start Postgres; create the warehouse database, schemas, roles and raw tables
	@$(ENV); $(VENV)/bin/python -m gridcarbon.bootstrap database "$$WAREHOUSE_DB"

manifest: venv  ## dbt parse -> dbt_project/target/manifest.json, what transform_warehouse is rendered from
	@$(ENV); $(VENV)/bin/python -m gridcarbon.dbt_runner manifest >/dev/null

airflow: warehouse manifest  ## Airflow on http://localhost:$(AIRFLOW_PORT): UI/API, scheduler, DAG processor, triggerer (Ctrl-C stops)
	@$(ENV); exec $(VENV)/bin/python -m gridcarbon.airflow_local --port $(AIRFLOW_PORT)

replay: venv  ## run the replay server in the foreground on REPLAY_PORT
	@$(ENV); exec $(VENV)/bin/python -m gridcarbon.replay --port $(REPLAY_PORT)

# The demo has an Airflow home and metadata database of its own, so it can run beside `make airflow`.
demo: warehouse manifest  ## the main job: extract (replay server) -> raw -> dbt -> summary, offline, finishes by itself
	@export AIRFLOW_HOME="$(CURDIR)/.local/airflow-demo" AIRFLOW_METADATA_DB=airflow_demo; $(ENV); \
	  $(VENV)/bin/python -m gridcarbon.bootstrap metadata; \
	  exec $(VENV)/bin/python -m gridcarbon.demo --port $(DEMO_REPLAY_PORT) $(if $(START),--start $(START)) $(if $(END),--end $(END)) $(if $(DAGS),--dags $(DAGS))

lint: warehouse  ## ruff + sqlfluff (the dbt templater compiles against the warehouse)
	$(VENV)/bin/ruff check include dags plugins tests bench scripts
	@if ls dbt_project/models/*/ >/dev/null 2>&1; then $(ENV); cd dbt_project && ../$(DBT_VENV)/bin/sqlfluff lint models snapshots tests --processes 2; fi

browser:  ## Debian's chromium for the browser test (apt-get when missing and root; Playwright downloads nothing)
	@bash scripts/ensure_chromium.sh

test: warehouse lint manifest browser  ## everything green: lint, unit, integration (real Postgres, real dbt), DAG integrity
	@$(ENV); $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests

# tests/oracle with many random examples (GRIDCARBON_ORACLE_EXAMPLES, default 50) and the deliberate-bug tests
verify: warehouse  ## the SQL against a second implementation of DOMAIN.md: differential test, 50 examples, and its mutants
	@$(ENV); GRIDCARBON_ORACLE_EXAMPLES=$${GRIDCARBON_ORACLE_EXAMPLES:-50} GRIDCARBON_ORACLE_DERANDOMIZE=0 \
	  GRIDCARBON_ORACLE_MUTATIONS=1 $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/oracle

# T1 (bench_transform_overhead.py) measures the demo month: the demo's warehouse, loaded by `make demo` first
bench: demo  ## benchmarks printing ratios measured in one run
	@$(ENV); status=0; for b in bench/bench_*.py; do $(VENV)/bin/python $$b || status=1; done; exit $$status

docs: warehouse manifest  ## generate the dbt docs into .local/dbt_docs (also in Airflow: Browse > dbt Docs) and serve them on :8081
	@$(ENV); $(VENV)/bin/python -m gridcarbon.dbt_runner docs && echo "dbt docs on http://localhost:8081" && exec $(VENV)/bin/python -m http.server 8081 --bind 127.0.0.1 --directory "$$GRIDCARBON_DBT_DOCS_DIR"

lock:  ## regenerate the lock files from the top-level requirements (needs the package registry)
	$(PYTHON) scripts/lock.py

clean:  ## remove virtualenvs and local state (.local: Airflow home, private Postgres cluster)
	@if [ -f .local/pgdata/postmaster.pid ]; then runuser -u postgres -- pg_ctl -D .local/pgdata stop || pg_ctl -D .local/pgdata stop || true; fi
	rm -rf $(VENV) $(DBT_VENV) .local dbt_project/target dbt_project/logs
