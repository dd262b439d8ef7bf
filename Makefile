# The two commands a newcomer needs: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/portal
SQLITE_URL := sqlite:///$(CURDIR)/var/test.sqlite3

.PHONY: run test test-postgres test-sqlite lint check-deploy bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Sets up a local SQLite portal with a demo clinic and serves it on http://127.0.0.1:8000/.
# With DATABASE_URL=postgres://... a job queue worker runs beside the server (on SQLite jobs
# run in the server's process).
run: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py load_demo
	@case "$${DATABASE_URL:-}" in \
	  postgres*|pgsql*|psql*) \
	    DEBUG=1 $(BIN)/python manage.py procrastinate worker & \
	    trap 'kill $$! 2>/dev/null' EXIT INT TERM ;; \
	esac; \
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# Every test, on PostgreSQL (PG_URL) and on SQLite, and Django's deployment check.
test: lint check-deploy test-postgres test-sqlite

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Production settings pass `check --deploy` with nothing set but the three required
# variables (a clean environment, a random key).
check-deploy: $(STAMP)
	env -i PATH="$$PATH" HOME="$$HOME" DEBUG=0 ALLOWED_HOSTS=portal.example \
	  SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  DATABASE_URL=$(PG_URL) $(BIN)/python manage.py check --deploy --fail-level WARNING

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS)

test-sqlite: $(STAMP)
	DATABASE_URL=$(SQLITE_URL) $(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/python -m bench
