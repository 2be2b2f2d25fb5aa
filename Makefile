# nnviz: `make run` starts the app, `make test` runs the whole suite (lint, format, unit, labs, app, browser).
PYTHON ?= python3
PIP := $(PYTHON) -m pip
ARGS ?=

.PHONY: run test lint format bench e2e help

help:
	@echo "make run    install requirements.txt and start the app (http://localhost:8501; extra streamlit flags: make run ARGS=...)"
	@echo "make test   install requirements-test.txt, lint, check formatting, run every test"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make format ruff format and ruff check --fix"
	@echo "make bench  time each lab: training, figures, page first visit and revisit, peak memory"
	@echo "make e2e    only the browser tests (needs chromium)"

run:
	$(PIP) install -r requirements.txt
	$(PYTHON) -m streamlit run app.py $(ARGS)

test:
	$(PIP) install -q -r requirements-test.txt
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m pytest -q

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

bench:
	$(PYTHON) -m nnviz bench

e2e:
	$(PYTHON) -m pytest -q tests/e2e
