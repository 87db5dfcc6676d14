# feedsmith: `make run` builds the demo site offline; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench quality clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/feedsmith build
	@echo "Open site/index.html, or serve the folder: the feeds are site/<topic>.atom|rss"

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check feedsmith tests
	$(BIN)/mypy

BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# S1-S6 at 100,000 entries / 200 feeds (see README, Benchmarks); BENCH_QUICK=1 for a 0.1 scale run.
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf site .cache $(VENV)
