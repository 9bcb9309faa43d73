# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: demo test install install-dev lint migrate bench-import bench-generate ci chromium e2e fuzz

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

## Run the whole test suite (SQLite unless DATABASE_URL says otherwise): everything but the
## browser tests on every core at once (pytest-xdist, one database per worker), then the browser
## tests in e2e/, which are skipped, with the reason, when Debian's Chromium is missing (see
## `make chromium`). TEST_WORKERS=1 runs everything in one process.
TEST_WORKERS ?= auto
test: install-dev
	$(PY) -m pytest -q -n $(TEST_WORKERS) -m "not e2e"
	$(PY) -m pytest -q e2e

## Debian's Chromium (and CJK fonts for readable screenshots) for the browser tests: needs root;
## does nothing when /usr/bin/chromium is there. Playwright never downloads a browser here.
chromium:
	@test -x /usr/bin/chromium || (apt-get update && \
	  apt-get install -y --no-install-recommends chromium fonts-noto-cjk)

## Debian's Noto CJK fonts for the monthly bulletin's PDF (WeasyPrint draws Chinese with them;
## without a Chinese font the PDF shows boxes): needs root; does nothing when one is installed.
.PHONY: fonts
fonts:
	@fc-list :lang=zh | grep -q . || (apt-get update && \
	  apt-get install -y --no-install-recommends fonts-noto-cjk)

## Only the browser journeys (e2e/), or only the API fuzzing; both are part of `make test`
e2e: install-dev
	$(PY) -m pytest -q e2e

fuzz: install-dev
	$(PY) -m pytest -q api/tests/test_fuzz.py

lint: install-dev
	$(VENV)/bin/ruff check .

bench-import: install
	$(PY) bench/roster_import.py

bench-generate: install
	$(PY) bench/generate_district.py

## Load test against gunicorn on 127.0.0.1 (issue 9). Needs DATABASE_URL of an empty PostgreSQL
## database made for it, e.g. postgres://postgres@127.0.0.1:5432/bench_load (see bench/README.md).
.PHONY: bench-load
bench-load: install
	$(PY) bench/load.py

## Sustained funds ledger operations per second through the services (issue 6), 4 worker
## processes for 20 s. Set DATABASE_URL to a PostgreSQL database made for it, e.g.
## postgres://postgres@127.0.0.1:5432/bench_funds (without it: a throwaway SQLite file).
.PHONY: bench-funds
bench-funds: install
	$(PY) bench/funds.py

ci:
	bash .ci/run
