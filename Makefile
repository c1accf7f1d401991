# Stride: every target creates the virtual environment first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.DEFAULT_GOAL := help

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

run: $(VENV)/.runtime ## install (first time) and start the app on http://localhost:$(PORT)
	$(PY) -m streamlit run streamlit_app.py --server.port $(PORT) --server.maxUploadSize $${STRIDE_MAX_UPLOAD_MB:-10}

test: $(VENV)/.dev ## run the whole test suite (unit, page and browser tests)
	$(PY) -m pytest

bench: $(VENV)/.dev ## measure speed as ratios against same-run baselines (not part of CI)
	$(PY) -m benchmarks

lint: $(VENV)/.dev ## ruff check and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.dev ## format the code with ruff
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bundled-models: $(VENV)/.runtime ## retrain the models shipped in models/ (deterministic; ~2 min on 2 cores)
	$(PY) -m core.bundle

docker-check: $(VENV)/.runtime ## check the Docker image's steps without a Docker engine (entry point, health check, non-root)
	bash docker/check.sh

cluster-check: $(VENV)/.dev ## check compose.cluster.yaml without a Docker engine (Ray head + worker, two replicas, a run)
	$(PY) docker/check_cluster.py

loadtest: $(VENV)/.dev ## 30 simulated students (2 hostile) for 10 minutes, after the 28 honest alone for 10 (not CI)
	$(PY) -m benchmarks.loadtest

.PHONY: help run test bench lint format bundled-models docker-check cluster-check loadtest
