# Sferum monitoring briefings. `make help` lists the targets; knobs are Make variables or
# environment variables: DATA_DIR, OUTPUT_DIR, PERIOD, CHROMIUM, BATCH, REGION, KIND, TERRITORY,
# FORCE, JOBS, TIMEOUT, EXECUTOR, BENCH_KINDS, BENCH_N, BENCH_NATIONAL.
.DEFAULT_GOAL := help
SHELL := /bin/bash

DEMO_DIR   := data/demo
DATA_DIR   ?= $(DEMO_DIR)
OUTPUT_DIR ?= output
PERIOD     ?=
EXCLUDE    ?=
SCALE      ?= region
SCHOOL_REGIONS ?= 35
DEMO_VARIANT ?= 0
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
export DASK_PORT DASK_DASHBOARD WORKERS
# The cluster (make cluster-scheduler / cluster-worker): the scheduler's port and dashboard, the
# workers started on this machine (one thread each: one kernel and one Chromium per worker) and
# their own folder (warehouse versions received from the driver, scratch).
DASK_PORT  ?= 8786
DASK_DASHBOARD ?= 8787
WORKERS    ?= $(JOBS)
WORKER_DIR ?= data/worker
# Every setting reaches the programs through the environment, never pasted into a shell command:
# a value such as TERRITORY='RU; touch x' stays one value, and the programs check it (a bad one
# ends in one line and exit code 2). Paths a recipe itself needs are single-quoted with $(call q,…).
export DATA_DIR OUTPUT_DIR PERIOD CHROMIUM BATCH REGION KIND TERRITORY FORCE JOBS TIMEOUT SCHOOL_REGIONS \
       EXECUTOR DASK_SCHEDULER EXCLUDE SCALE WORKER_DIR DEMO_VARIANT
q = '$(subst ','\'',$(1))'
# Delivery (also read from .env): exported only when given, so .env fills in the rest.
MAIL_VARIABLES := SMTP_HOST SMTP_PORT SMTP_SECURITY SMTP_USER SMTP_PASSWORD SMTP_FROM SMTP_CA_FILE CATALOG_URL MAIL_MAX_MB DRY_RUN
$(foreach v,$(MAIL_VARIABLES),$(if $($(v)),$(eval export $(v))))

PYTHON_SYS ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CHROMIUM_FOUND := $(shell command -v chromium || command -v chromium-browser)
DEBIAN_BROWSER_PACKAGES := chromium fonts-dejavu-core fonts-liberation
# What the tests open the outputs with, as readers' software would: poppler (pdftotext, pdfinfo) and
# LibreOffice Calc (the workbooks printed to PDF).
DEBIAN_READER_PACKAGES := poppler-utils libreoffice-calc
READERS_FOUND := $(and $(shell command -v pdftotext),$(shell command -v soffice))
# One shell step: apt-get install the packages $(1) (updating the lists once if that fails).
apt_install = (apt-get install -y --no-install-recommends $(1) >/dev/null 2>&1 || \
	   (apt-get update >/dev/null && apt-get install -y --no-install-recommends $(1) >/dev/null)) \
	  || { echo "Не удалось установить пакеты: apt-get install $(1) / apt-get install failed"; exit 1; }

.PHONY: help setup browser readers notebook-filter data validate ingest briefings briefing kinds territories pack visual-references \
        schedule schedule-status schedule-export deliver bench test test-all test-mta lint audit lab clean \
        cluster-scheduler cluster-worker

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}'
	@printf '  Variables: DATA_DIR=%s OUTPUT_DIR=%s PERIOD=%s CHROMIUM=%s\n' "$$DATA_DIR" "$$OUTPUT_DIR" "$${PERIOD:-latest}" "$${CHROMIUM:-$(or $(CHROMIUM_FOUND),not found)}"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON_SYS)" || { echo "Не найден Python 3.11; установите: sudo apt-get install python3 python3-venv / Python 3.11 not found"; exit 1; }
	$(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP) browser notebook-filter ## Create the virtual environment with pinned packages and check the browser

