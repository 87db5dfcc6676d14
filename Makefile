# feedsmith: `make run` builds the demo site offline; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs the runtime dependencies only; test, lint, quality and bench
# add the dev extras (pytest, playwright, mypy, ruff, hypothesis, ...) on top.
RUN_STAMP := $(VENV)/.run-stamp
DEV_STAMP := $(VENV)/.dev-stamp
WHEELHOUSE ?= wheelhouse

.PHONY: run test lint bench quality clean system-deps wheelhouse

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

run: $(RUN_STAMP)
	$(BIN)/feedsmith build
	@echo "Open site/index.html, or serve the folder: the feeds are site/<topic>.atom|rss"

# Debian packages the reader and browser tests drive (newsboat, chromium); installed only when
# missing, so this is quick on a machine that has them. Needs root (CI runs as root) or sudo.
SYSTEM_BINARIES := /usr/bin/newsboat /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

system-deps:
	@missing=0; for b in $(SYSTEM_BINARIES); do [ -x $$b ] || missing=1; done; \
	if [ $$missing = 1 ]; then \
		echo "installing newsboat and chromium (apt-get)"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q newsboat chromium; \
	fi

test: $(DEV_STAMP) system-deps
	$(BIN)/python -m pytest -q

lint: $(DEV_STAMP)
	$(BIN)/ruff check feedsmith tests bench
	$(BIN)/mypy
	$(BIN)/pylint --disable=all --enable=duplicate-code --min-similarity-lines=6 feedsmith

BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): $(DEV_STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# S1-S6 at 100,000 entries / 200 feeds (see bench/README.md); BENCH_QUICK=1 for a 0.1 scale run.
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py

# feedsmith's wheel and a wheel of each runtime dependency, packed from the venv without the
# network: `pip install --no-index --find-links $(WHEELHOUSE) feedsmith` installs from it alone.
wheelhouse: $(DEV_STAMP)
	rm -rf $(WHEELHOUSE)
	$(BIN)/python -m tests.wheelhouse $(WHEELHOUSE)

clean:
	rm -rf site .cache $(VENV) $(WHEELHOUSE)

quality: $(DEV_STAMP)
	$(BIN)/python -m tests.quality
