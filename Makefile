# Two entry points, each works on a fresh machine (Python >= 3.10, no torch installed):
#   make bench   set up .venv and run a quick ogbl-ddi link prediction benchmark
#   make test    set up .venv, run ruff and the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# the offline copies of the benchmark datasets, when present beside the checkout
ifneq ($(wildcard ../shared/datasets),)
export GRAPHKIT_DATA ?= $(abspath ../shared/datasets)
endif

.PHONY: setup bench test test-all lint

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

bench: setup
	$(BIN)/graphkit bench --task link --dataset ogbl-ddi --model cn,aa,sage --preset quick --out runs/quick-ddi

lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -m "not slow"

test-all: lint
	$(BIN)/python -m pytest