# Notebooks saved from JupyterLab keep their outputs on disk; git sees them through nbstripout
# (.gitattributes: *.ipynb filter=nbstripout), so outputs are never committed nor shown by git status.
GIT_REPO ?= $(CURDIR)
notebook-filter: $(STAMP) ## Keep notebook outputs out of git: nbstripout as the git filter of *.ipynb (GIT_REPO=; run by make setup)
	@if git -C "$(GIT_REPO)" rev-parse --git-dir >/dev/null 2>&1; then \
	  git -C "$(GIT_REPO)" config filter.nbstripout.clean "'$(abspath $(PY))' -m nbstripout --keep-id"; \
	  git -C "$(GIT_REPO)" config filter.nbstripout.smudge cat; \
	  git -C "$(GIT_REPO)" config filter.nbstripout.required true; \
	  git -C "$(GIT_REPO)" config diff.ipynb.textconv "'$(abspath $(PY))' -m nbstripout --keep-id -t"; \
	else echo "$(GIT_REPO): не git-репозиторий — фильтр выводов блокнотов не настроен / not a git repository"; fi

readers: ## Install poppler-utils and libreoffice-calc when missing (as root), which the tests read the outputs with
	@if [ -n "$(READERS_FOUND)" ]; then exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Устанавливаю $(DEBIAN_READER_PACKAGES) для проверок, которыми тесты читают справки / installing the readers' checks..."; \
	  $(call apt_install,$(DEBIAN_READER_PACKAGES)); \
	else \
	  echo "Тесты открывают справки программами читателей; установите: sudo apt-get install $(DEBIAN_READER_PACKAGES) / the tests need these packages"; \
	fi

browser: ## Install Debian's chromium and Cyrillic fonts when missing (as root), else say what to install
	@if [ -n "$$CHROMIUM" ]; then \
	  if [ -f "$$CHROMIUM" ] && [ -x "$$CHROMIUM" ]; then exit 0; fi; \
	  printf 'CHROMIUM=%s: такого исполняемого файла нет; укажите путь к Chromium или уберите CHROMIUM (будет /usr/bin/chromium) / CHROMIUM is not an executable file\n' "$$CHROMIUM" >&2; \
	  exit 2; \
	elif [ -n "$(CHROMIUM_FOUND)" ] && fc-list 2>/dev/null | grep -qi dejavu; then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Устанавливаю $(DEBIAN_BROWSER_PACKAGES) для печати PDF / installing the browser for PDF..."; \
	  $(call apt_install,$(DEBIAN_BROWSER_PACKAGES)); \
	else \
	  echo "Для PDF нужны Chromium и шрифт с кириллицей / PDF rendering needs Chromium and a Cyrillic font. Установите:"; \
	  echo "  sudo apt-get install $(DEBIAN_BROWSER_PACKAGES)"; \
	  echo "или укажите другой Chromium: CHROMIUM=/путь/к/chromium / or point CHROMIUM= at another Chromium build."; \
	  exit 1; \
	fi

data: $(STAMP) ## Generate the deterministic demo exports into data/demo when its generator, params/ or data/reference changed (FORCE=1: always; SCALE=national: every region's schools; EXCLUDE=column=value; SCHOOL_REGIONS=35,48 or empty; DEMO_VARIANT=1: another random draw)
	$(PY) -m helpers.demo --out $(DEMO_DIR) --scale "$$SCALE" --school-regions "$$SCHOOL_REGIONS" --variant "$$DEMO_VARIANT" $(if $(EXCLUDE),--exclude "$$EXCLUDE") $(if $(FORCE),,--if-changed)

validate: $(STAMP) ## Check the exports under DATA_DIR; exit code 2 and one line per problem when bad
	$(PY) -m helpers.ingestion --check

ingest: $(STAMP) ## Validate and load the exports under DATA_DIR into the warehouse (atomic; skipped when no file changed, FORCE=1 rebuilds)
	$(PY) -m helpers.ingestion $(if $(FORCE),--force)

# The demo data is generated only when DATA_DIR is the demo folder: real exports are never overwritten.
BRIEFING_INPUTS := $(if $(filter $(DEMO_DIR),$(DATA_DIR)),data,)

