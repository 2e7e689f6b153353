# Set-up and everyday commands. Every target creates .venv and installs the
# project into it when needed, so a fresh clone needs nothing but Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export PIPELINE_RAW_DIR ?= $(CURDIR)/raw
export PIPELINE_OUTPUT_DIR ?= $(CURDIR)/outputs
UI_PORT ?= 3000
SERVE_PORT ?= 8001

.PHONY: run ui test test-fast fuzz reliability serve bench evaluate evaluate-ner train-ner clean-instance

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev,serve,postgres,dask,celery]"
	@touch $@ $(VENV)/.installed-run

# the project's Dagster instance folder, with telemetry off (pipeline/defs/instance.py)
$(DAGSTER_HOME)/dagster.yaml: | $(VENV)/.installed-run
	@$(PY) -m pipeline.defs.instance "$(DAGSTER_HOME)" >/dev/null

## make run: build the dataset from raw/ into outputs/ (a new release when anything changed)
run: $(VENV)/.installed-run | $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m pipeline build --raw "$(PIPELINE_RAW_DIR)" --out "$(PIPELINE_OUTPUT_DIR)"

## make ui: the Dagster UI (dg dev) on http://127.0.0.1:$(UI_PORT), same instance as make run
ui: $(VENV)/.installed-run | $(DAGSTER_HOME)/dagster.yaml
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/dg dev --host 127.0.0.1 --port $(UI_PORT)

## make test: the whole test suite
test: $(VENV)/.installed-dev
	$(PY) -m pytest -q -rs

## make test-fast: the quick subset (no end-to-end builds, servers or browsers: tests marked slow)
test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -q -rs -m "not slow"

## make fuzz: the property-based tests with many more examples (HYPOTHESIS_PROFILE=fuzz; minutes)
fuzz: $(VENV)/.installed-dev
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -p no:cacheprovider tests/test_properties.py

## make reliability: hostile inputs and injected faults -> docs/reliability.md (minutes)
reliability: $(VENV)/.installed-dev
	$(PY) -m tests.hostile.report --out docs/reliability.md

## make serve: browse and download the latest release with Datasette
serve: $(VENV)/.installed-dev
	$(PY) -m pipeline serve --out "$(PIPELINE_OUTPUT_DIR)" --port $(SERVE_PORT)

## make bench: throughput, memory and incremental-rebuild benchmark on the news corpus
bench: $(VENV)/.installed-dev
	$(PY) -m tooling bench

## make evaluate: score a fresh build against the sample gold, the dev set's two halves
## (odd: the half rules are tuned on; even: held back, report its figures only), the
## repository's tuning set evaluation/dev and its measurement set evaluation/heldout
## (never tune on it, aggregate figures only: no -v)
evaluate: $(VENV)/.installed-dev
	$(PY) -m tooling evaluate --gold ../shared/eval/gold --raw ../shared/raw-samples
	$(PY) -m tooling evaluate --gold ../shared/eval/dev --split odd
	$(PY) -m tooling evaluate --gold ../shared/eval/dev --split even
	$(PY) -m tooling evaluate --gold evaluation/dev
	$(PY) -m tooling evaluate --gold evaluation/heldout

$(VENV)/.installed-ner-train: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev,ner-train]"
	@touch $@

## make train-ner: retrain the shipped NER model (BiLSTM-CRF) from ../shared/eval/ner/train
train-ner: $(VENV)/.installed-ner-train
	$(PY) -m tooling train-ner --train-dir ../shared/eval/ner/train

clean-instance:
	rm -rf $(DAGSTER_HOME)
