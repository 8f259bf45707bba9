# annual-review: `make review` builds the Haining 2024 review, `make test` runs the tests.
# Both set up everything they need in .venv/ first (Python packages from PyPI and, for
# the browser and print tests, Debian's chromium and poppler-utils).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
YEAR ?= 2024
# Empty: the only region file in data/regions/ (else default_region in annual-review.yaml).
REGION ?=
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Test files run on this many processes (pytest-xdist, one file per process at a time:
# module fixtures stay whole). The suite's builds use both cores of a 2-core machine
# only part of the time: on one, two processes take the suite from about 15 minutes to
# about 8 (with the runner tests' builds now leaving out Word files).
TEST_WORKERS ?= 2

# Keep Jupyter's and matplotlib's state inside the project, not the home folder.
export MPLCONFIGDIR := $(CURDIR)/outputs/.cache/matplotlib
export JUPYTER_CONFIG_DIR := $(CURDIR)/outputs/.cache/jupyter/config
export JUPYTER_DATA_DIR := $(CURDIR)/outputs/.cache/jupyter/data
export JUPYTER_RUNTIME_DIR := $(CURDIR)/outputs/.cache/jupyter/runtime
export JUPYTER_PLATFORM_DIRS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup setup-test chromium review test lab lint format clean

help:
	@echo "make review   build the $(YEAR) review into outputs/<region>/$(YEAR)/site/ (sets up .venv first)"
	@echo "make test     run the test suite (sets up .venv with test extras and chromium)"
	@echo "make lab      open JupyterLab on the project"
	@echo "make lint     ruff check, format check and mypy"
	@echo "make clean    remove the build products in outputs/ (keeps .venv/)"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet -c constraints.txt -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --quiet -c constraints.txt -e '.[test]'
	@touch $@

setup: $(STAMP)
setup-test: $(TEST_STAMP) chromium

# Headless Chromium for the browser tests: Debian's package (browser downloads by
# test tools do not work offline).
chromium:
	@if command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium and poppler-utils for the browser and print tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	elif command -v sudo >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	else echo "chromium or pdftotext is missing and cannot be installed (need root or sudo)"; exit 1; fi

review: $(STAMP)
	$(BIN)/annual-review build --year $(YEAR) $(if $(REGION),--region $(REGION))

test: setup-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# On an intranet: no news feed and no update check (JupyterLab would ask to fetch both).
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. --LabApp.default_url=/lab/tree/notebooks \
		--LabApp.extension_manager=readonly --LabApp.news_url=None \
		--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

lint: $(TEST_STAMP)
	$(BIN)/ruff check lib tests bench
	$(BIN)/ruff format --check lib tests bench
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix lib tests bench
	$(BIN)/ruff format lib tests bench

clean:
	rm -rf outputs/*/ outputs/.cache outputs/index.html