briefings: setup $(BRIEFING_INPUTS) ## Set up, (generate demo data,) ingest, render BATCH (or REGION=) into OUTPUT_DIR
	@test -z "$$KIND$$TERRITORY" || { echo "KIND=/TERRITORY= — это для одной справки: make briefing KIND=… TERRITORY=… (make briefings формирует пакет BATCH=) / use make briefing for one briefing" >&2; exit 2; }
	$(PY) -m helpers.ingestion $(if $(FORCE),--force)
	$(PY) -m helpers.batch

briefing: setup $(BRIEFING_INPUTS) ## Render one briefing: make briefing KIND=regional_ranking TERRITORY=35
	@test -n "$$KIND" || { echo "Не указан вид справки: make briefing KIND=… TERRITORY=… (виды — make kinds, коды территорий — make territories) / KIND= is required" >&2; exit 2; }
	$(PY) -m helpers.ingestion
	TERRITORY="$${TERRITORY:-RU}" $(PY) -m helpers.batch

territories: $(STAMP) ## List the territory codes (TERRITORY= values) with their names; Q=Вологда searches the names
	$(PY) -m helpers.batch --territories "$$Q"

kinds: $(STAMP) ## List the briefing kinds (KIND= values): levels, tables and params files each reads
	$(PY) -m helpers.batch --kinds

pack: setup ## Build the meeting pack (params/meeting.yml) from the rendered briefings: one PDF + HTML
	$(PY) -m helpers.batch.pack $(if $(FORCE),--force)

schedule: setup $(BRIEFING_INPUTS) ## Foreground scheduler for params/schedule.yml (Ctrl-C stops it; one render at a time)
	$(PY) -m helpers.schedule run

schedule-status: $(STAMP) ## Each scheduled job's next run, its last runs and whether the scheduler is running
	$(PY) -m helpers.schedule status

schedule-export: $(STAMP) ## The schedule as crontab lines and systemd units (SYSTEMD_DIR=dir writes the units)
	$(PY) -m helpers.schedule export $(if $(SYSTEMD_DIR),--systemd-dir $(call q,$(SYSTEMD_DIR)))

deliver: $(STAMP) ## Mail what is new in OUTPUT_DIR to params/recipients.yml (DRY_RUN=1: only show what would go to whom)
	$(PY) -m helpers.delivery

visual-references: setup $(BRIEFING_INPUTS) ## Render page one of each kind from the demo as the new reference images (tests/visual/)
	$(PY) -m helpers.ingestion
	$(PY) tools/visual.py

# Dask's settings for the cluster (allowed-failures 1, a leaner worker): deploy/dask/sferum.yaml.
DASK_SETTINGS := DASK_CONFIG=$(call q,$(CURDIR)/deploy/dask)

cluster-scheduler: $(STAMP) ## Start the Dask scheduler for EXECUTOR=dask (DASK_PORT=8786, dashboard DASK_DASHBOARD=8787)
	$(DASK_SETTINGS) $(VENV)/bin/dask scheduler \
	  --port "$$DASK_PORT" --dashboard-address ":$$DASK_DASHBOARD"

cluster-worker: setup ## Start this machine's Dask workers: make cluster-worker DASK_SCHEDULER=host:port (WORKERS=cores)
	@test -n "$$DASK_SCHEDULER" || { echo "DASK_SCHEDULER=host:port обязателен (адрес make cluster-scheduler) / is required" >&2; exit 2; }
	@case "$$WORKERS" in ''|*[!0-9]*|0) echo "WORKERS=$(call q,$(WORKERS)): ожидается число исполнителей" >&2; exit 2;; esac
	$(DASK_SETTINGS) $(VENV)/bin/dask worker "$$DASK_SCHEDULER" --nworkers "$$WORKERS" --nthreads 1 \
	  --preload helpers.batch.cluster --name "$$(hostname)" --local-directory "$$WORKER_DIR/dask"

test: setup readers ## Run the tests (slow end-to-end renders excluded, one representative render included)
	$(PY) -m pytest -q -m "not slow"

test-all: setup readers ## Run every test, slow end-to-end renders included
	$(PY) -m pytest -q

MTA_PACKAGES := postfix sasl2-bin libsasl2-modules

