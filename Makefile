# feedsmith: `make run` builds the demo site offline; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs the runtime dependencies only; test, lint, quality and bench
# add the dev extras (pytest, playwright, mypy, ruff, hypothesis, ...) on top.
RUN_STAMP := $(VENV)/.run-stamp
DEV_STAMP := $(VENV)/.dev-stamp
WHEELHOUSE ?= wheelhouse

.PHONY: run test lint bench bench-big quality clean system-deps wheelhouse

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

# Debian packages the tests drive: the reader and browser tests (newsboat, chromium), the nginx
# end-to-end test (nginx) and the unit-file check (systemd-analyze, from systemd). Each is installed
# only when its binary is missing, so this is quick on a machine that has them. Needs root (CI runs
# as root) or sudo. The tests start their own nginx on 127.0.0.1; on a machine that runs systemd,
# Debian starts a system-wide nginx on port 80 when it installs one, which is stopped and disabled.
SYSTEM_PACKAGES := newsboat:/usr/bin/newsboat chromium:/usr/bin/chromium nginx:/usr/sbin/nginx \
	systemd:/usr/bin/systemd-analyze
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

system-deps:
	@missing=; for entry in $(SYSTEM_PACKAGES); do \
		[ -x "$${entry#*:}" ] || missing="$$missing $${entry%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (apt-get)"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing || exit 1; \
		case " $$missing " in *" nginx "*) \
			if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now nginx; fi;; \
		esac; \
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

# S7 alone: a store of 1,000,000 entries made by `store import` of a generated 4 GB export (about
# 5 minutes to generate, 10 GB of free space in the temp folder); BENCH_QUICK=1 for 100,000.
bench-big: $(BENCH_STAMP)
	$(BIN)/python bench/run.py --big

# feedsmith's wheel and a wheel of each runtime dependency, packed from the venv without the
# network: `pip install --no-index --find-links $(WHEELHOUSE) feedsmith` installs from it alone.
wheelhouse: $(DEV_STAMP)
	rm -rf $(WHEELHOUSE)
	$(BIN)/python -m tests.wheelhouse $(WHEELHOUSE)

clean:
	rm -rf site .cache $(VENV) $(WHEELHOUSE)

quality: $(DEV_STAMP)
	$(BIN)/python -m tests.quality
