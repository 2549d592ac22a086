# The README's quick start: `make run` (set up, then web app + worker + mail catcher with demo users) and
# `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SCR_DATABASE_URL ?= sqlite:///$(CURDIR)/instance/scr.sqlite3
# `make run PORT=8080`: the web app's port; MAIL_PORT: the local mail catcher's.
PORT ?= 5000
MAIL_PORT ?= 8025

.PHONY: run test lint install clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

webui/static/vendor/app.css: node_modules/.package-lock.json webui/frontend/vendor.mjs webui/frontend/app.scss
	npm run --silent vendor

install: $(BIN)/activate node_modules/.package-lock.json webui/static/vendor/app.css

run: install
	$(BIN)/scr db upgrade
	$(BIN)/scr demo load
	$(BIN)/scr deploy bpmn --as owner --note "make run"
	PORT=$(PORT) MAIL_PORT=$(MAIL_PORT) $(BIN)/python deploy/run_local.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	npx --no-install bpmnlint bpmn/*.bpmn

# Two workers (the machine has two cores); each test file runs whole on one worker, so a module's
# live server or prepared cases are built once. `$(BIN)/pytest tests/...` runs a subset in one process.
JOBS ?= 2
test: lint
	$(BIN)/pytest -n $(JOBS) --dist loadfile

clean:
	rm -rf $(VENV) node_modules instance
