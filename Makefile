# Ardoise: `make run` for a demo on SQLite, `make test` for lint + the suite on SQLite and
# PostgreSQL. Python >= 3.12 (Django 6); the first python3.12/python3.13 found is used.
SHELL := /bin/bash
PYTHON_BOOT ?= $(shell for p in python3.12 python3.13 $(HOME)/.pyenv/versions/3.12*/bin/python3 $(HOME)/.pyenv/versions/3.13*/bin/python3 python3; do if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$p; break; fi; done)
VENV := .venv
PY := $(VENV)/bin/python
ARDOISE := $(VENV)/bin/ardoise
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= $(or $(ARDOISE_TEST_DATABASE_URL),postgres://postgres@127.0.0.1:5432/test)
DEBIAN_PACKAGES := chromium poppler-utils fonts-noto-core fonts-dejavu-core gettext
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install system-deps messages run demo lint test test-sqlite test-postgres bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON_BOOT)" || { echo "Python >= 3.12 is required (Django 6)"; exit 1; }
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@if command -v msgfmt >/dev/null; then \
	  cd src/ardoise && ARDOISE_TESTING=1 ../../$(ARDOISE) compilemessages -v 0; \
	else echo "msgfmt (Debian package gettext) missing: catalogs are compiled by make messages"; fi
	touch $(STAMP)

install: $(STAMP)

# Compiled catalogs (.mo) are build output: rebuilt from the committed .po files (needs msgfmt).
messages: install system-deps
	cd src/ardoise && ARDOISE_TESTING=1 ../../$(ARDOISE) compilemessages -v 0

# Debian packages for PDFs (fonts), reading PDFs back (poppler) and browser tests (chromium).
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

var/secret_key:
	@mkdir -p var
	$(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	chmod 600 $@

run: install system-deps messages var/secret_key
	ARDOISE_DEBUG=1 $(ARDOISE) migrate --noinput
	ARDOISE_DEBUG=1 $(ARDOISE) demo --if-empty
	@echo; echo "Ardoise on http://127.0.0.1:8000  (Ctrl-C to stop)"; \
	 echo "Demo logins (password: ardoise): clerk-fr admin-fr approver-fr accountant-fr auditor-fr"; \
	 echo "  likewise -dz, -es, -ne.  API token: $(ARDOISE) create-token clerk-fr"; echo
	ARDOISE_DEBUG=1 $(ARDOISE) runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	ARDOISE_TESTING=1 $(VENV)/bin/mypy src/ardoise
	ARDOISE_TESTING=1 DATABASE_URL=sqlite://:memory: $(ARDOISE) makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --config pyproject.toml

test-sqlite: install system-deps messages
	ARDOISE_TESTING=1 DATABASE_URL=sqlite:///$(CURDIR)/var/test-sqlite.sqlite3 $(VENV)/bin/pytest -p xdist -n 2 --create-db

# PostgreSQL: required in CI, skipped with a notice elsewhere when unreachable.
test-postgres: install system-deps messages
	@if ARDOISE_TESTING=1 $(PY) -m ardoise.core.dbcheck "$(TEST_DATABASE_URL)"; then \
	  ARDOISE_TESTING=1 DATABASE_URL="$(TEST_DATABASE_URL)" $(VENV)/bin/pytest -p xdist -n 2 --create-db; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL at $(TEST_DATABASE_URL) is unreachable and CI=true: failing."; exit 1; \
	else \
	  echo "PostgreSQL at $(TEST_DATABASE_URL) is unreachable: PostgreSQL run skipped."; \
	fi

test: lint test-sqlite test-postgres

bench: install
	ARDOISE_TESTING=1 $(PY) -m ardoise.demo.bench

clean:
	rm -rf $(VENV) var/test-*.sqlite3*
