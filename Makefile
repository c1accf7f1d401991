# Stride: every target creates the virtual environment first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
HOST ?= 127.0.0.1
BACKUPS ?= backups
COMPOSE ?= docker compose

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

run: $(VENV)/.runtime ## install (first time) and start the app on http://localhost:$(PORT) (HOST=0.0.0.0: the network too)
	@if [ "$(HOST)" = "127.0.0.1" ]; then echo "stride: listening on this machine only; HOST=0.0.0.0 make run opens it to the network"; \
	else echo "stride: listening on $(HOST): anyone on the network can open it (a class needs HTTPS: README, Hosting for a class)"; fi
	MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-4} $(PY) -m streamlit run streamlit_app.py --server.address $(HOST) \
		--server.port $(PORT) --server.maxUploadSize $${STRIDE_MAX_UPLOAD_MB:-10}

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

docker-check: $(VENV)/.runtime ## check the image's steps and compose.yaml without a Docker engine (entry point, health check, non-root, .env, password file, allowed hosts, CPU quota)
	bash docker/check.sh

cluster-check: $(VENV)/.dev ## check compose.cluster.yaml without a Docker engine (Ray head + worker, two replicas, a run)
	$(PY) docker/check_cluster.py

lock: $(VENV)/.dev ## write requirements.lock (hashes, for the image) from requirements.txt with uv (network needed)
	bash docker/lock.sh

# --- running a class server (compose.yaml; the README's "Hosting for a class") ---------------------------

backup: ## class server: copy the run store out of the container to $(BACKUPS)/stride-runs-DATE.tar.gz
	@mkdir -p $(BACKUPS)
	@f=$(BACKUPS)/stride-runs-$$(date +%Y%m%d-%H%M%S).tar.gz; \
	$(COMPOSE) exec -T stride python -m core.store_backup create - >$$f.part && mv $$f.part $$f && echo "stride: backup in $$f"

restore: ## class server: replace the run store by FILE=backups/stride-runs-....tar.gz (the app stops meanwhile)
	@test -f "$(FILE)" || { echo "stride: name the backup: make restore FILE=$(BACKUPS)/stride-runs-....tar.gz" >&2; exit 2; }
	$(COMPOSE) stop stride
	$(COMPOSE) run --rm -T --no-deps --entrypoint python stride -m core.store_backup restore --replace - <"$(FILE)"
	$(COMPOSE) start stride

reset-class: backup ## class server: back up, then delete every run, the class board and the exercise answers (refused while a run is active)
	$(COMPOSE) exec -T stride python -m core.store_backup clear

upgrade: backup ## class server: back up, rebuild from this checkout as a new version and restart (ends running runs)
	@v=$$(git describe --always --dirty 2>/dev/null || date +%Y%m%d%H%M); \
	test -f .env || { echo "stride: no .env here (README: Hosting for a class)" >&2; exit 2; }; \
	old=$$(sed -n 's/^STRIDE_VERSION=//p' .env); \
	sed -i '/^STRIDE_VERSION=/d' .env && echo "STRIDE_VERSION=$$v" >>.env && \
	echo "stride: upgrading from $${old:-latest} to $$v; to go back: make rollback VERSION=$${old:-latest}"
	$(COMPOSE) build stride
	$(COMPOSE) up -d

rollback: ## class server: run the image of an earlier VERSION again (make upgrade printed it)
	@test -n "$(VERSION)" || { echo "stride: name the version: make rollback VERSION=..." >&2; exit 2; }
	sed -i '/^STRIDE_VERSION=/d' .env && echo "STRIDE_VERSION=$(VERSION)" >>.env
	$(COMPOSE) up -d --no-build

loadtest: $(VENV)/.dev ## 30 simulated students (2 hostile) for 10 minutes, after the 28 honest alone for 10 (not CI)
	$(PY) -m benchmarks.loadtest

loadtest-replicas: $(VENV)/.dev ## 60 students (4 hostile) through Caddy to two replicas, Ray training, PostgreSQL (needs caddy; not CI)
	$(PY) -m benchmarks.loadtest --replicas 2 --students 60 --hostile 4

.PHONY: help run test bench lint format bundled-models docker-check cluster-check lock backup restore reset-class upgrade rollback loadtest loadtest-replicas
