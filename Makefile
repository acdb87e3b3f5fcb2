# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SL := $(BIN)/supportline
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run run-sending test install lock test-tools postgres redis lint clean audit audit-code audit-deps \
	audit-deps-known

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Exactly the versions in the lock files, each checked against its hash; then the project itself without
# letting pip pick any dependency of its own. requirements-dev.lock holds requirements.lock's pins and the
# test tools; a deployment installs requirements.lock alone (docs/OPERATIONS.md).
# The locked pip goes in first: the one a new venv bundles takes twice as long over the same lock.
$(VENV)/.installed: requirements-dev.lock pyproject.toml | $(BIN)/python
	awk '/^[a-z]/ { pip = /^pip==/ } pip && !/^ *#/' requirements-dev.lock > $(VENV)/pip.lock
	$(BIN)/pip install -q --require-hashes -r $(VENV)/pip.lock
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

## make lock: write requirements.lock (what runs in production) and requirements-dev.lock (that plus the
## test tools, with the same versions) from pyproject.toml, keeping every pin that still fits. Upgrade with
## make lock LOCK_ARGS=--upgrade, or one package with LOCK_ARGS="--upgrade-package flask".
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile -q --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock: install
	$(PIP_COMPILE) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

## make run: the line as it runs today, on the receiving side (NCK's installation): migrate, receive the demo
## history through a real handover package (exported, verified with a receipt, imported; once), seed the demo
## accounts, build the index, serve on http://127.0.0.1:5000 with the clock beside it.
run: export SUPPORTLINE_ENV ?= dev
run: install
	$(SL) db upgrade
	$(SL) demo handover --inquiries 500
	$(SL) demo seed
	$(SL) kb import knowledge/content
	@echo
	@echo "Supportline körs på http://$(HOST):$(PORT)/ (avsluta med Ctrl-C)"
	@$(SL) clock & clock=$$!; trap 'kill $$clock 2>/dev/null' EXIT INT TERM; \
		$(SL) run --host $(HOST) --port $(PORT)

## make run-sending: the county board's installation instead, after its final package: it shows the ledger
## with NCK's receipt and refuses new calls. Its database is the demo sender that make run's handover built.
SENDER := $(or $(SUPPORTLINE_INSTANCE_PATH),$(CURDIR)/instance)/demo-sender
SENDER_ENV := DATABASE_URL=sqlite:///$(SENDER)/supportline.db SUPPORTLINE_INDEX_DIR=$(SENDER)/index \
	SUPPORTLINE_HANDOVER_DIR=$(SENDER)/packages
run-sending: export SUPPORTLINE_ENV ?= dev
run-sending: install
	$(SL) db upgrade
	$(SL) demo handover --inquiries 500
	$(SENDER_ENV) $(SL) kb import knowledge/content
	@echo
	@echo "Den sändande installationen körs på http://$(HOST):$(PORT)/ (avsluta med Ctrl-C)"
	@$(SENDER_ENV) $(SL) run --host $(HOST) --port $(PORT)

## make test: install what the tests need (Chromium, nginx, pango, axe-core, PostgreSQL and Redis running), lint, run the whole suite.
## The suite runs in one pytest-xdist worker per core (at most 4; tests/conftest.py); each worker has databases,
## folders and ports of its own. make test PYTEST_WORKERS=0 runs it in one process, as when debugging.
## Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): the suite starts about a
## hundred processes of the app (the CLI, gunicorn, make run), and each compiled every module from source.
PYTEST_WORKERS ?= auto
test: install test-tools postgres redis
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory audit-code
	$(MAKE) --no-print-directory audit-deps-known
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal

# Whether node_modules holds the axe-core version package.json pins (an older install is replaced).
test-tools: export AXE_IS_PINNED := process.exit(require("./node_modules/axe-core/package.json").version === \
	require("./package.json").devDependencies["axe-core"] ? 0 : 1)
test-tools:
	@command -v chromium-headless-shell >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium-headless-shell for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			chromium-headless-shell >/dev/null; }
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
		echo "Installing Debian's nginx for the reverse-proxy tests (deploy/nginx.conf)"; \
		$(SUDO) apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx >/dev/null; }
	@{ /sbin/ldconfig -p 2>/dev/null || ldconfig -p; } | grep -q libpangoft2-1.0 || { \
		echo "Installing Debian's pango for the PDF report (WeasyPrint)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libpango-1.0-0 \
			libpangoft2-1.0-0 >/dev/null; }
	@node -e "$$AXE_IS_PINNED" 2>/dev/null || npm install --no-package-lock --no-audit --no-fund --loglevel=error

# The tests need the PostgreSQL server at 127.0.0.1:5432; start the local cluster if it is down,
# and fail (never skip) when it cannot be reached.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		$(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start 2>/dev/null; \
		for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	@pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL på 127.0.0.1:5432 svarar inte: testerna kräver den." >&2; exit 1; }

# The rate-limit tests use the Redis server at 127.0.0.1:6379 (shared counters across hosts); start it if down.
redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1; \
		for i in 1 2 3 4 5; do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "Redis på 127.0.0.1:6379 svarar inte: testerna kräver den." >&2; exit 1; }

lint:
	$(BIN)/ruff check .

## make audit: bandit over our code (offline; part of make test) and pip-audit of the installed dependencies
## against PyPI's advisory data (needs the network, so it is not part of make test).
audit: audit-code audit-deps

audit-code: install
	$(BIN)/bandit -q -r supportline knowledge --severity-level medium

audit-deps: install
	$(BIN)/pip-audit --strict --progress-spinner off --skip-editable

# Part of make test: fails on any known vulnerability pip-audit finds; says plainly how many packages it could
# not check (a package index without advisory data) or that no advisory service could be reached, instead of
# passing that off as clean.
audit-deps-known: install
	@out=$$($(BIN)/pip-audit --progress-spinner off --skip-editable 2>&1); rc=$$?; \
	if [ $$rc -eq 0 ]; then \
		echo "pip-audit: $$(echo "$$out" | head -n1)"; \
		n=$$(echo "$$out" | grep -c "could not be audited"); \
		[ "$$n" -eq 0 ] || echo "pip-audit: $$n paket kunde inte granskas (paketindexet saknar sårbarhetsdata för dem)"; \
	elif echo "$$out" | grep -q "known vulnerabilit"; then echo "$$out"; exit 1; \
	else echo "pip-audit nådde ingen sårbarhetsdatabas; beroendena är inte granskade: $$(echo "$$out" | tail -n1)"; fi

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .ruff_cache
