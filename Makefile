# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: demo test install install-dev lint migrate bench-import bench-generate ci

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Set up a demo district on SQLite and serve it at http://127.0.0.1:$(PORT)
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

## Run the whole test suite (SQLite unless DATABASE_URL says otherwise)
test: install-dev
	$(PY) -m pytest -q

lint: install-dev
	$(VENV)/bin/ruff check .

bench-import: install
	$(PY) bench/roster_import.py

bench-generate: install
	$(PY) bench/generate_district.py

ci:
	bash .ci/run
