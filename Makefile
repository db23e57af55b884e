# Ripple: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.11
UV_VERSION ?= 0.13.9
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
CATALOG := services/catalog
# Tests and the native runner use the machine's services unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ripple_catalog
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install uv test test-contracts test-catalog test-catalog-sqlite lint format schemas dev bench clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}'

uv: ## install uv (the one installer and lock of this monorepo) if it is missing
	@test -x "$(UV)" || python3 -m pip install --quiet --user "uv==$(UV_VERSION)"

install: uv ## build .venv with every package of the workspace, exactly as uv.lock pins them
	"$(UV)" sync --frozen --all-packages --python $(PYTHON_VERSION)

test: install test-contracts test-catalog-sqlite test-catalog ## run every test (RabbitMQ and PostgreSQL on 127.0.0.1)

test-contracts: ## shared_contracts: schemas, golden events, topology
	cd shared_contracts && $(PY) -m pytest -q

test-catalog: ## the catalog's unit and integration tests on PostgreSQL and RabbitMQ
	cd $(CATALOG) && DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -q

test-catalog-sqlite: ## the catalog's unit tests on SQLite (the embedded default)
	cd $(CATALOG) && DATABASE_URL=sqlite:///$(CURDIR)/var/test-catalog.sqlite3 $(PY) -m pytest -q tests/unit

lint: install ## ruff check and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install ## apply ruff's fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

schemas: install ## regenerate the committed JSON Schema files from the event models
	$(PY) -m shared_contracts.schemas

dev: install ## run the catalog API (:8000) and its relay natively against the local RabbitMQ
	mkdir -p var
	PATH="$(VENV)/bin:$$PATH" DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) -m honcho -f deploy/Procfile -d $(CURDIR) start

bench: install ## measure the catalog's speed targets (see tests_e2e/bench)
	$(PY) -m tests_e2e.bench.catalog

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var
