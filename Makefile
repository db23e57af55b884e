# Ripple: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.11
UV_VERSION ?= 0.13.9
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
SERVICES := catalog media search notifications
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install uv test test-contracts lint format schemas dev bench clean

help: ## list the targets
	@grep -hE '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}'

uv: ## install uv (the one installer and lock of this monorepo) if it is missing
	@test -x "$(UV)" || python3 -m pip install --quiet --user "uv==$(UV_VERSION)"

install: uv ## build .venv with every package of the workspace, exactly as uv.lock pins them
	"$(UV)" sync --frozen --all-packages --python $(PYTHON_VERSION)

test: install test-contracts $(SERVICES:%=test-%) ## run every test (RabbitMQ and PostgreSQL on 127.0.0.1)

test-contracts: ## shared_contracts: schemas, golden events, topology, publisher
	cd shared_contracts && $(PY) -m pytest -q

# test-catalog, test-media, test-search, test-notifications: unit tests on SQLite (the embedded
# default), then unit and integration tests on PostgreSQL with the real RabbitMQ.
test-%: install ## test-<service>: one service's tests on SQLite, then on PostgreSQL and RabbitMQ
	cd services/$* && DATABASE_URL=sqlite:///$(CURDIR)/var/test-$*.sqlite3 $(PY) -m pytest -q tests/unit
	cd services/$* && DATABASE_URL=postgres://postgres@127.0.0.1:5432/ripple_$* $(PY) -m pytest -q

lint: install ## ruff check and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install ## apply ruff's fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

schemas: install ## regenerate the committed JSON Schema files from the event models
	$(PY) -m shared_contracts.schemas

dev: install var/dev.env ## run the whole system natively (Procfile) against the local RabbitMQ; Ctrl-C stops it
	set -a && . var/dev.env && set +a && export PATH="$(VENV)/bin:$$PATH" \
	  && while IFS=: read -r name command; do echo "== $$name"; $$command || exit 1; done < deploy/Procfile.init \
	  && exec $(PY) -m honcho -f deploy/Procfile -d $(CURDIR) start

var/dev.env:
	$(PY) deploy/native/make_dev_env.py $@

bench: install ## measure the catalog's speed targets (see tests_e2e/bench)
	$(PY) -m tests_e2e.bench.catalog

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var
