# The two commands: `make run` (the portal on its embedded default) and `make test` (the whole suite);
# `make demo` runs the portal with the SMSAPI simulator, to try everything without an SMSAPI account.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
SIMULATOR_PORT ?= 9400

.PHONY: run demo test install browser lint clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) demo-account
	$(FLASK) serve --port $(PORT)

demo: install
	$(FLASK) db upgrade
	$(FLASK) demo-account
	$(FLASK) serve --port $(PORT) --demo --simulator-port $(SIMULATOR_PORT)

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

browser:
	@scripts/ensure-chromium

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
