# The same commands run on a laptop and in CI. Each target creates .venv/ and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Running Lookout needs only the runtime lock; testing and linting add the dev lock on top.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
# `lookout serve` exits with this status after printing what configuration is missing.
NOT_CONFIGURED := 2

.PHONY: run test lint format install bench-ack bench-agent bench-anomaly bench-digest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(RUNTIME)

$(DEV): requirements-dev.lock $(RUNTIME)
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $(DEV)

# Everything, for development (tests and linters included); `make run` installs only what running needs.
install: $(DEV)

# Unconfigured, `lookout serve` prints the checklist itself: that is not a failure of make's to report again.
run: $(RUNTIME)
	@$(BIN)/lookout serve || { status=$$?; [ $$status -eq $(NOT_CONFIGURED) ] || exit $$status; }

test: $(DEV)
	$(BIN)/python -m pytest

lint: $(DEV)
	$(BIN)/ruff check bot tools storage tests
	$(BIN)/ruff format --check bot tools storage tests
	$(BIN)/mypy bot tools storage

format: $(DEV)
	$(BIN)/ruff check --fix bot tools storage tests
	$(BIN)/ruff format bot tools storage tests

bench-ack: $(RUNTIME)
	$(BIN)/lookout bench ack

bench-agent: $(RUNTIME)
	$(BIN)/lookout bench agent

bench-anomaly: $(RUNTIME)
	$(BIN)/lookout bench anomaly --data ../shared/data/nab

bench-digest: $(RUNTIME)
	$(BIN)/lookout bench digest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