test-mta: $(STAMP) ## Delivery against Debian's postfix (STARTTLS, own CA, SASL, Cyrillic password); as root, installs postfix
	@if ! command -v postfix >/dev/null || ! command -v saslpasswd2 >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Устанавливаю $(MTA_PACKAGES) (не запускаю: тест поднимает свой экземпляр) / installing postfix for the test..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(MTA_PACKAGES) >/dev/null \
	      || { echo "Не удалось установить: apt-get install $(MTA_PACKAGES) / install failed"; exit 1; }; \
	  else echo "make test-mta нужны права root и пакеты: apt-get install $(MTA_PACKAGES) / needs root and these packages"; exit 1; fi; \
	fi
	$(PY) -m pytest -q -m mta tests/test_mta.py

bench: setup $(BRIEFING_INPUTS) ## Naive loop vs suite vs floor at equal workers (BENCH_KINDS=all, BENCH_N=2 per kind); BENCH_CLUSTER=1 adds the local pool vs a Dask cluster on this machine; BENCH_NATIONAL=1 adds national ingestion (BENCH_BASELINE=REV: side by side with that revision) and the national batch projection
	$(PY) -m helpers.ingestion
	$(PY) tools/bench.py
	@if [ "$$BENCH_CLUSTER" = 1 ]; then $(PY) tools/bench_cluster.py; \
	else echo "Кластер пропущен (BENCH_CLUSTER=1 make bench: пул и кластер Dask из JOBS исполнителей на этой машине, BENCH_N=13 каждого вида, не меньше 40 справок; BENCH_TRANSFER_MB=1200 — пересылка файла размером с национальное хранилище) — cluster bench skipped"; fi
	@if [ "$$BENCH_NATIONAL" = 1 ]; then $(PY) tools/bench_ingest.py --data-dir data/national --keep data/national.duckdb \
	  $(if $(BENCH_BASELINE),--baseline $(BENCH_BASELINE)) && \
	  DATA_DIR=data/national WAREHOUSE=data/national.duckdb $(PY) tools/bench_batch.py --cores 16; \
	else echo "Национальные данные пропущены (≈7 мин и 8 ГБ на диске: генерация ≈3 мин, загрузка ≈3 мин, выборка справок): BENCH_NATIONAL=1 make bench — national ingestion and batch projection skipped"; fi

lint: $(STAMP) ## Lint the package, the tests and the notebooks (ruff), type-check the package (mypy)
	$(VENV)/bin/ruff check src tests tools notebooks
	$(VENV)/bin/mypy src/helpers

audit: $(STAMP) ## Security: pip-audit of the pinned packages (skipped offline), ruff's S rules, the hostile corpus
	$(PY) tools/audit.py

# Root (as the README's set-up assumes on a fresh machine) needs --allow-root; nobody else does.
LAB_PORT ?= 8888
LAB_DIR ?= notebooks
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP) ## Open JupyterLab on the notebooks (helpers importable; LAB_PORT=8888; docs/analysts.md)
	@case "$(LAB_PORT)" in ''|*[!0-9]*) echo "LAB_PORT=$(call q,$(LAB_PORT)): ожидается номер порта" >&2; exit 2;; esac
	$(VENV)/bin/jupyter lab --notebook-dir=$(LAB_DIR) --port=$(LAB_PORT) --no-browser $(LAB_ROOT_FLAG) \
	  --ContentsManager.pre_save_hook=helpers.presentation.lab.strip_on_save

# OUTPUT_DIR is removed only when it is the suite's: empty, or holding its manifest or run log
# (so OUTPUT_DIR=$$HOME or a typo never deletes someone's files).
clean: ## Remove generated outputs, the demo data and the warehouse (not the virtual environment)
	@out="$$OUTPUT_DIR"; \
	if [ -d "$$out" ] && [ -n "$$(ls -A -- "$$out")" ] && [ ! -e "$$out/manifest.json" ] && [ ! -e "$$out/runs.jsonl" ]; then \
	  printf 'OUTPUT_DIR=%s: это не папка справок (нет manifest.json и runs.jsonl) — не удаляю / not an output folder, left alone\n' "$$out" >&2; exit 2; \
	fi; \
	rm -rf -- "$$out" $(call q,$(DEMO_DIR)) data/warehouse.duckdb
