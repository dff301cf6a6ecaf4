# Entry points of the native dev stack; each target is a thin call into
# scripts/devstack.py (docs/platform-contract.md, "Native dev stack").
# `make test ARGS="-k outbox -x"` passes ARGS to pytest.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
DEVSTACK := $(PYTHON) scripts/devstack.py
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help up down status logs test deps lint bench clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

up: ## install what is missing, start PostgreSQL, Redis, Kafka and the services, print the URLs
	$(DEVSTACK) up

down: ## stop everything `make up` started
	$(DEVSTACK) down

status: ## pid, state and health of every component
	$(DEVSTACK) status

logs: ## follow the infra, services and PostgreSQL logs
	$(DEVSTACK) logs

test: ## start what the tests need, then ruff, mypy and every pytest suite
	$(DEVSTACK) test -- $(ARGS)

deps: ## install missing system packages, .venv packages and the Kafka jars
	$(DEVSTACK) deps

lint: ## ruff check and mypy
	$(DEVSTACK) lint

bench: ## run every bench/*.py with the .venv python
	$(DEVSTACK) bench

clean: ## stop everything and delete .local (keeps .env)
	$(DEVSTACK) clean
