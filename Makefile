# Ripple: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.11
UV_VERSION ?= 0.13.9
# uv: the one on the PATH, else ~/.local/bin/uv, else a private copy `make install` bootstraps.
BOOTSTRAP_DIR := $(CURDIR)/var/bootstrap/uv-$(UV_VERSION)
BOOTSTRAP_UV := $(BOOTSTRAP_DIR)/bin/uv
UV ?= $(shell command -v uv 2>/dev/null || ls "$(HOME)/.local/bin/uv" 2>/dev/null || echo "$(BOOTSTRAP_UV)")
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
SERVICES := catalog media search notifications
# Where native runs keep their SQLite files, media and generated dev secrets.
RIPPLE_VAR_DIR ?= $(CURDIR)/var
DEV_ENV := $(RIPPLE_VAR_DIR)/dev.env
# Name prefix of the PostgreSQL databases the service tests use (pytest-django adds test_):
# set it per checkout to run two test suites on one PostgreSQL at once.
TEST_DB_PREFIX ?= ripple
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install uv browser prometheus test test-contracts test-runtime test-sqlite test-e2e test-compose faults lint format schemas dev demo up down logs bench clean

help: ## list the targets
	@grep -hE '^[a-z0-9%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}'

uv: ## install uv (the one installer and lock of this monorepo) into var/bootstrap if it is missing
	@test -x "$(UV)" || python3 deploy/native/bootstrap_uv.py "$(UV_VERSION)" "$(BOOTSTRAP_DIR)"

# --compile-bytecode: every process of `make dev` and the tests starts from .pyc files, also where
# PYTHONDONTWRITEBYTECODE keeps Python from writing them (a Django start-up takes 3 times longer).
install: uv ## build .venv with every package of the workspace, exactly as uv.lock pins them
	"$(UV)" sync --frozen --all-packages --compile-bytecode --python $(PYTHON_VERSION)

browser: ## install headless Chromium (Debian's package) for the Swagger UI test, if missing
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium; fi; }

prometheus: ## install Prometheus and promtool (Debian's package) for the metrics tests and the config check, if missing
	@command -v prometheus >/dev/null && command -v promtool >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q --no-install-recommends prometheus; \
	  else sudo apt-get update -q && sudo apt-get install -y -q --no-install-recommends prometheus; fi; }

test: install browser prometheus test-contracts test-runtime $(SERVICES:%=test-%) test-e2e test-compose ## run every test (RabbitMQ and PostgreSQL on 127.0.0.1, a Docker engine for compose)

test-contracts: install ## shared_contracts: schemas, golden events, topology; installed alone in a fresh venv
	cd shared_contracts && RIPPLE_TEST_UV="$(UV)" $(PY) -m pytest -q

test-runtime: install ## ripple_runtime: retry policy, subscriptions, import graph, framing, publisher, poison messages
	cd services/ripple_runtime && $(PY) -m pytest -q

test-e2e: install ## `make dev` on every database layout, migration from main, the bounded fault suite, deploy checks
	$(PY) -m pytest -q tests_e2e --ignore=tests_e2e/compose --ignore=tests_e2e/fresh_machine \
	  --ignore-glob='tests_e2e/faults/*_slow.py'

faults: install ## the whole fault suite, slow scenarios included (each prints its counts)
	$(PY) -m pytest -q -s tests_e2e/faults

# Without a reachable Docker engine this prints one line saying why and passes, except under
# CI=true, where a missing engine fails (.ci/run starts one with ../shared/tools/compose-engine).
test-compose: install ## in containers: `docker compose up --build` on moved ports, and `make install` on a bare Debian
	@$(PY) -m tests_e2e.docker_engine; status=$$?; \
	  if [ $$status -eq 3 ]; then exit 0; elif [ $$status -ne 0 ]; then exit $$status; fi; \
	  $(PY) -m pytest -q tests_e2e/compose tests_e2e/fresh_machine

test-sqlite: $(SERVICES:%=test-sqlite-%) ## every service's unit tests on SQLite: no RabbitMQ or PostgreSQL needed

test-sqlite-%: install ## test-sqlite-<service>: one service's unit tests on SQLite (the embedded default)
	cd services/$* && DATABASE_URL=sqlite:///$(CURDIR)/var/test-$*.sqlite3 $(PY) -m pytest -q tests/unit

# test-catalog, test-media, test-search, test-notifications: unit tests on SQLite, then unit and
# integration tests on PostgreSQL with the real RabbitMQ.
test-%: test-sqlite-% ## test-<service>: one service's tests on SQLite, then on PostgreSQL and RabbitMQ
	cd services/$* && DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(TEST_DB_PREFIX)_$* $(PY) -m pytest -q

lint: install ## ruff check and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install ## apply ruff's fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

schemas: install ## regenerate the committed JSON Schema files and RabbitMQ definitions from the contracts
	$(PY) -m shared_contracts.schemas
	$(PY) -m ripple_runtime.rabbitmq_definitions deploy/rabbitmq/definitions.json

# deploy/native/dev.sh takes the lock of RIPPLE_VAR_DIR first, then runs `install` and $(DEV_ENV).
dev: ## run the whole system natively (deploy/Procfile) against the local RabbitMQ; Ctrl-C stops it
	@RIPPLE_VAR_DIR="$(RIPPLE_VAR_DIR)" exec deploy/native/dev.sh "$(MAKE)"

$(DEV_ENV): deploy/native/make_dev_env.py
	$(PY) deploy/native/make_dev_env.py $@

demo: install ## against a running system: seed products with images, delete some, print what each service did
	$(PY) -m tests_e2e.demo

up: ## docker compose up: build and start the whole system in containers, wait until healthy
	docker compose up --build --wait
	@echo "catalog http://127.0.0.1:8000/api/docs/  flower http://127.0.0.1:5555  mailpit http://127.0.0.1:8025"

down: ## stop the containers (add V=1 to also delete their volumes)
	docker compose down $(if $(V),--volumes,)

logs: ## follow the containers' logs
	docker compose logs --follow --tail 100

bench: install ## measure the speed targets: catalog, relay restart, consumers draining 10,000 events, end to end against the naive pattern, make dev's start, audits, the ledger, the cost of metrics
	$(PY) -m tests_e2e.bench.catalog
	$(PY) -m tests_e2e.bench.relay_restart
	$(PY) -m tests_e2e.bench.consumers
	$(PY) -m tests_e2e.bench.pipeline
	$(PY) -m tests_e2e.bench.devstart
	$(PY) -m tests_e2e.bench.audit
	$(PY) -m tests_e2e.bench.ledger
	$(PY) -m tests_e2e.bench.metrics_cost

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var
