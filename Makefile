# revrec developer commands. Every target creates the virtual environment when it is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

DEMO_CLIENT ?= Default
DEMO_USER ?= demo
DEMO_PASSWORD ?= demo-password
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test check lint typecheck bench install browser clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) browser

# The console's browser tests drive Debian's chromium (apt-get update only when it is missing).
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium; }

# A port already in use stops here with one line (revrec serve --check-port), before the banner.
run: $(STAMP)
	@$(VENV)/bin/revrec serve --host '$(HOST)' --port '$(PORT)' --check-port
	@$(VENV)/bin/revrec db upgrade
	@echo "demo client: $(DEMO_CLIENT)  user: $(DEMO_USER)  password: $(DEMO_PASSWORD)  role: API Role"
	@echo "authenticate (the token is in the Revpro-Token response header):"
	@echo "  curl -i -X POST -u '$(DEMO_USER):$(DEMO_PASSWORD)' -H 'role: API Role' -H 'clientname: $(DEMO_CLIENT)' http://$(HOST):$(PORT)/api/integration/v1/authenticate"
	@REVREC_BOOTSTRAP_CLIENT='$(DEMO_CLIENT)' REVREC_BOOTSTRAP_USER='$(DEMO_USER)' \
	REVREC_BOOTSTRAP_PASSWORD='$(DEMO_PASSWORD)' $(VENV)/bin/revrec serve --host '$(HOST)' --port '$(PORT)'

# The whole suite on SQLite, and on PostgreSQL too when REVREC_TEST_DATABASE_URL is set
# (REVREC_TEST_SKIP_SQLITE=1 runs only the PostgreSQL pass).
test: $(STAMP)
	@if [ "$${REVREC_TEST_SKIP_SQLITE:-0}" != "1" ]; then \
		echo "== tests on SQLite"; env -u REVREC_TEST_DATABASE_URL $(PY) -m pytest || exit $$?; \
	fi
	@if [ -n "$${REVREC_TEST_DATABASE_URL:-}" ]; then \
		echo "== tests on $${REVREC_TEST_DATABASE_URL%%:*}"; $(PY) -m pytest || exit $$?; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy src

check: lint typecheck test

# Every benchmark runs even when an earlier one misses its target (exit 1); the target fails at the end.
bench: $(STAMP)
	@failed=""; for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || failed="$$failed $$script"; done; \
	if [ -n "$$failed" ]; then echo "target missed or failed:$$failed" >&2; exit 1; fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
