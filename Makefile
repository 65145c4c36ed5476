# Mamori: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench messages check-services migrate demo clean coverage mutants

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Development server on the embedded SQLite database, with demo data.
run: $(STAMP)
	mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	@echo "Mamori: http://$(HOST):$(PORT)/"
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

migrate: $(STAMP)
	mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput

# The whole suite against real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or the defaults).
test: $(STAMP) check-services
	@if command -v msgfmt >/dev/null; then DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv >/dev/null; \
	else echo "msgfmt not found: using the committed .mo files"; fi
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q $(PYTEST_ARGS) || [ $$? -eq 5 ]

check-services: $(STAMP)
	@$(PY) -m config.check_services

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

# Line and branch coverage of the whole suite, per app (not part of `make test`): htmlcov/.
coverage: $(STAMP) check-services
	mkdir -p var
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q --cov --cov-branch --cov-report=html \
		--cov-report=json:var/coverage.json $(PYTEST_ARGS)
	$(PY) -m tests.coverage_by_app var/coverage.json

# Mutation testing of the rule modules (not part of `make test`; about 20 minutes):
# [tool.mutmut] in pyproject.toml, docs/running.md. Fails if a mutant survives.
MUTANT_CHILDREN ?= 2
mutants: $(STAMP) check-services
	rm -rf mutants
	mkdir -p var
	DJANGO_ALLOW_ASYNC_UNSAFE=true MAMORI_MUTATION_SLOTS=$$(($(MUTANT_CHILDREN) + 1)) \
		$(VENV)/bin/mutmut run --max-children $(MUTANT_CHILDREN) > var/mutmut-run.log 2>&1 \
		|| { tail -c 4000 var/mutmut-run.log; exit 1; }
	@tail -c 200 var/mutmut-run.log | tr '\r' '\n' | tail -n 1
	@$(VENV)/bin/mutmut results > var/mutants.txt; cat var/mutants.txt
	@! grep -q ': survived' var/mutants.txt || { echo "Surviving mutants (mutmut show NAME)."; exit 1; }

bench: $(STAMP) check-services
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q -p no:randomly tests/benchmarks -m bench -s

messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l ja -l en --ignore=.venv --ignore=staticfiles --no-obsolete
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles
