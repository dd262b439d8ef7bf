# The two commands a newcomer needs: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/portal
SQLITE_URL := sqlite:///$(CURDIR)/var/test.sqlite3

.PHONY: run test test-postgres test-sqlite lint check-deploy bench bench-smoke mutate

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

# Every test, on PostgreSQL (PG_URL) and on SQLite, Django's deployment check and a tiny
# run of the benchmarks.
test: lint check-deploy test-postgres test-sqlite bench-smoke

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

# Every benchmark scenario at a hundredth of its size, timing nothing, so that `make bench`
# cannot rot: it fails when a scenario breaks (an error, a 5xx or a refused booking under
# load, a double booking, an export cut short). The output goes to var/bench-smoke.log; the
# summary table is printed, or the log's end when it fails.
bench-smoke: $(STAMP)
	mkdir -p var
	DATABASE_URL=$(PG_URL) BENCH_SCALE=0.01 LOAD_SECONDS=2 LOAD_CLIENTS=8 $(BIN)/python -m bench \
		> var/bench-smoke.log 2>&1 || { tail -n 60 var/bench-smoke.log; exit 1; }
	@grep '^|' var/bench-smoke.log

# Mutation testing on SQLite (docs/benchmarks.md, "Mutation testing"). Without MODULE it
# tests the mutants of [tool.mutmut] source_paths not tested yet; `make mutate
# MODULE=exchange/orders.py` (or a package: MODULE=exchange/importing/) retests one module
# whole. mutmut draws a spinner, so its output goes to var/mutmut.log; then come the
# mutants that were not killed and the score of each module tested so far.
MUTANTS = $(if $(MODULE),'$(subst /,.,$(patsubst %/,%,$(MODULE:.py=))).*')
mutate: $(STAMP)
	mkdir -p var
	DATABASE_URL=sqlite:///$(CURDIR)/var/mutate.sqlite3 $(BIN)/mutmut run --max-children 2 \
		$(MUTANTS) > var/mutmut.log 2>&1 || { tail -n 40 var/mutmut.log; exit 1; }
	@$(BIN)/mutmut results | grep -v ': not checked$$' || true
	@$(BIN)/mutmut results --all true | awk -F'[ :]+' '$$3 != "not" { \
		m = $$2; sub(/\.[^.]*$$/, "", m); n[m]++; k[m] += $$3 == "killed" || $$3 == "timeout" } \
		END { for (m in n) printf "%-34s %4d / %-4d %5.1f %%\n", m, k[m], n[m], 100 * k[m] / n[m] }' \
		| sort
