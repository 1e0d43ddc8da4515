# Sferum monitoring briefings. `make help` lists the targets; knobs are Make variables or
# environment variables: DATA_DIR, OUTPUT_DIR, PERIOD, CHROMIUM, BATCH, REGION, KIND, TERRITORY,
# FORCE, JOBS, TIMEOUT, EXECUTOR.
.DEFAULT_GOAL := help
SHELL := /bin/bash

DEMO_DIR   := data/demo
DATA_DIR   ?= $(DEMO_DIR)
OUTPUT_DIR ?= output
PERIOD     ?=
EXCLUDE    ?=
SCALE      ?= region
SCHOOL_REGIONS ?= 35
CHROMIUM   ?=
BATCH      ?= weekly
REGION     ?=
KIND       ?=
TERRITORY  ?=
FORCE      ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
TIMEOUT    ?= 300
EXECUTOR   ?= local
DASK_SCHEDULER ?=
export DATA_DIR OUTPUT_DIR PERIOD CHROMIUM BATCH REGION FORCE JOBS TIMEOUT EXECUTOR DASK_SCHEDULER

PYTHON_SYS ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CHROMIUM_BIN := $(or $(CHROMIUM),$(shell command -v chromium || command -v chromium-browser))
DEBIAN_BROWSER_PACKAGES := chromium fonts-dejavu-core fonts-liberation

.PHONY: help setup browser data validate ingest briefings briefing bench test test-all lint lab clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}'
	@echo "  Variables: DATA_DIR=$(DATA_DIR) OUTPUT_DIR=$(OUTPUT_DIR) PERIOD=$(or $(PERIOD),latest) CHROMIUM=$(or $(CHROMIUM_BIN),not found)"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON_SYS)" || { echo "Python 3.11 not found: apt-get install python3 python3-venv"; exit 1; }
	$(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP) browser ## Create the virtual environment with pinned packages and check the browser

browser: ## Install Debian's chromium and Cyrillic fonts when missing (as root), else say what to install
	@if [ -n "$(CHROMIUM_BIN)" ] && [ -x "$(CHROMIUM_BIN)" ] && fc-list 2>/dev/null | grep -qi dejavu; then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing $(DEBIAN_BROWSER_PACKAGES) for PDF rendering..."; \
	  (apt-get install -y --no-install-recommends $(DEBIAN_BROWSER_PACKAGES) >/dev/null 2>&1 || \
	   (apt-get update >/dev/null && apt-get install -y --no-install-recommends $(DEBIAN_BROWSER_PACKAGES) >/dev/null)) \
	  || { echo "apt-get install $(DEBIAN_BROWSER_PACKAGES) failed"; exit 1; }; \
	else \
	  echo "PDF rendering needs Chromium and a font with Cyrillic glyphs. Install them:"; \
	  echo "  sudo apt-get install $(DEBIAN_BROWSER_PACKAGES)"; \
	  echo "or point CHROMIUM=/path/to/chromium at another Chromium build."; \
	  exit 1; \
	fi

data: $(STAMP) ## Generate the deterministic demo exports into data/demo (SCALE=national: every region's schools; EXCLUDE=column=value; SCHOOL_REGIONS=35,48 or empty)
	$(PY) -m helpers.demo --out $(DEMO_DIR) --scale $(SCALE) --school-regions "$(SCHOOL_REGIONS)" $(if $(EXCLUDE),--exclude $(EXCLUDE))

validate: $(STAMP) ## Check the exports under DATA_DIR; exit code 2 and one line per problem when bad
	$(PY) -m helpers.ingestion --check

ingest: $(STAMP) ## Validate and load the exports under DATA_DIR into the warehouse (atomic)
	$(PY) -m helpers.ingestion

# The demo data is generated only when DATA_DIR is the demo folder: real exports are never overwritten.
BRIEFING_INPUTS := $(if $(filter $(DEMO_DIR),$(DATA_DIR)),data,)

briefings: setup $(BRIEFING_INPUTS) ## Set up, (generate demo data,) ingest, render BATCH (or REGION=) into OUTPUT_DIR
	$(PY) -m helpers.ingestion
	$(PY) -m helpers.batch --batch $(BATCH) $(if $(REGION),--region $(REGION))

briefing: setup $(BRIEFING_INPUTS) ## Render one briefing: make briefing KIND=regional_ranking TERRITORY=35
	@test -n "$(KIND)" || { echo "KIND= is required (see params/kinds.yml)"; exit 2; }
	$(PY) -m helpers.ingestion
	$(PY) -m helpers.batch --kind $(KIND) --territory $(or $(TERRITORY),RU)

test: setup ## Run the tests (slow end-to-end renders excluded, one representative render included)
	$(PY) -m pytest -q -m "not slow"

test-all: setup ## Run every test, slow end-to-end renders included
	$(PY) -m pytest -q

bench: setup $(BRIEFING_INPUTS) ## Time N briefings (BENCH_N=20) naive vs suite vs floor; national ingestion time and memory; the national batch's plan, sample and 16-core projection
	$(PY) -m helpers.ingestion
	$(PY) tools/bench.py
	$(PY) tools/bench_ingest.py --data-dir data/national --keep data/national.duckdb
	DATA_DIR=data/national WAREHOUSE=data/national.duckdb $(PY) tools/bench_batch.py --cores 16

lint: $(STAMP) ## Lint the package, the tests and the notebooks (ruff), type-check the package (mypy)
	$(VENV)/bin/ruff check src tests tools notebooks
	$(VENV)/bin/mypy src/helpers

# Root (as the README's set-up assumes on a fresh machine) needs --allow-root; nobody else does.
LAB_PORT ?= 8888
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP) ## Open JupyterLab on the notebooks (helpers importable; LAB_PORT=8888; docs/analysts.md)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --port=$(LAB_PORT) --no-browser $(LAB_ROOT_FLAG)

clean: ## Remove generated outputs, the demo data and the warehouse (not the virtual environment)
	rm -rf $(OUTPUT_DIR) $(DEMO_DIR) data/warehouse.duckdb
