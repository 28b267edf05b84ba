# The same commands run on a laptop and in CI. Each target creates .venv/ and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format install bench-ack bench-agent bench-anomaly bench-digest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/lookout serve

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check bot tools storage tests
	$(BIN)/ruff format --check bot tools storage tests
	$(BIN)/mypy bot tools storage

format: $(STAMP)
	$(BIN)/ruff check --fix bot tools storage tests
	$(BIN)/ruff format bot tools storage tests

bench-ack: $(STAMP)
	$(BIN)/lookout bench ack

bench-agent: $(STAMP)
	$(BIN)/lookout bench agent

bench-anomaly: $(STAMP)
	$(BIN)/lookout bench anomaly --data ../shared/data/nab

bench-digest: $(STAMP)
	$(BIN)/lookout bench digest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
