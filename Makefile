# The README's commands. A fresh machine needs only Python 3.11 and pip: uv is
# installed with pip when missing, and the environment is built from uv.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
PYTEST_ARGS ?=
export PYTHONPATH := $(CURDIR)

export PREFECT_HOME ?= $(CURDIR)/data/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: demo test lint bench bench-tools flows dbt-build clean browser venv migrate serve env-example \
	cluster cluster-stop cluster-status

$(BIN)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -c "import uv" 2>/dev/null || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

venv: $(BIN)/.synced

demo: $(BIN)/.synced  ## build the DuckDB warehouse with the demo book and serve the API (loopback)
	SIGMASIGHT_ENVIRONMENT=$${SIGMASIGHT_ENVIRONMENT:-development} $(BIN)/python -m api.demo --serve

test: $(BIN)/.synced browser lint  ## lint, types, layers, then the whole test suite (DuckDB and PostgreSQL)
	@mkdir -p $(PREFECT_HOME)
	$(BIN)/pytest $(PYTEST_ARGS)

browser:  ## Debian's headless Chromium for the browser tests (installs it when root)
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium not installed: the browser tests will be skipped"; }

lint: $(BIN)/.synced  ## ruff, the import-linter layer contracts, mypy (strict on python_models/)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

bench: $(BIN)/.synced bench-tools  ## benchmarks; each prints JSON
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

bench-tools:  ## wrk (Debian) for the API load test; bench_api.py falls back to Python without it
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	  || echo "wrk not installed: bench_api.py uses its Python load generator"; }

flows: $(BIN)/.synced  ## local Prefect server + the scheduled deployments
	$(BIN)/python -m flows.serve

serve: $(BIN)/.synced  ## production: migrate, seed the admin, API with workers on $$PORT (api/serve.py)
	$(BIN)/python -m api.serve

env-example: $(BIN)/.synced  ## regenerate .env.example from the settings
	$(BIN)/python -m ingest.env_example > .env.example

migrate: $(BIN)/.synced  ## apply the pending schema revisions (Alembic) to SIGMASIGHT_DATABASE_URL
	$(BIN)/python -m ingest.warehouse.migrate upgrade

cluster: $(BIN)/.synced  ## Spark master + 2 workers and Dask scheduler + 2 workers on loopback, by PID
	$(BIN)/python -m flows.cluster start

cluster-status: $(BIN)/.synced
	$(BIN)/python -m flows.cluster status

cluster-stop: $(BIN)/.synced  ## SIGTERM every process `make cluster` started, wait, report
	$(BIN)/python -m flows.cluster stop

dbt-build: $(BIN)/.synced
	$(BIN)/dbt build

clean:
	rm -rf data target logs
