# losstally: `make run` ingests the bundled sample corpus; `make test` runs the whole suite.
# Every target sets up what it needs: uv, then .venv from uv.lock.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(CURDIR)/.venv-tools/bin/uv
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export UV_PYTHON_DOWNLOADS := never
# Byte-compile the installed packages once at install: Python then never compiles Prefect and the rest
# from source at each start (1.5-2 s of every `losstally` command where .pyc files cannot be written).
export UV_COMPILE_BYTECODE := 1
export GX_ANALYTICS_ENABLED := False

.PHONY: help setup run serve test test-fast bench-dq bench bench-chart extract sql clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(CURDIR)/.venv-tools
	$(CURDIR)/.venv-tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.8"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml Makefile
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced ## create .venv from uv.lock (done by every target)

run: setup ## ingest data/sample into warehouse/losstally.duckdb and print the summary
	$(BIN)/losstally run

serve: setup ## Prefect server + UI on 127.0.0.1:4200, the deployments of prefect.yaml and a worker (Ctrl-C stops)
	$(BIN)/losstally serve

test: setup ## run the whole test suite, integration tests included
	$(BIN)/python -m pytest

test-fast: setup ## the suite without the slow integration tests
	$(BIN)/python -m pytest -m "not integration"

bench-dq: setup ## time the data-quality step on 1 million synthetic figures (JSON)
	$(BIN)/python bench/bench_validate.py

N ?= 100000
BENCH_ARGS ?=  # e.g. --baseline-every 10 at N=1000000 (see bench/run_bench.py --help)
SEED ?= 42

bench: setup ## speed, memory and F1 on N synthetic articles (N=100000): bench/results/latest.json
	$(UV) sync --frozen --group bench --python $(PYTHON)
	$(BIN)/python bench/run_bench.py --n $(N) --seed $(SEED) $(BENCH_ARGS)
	$(BIN)/python bench/chart.py

bench-chart: setup ## chart time and peak RSS against N from bench/results/*.json (PNG)
	$(UV) sync --frozen --group bench --python $(PYTHON)
	$(BIN)/python bench/chart.py

clean: ## remove the warehouse, Prefect state and the virtual environments
	rm -rf $(VENV) $(CURDIR)/.venv-tools $(CURDIR)/.prefect warehouse/*.duckdb* warehouse/dq-docs
