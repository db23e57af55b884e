# Ripple: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.11
UV_VERSION ?= 0.13.9
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
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

.PHONY: help install uv test test-contracts test-runtime lint format schemas dev demo up down logs bench clean

help: ## list the targets
	@grep -hE '^[a-z0-9%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}'

uv: ## install uv (the one installer and lock of this monorepo) if it is missing
	@test -x "$(UV)" || python3 -m pip install --quiet --user "uv==$(UV_VERSION)"

install: uv ## build .venv with every package of the workspace, exactly as uv.lock pins them
	"$(UV)" sync --frozen --all-packages --python $(PYTHON_VERSION)

test: install test-contracts test-runtime $(SERVICES:%=test-%) test-e2e ## run every test (RabbitMQ and PostgreSQL on 127.0.0.1)

test-contracts: ## shared_contracts: schemas, golden events, topology; installed alone in a fresh venv
	cd shared_contracts && $(PY) -m pytest -q

test-runtime: install ## ripple_runtime: retry policy, subscriptions, import graph, framing, publisher, poison messages
	cd services/ripple_runtime && $(PY) -m pytest -q

test-e2e: install ## the walkthrough against `make dev` on every database layout, migration from main, deploy checks
	$(PY) -m pytest -q tests_e2e

# test-catalog, test-media, test-search, test-notifications: unit tests on SQLite (the embedded
# default), then unit and integration tests on PostgreSQL with the real RabbitMQ.
test-%: install ## test-<service>: one service's tests on SQLite, then on PostgreSQL and RabbitMQ
	cd services/$* && DATABASE_URL=sqlite:///$(CURDIR)/var/test-$*.sqlite3 $(PY) -m pytest -q tests/unit
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

dev: install $(DEV_ENV) ## run the whole system natively (deploy/Procfile) against the local RabbitMQ; Ctrl-C stops it
	set -a && . $(DEV_ENV) && set +a && export PATH="$(VENV)/bin:$$PATH" RIPPLE_VAR_DIR="$(RIPPLE_VAR_DIR)" \
	    NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK=$${NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK:-1} \
	  && while IFS=: read -r name command; do echo "== $$name"; $$command || exit 1; done < deploy/Procfile.init \
	  && exec $(PY) -m honcho -f deploy/Procfile -d $(CURDIR) start

$(DEV_ENV):
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

bench: install ## measure the speed targets: the catalog, then each consumer draining 10,000 events
	$(PY) -m tests_e2e.bench.catalog
	$(PY) -m tests_e2e.bench.consumers

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var
