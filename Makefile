# Mamori: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run manage test lint bench messages check-services browser-deps migrate demo clean coverage mutants

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo: the embedded SQLite database with demo data, the app's own error pages
# (MAMORI_DEMO=1: development keys, DEBUG off), on http://$(HOST):$(PORT)/.
DEMO_ENV := MAMORI_DEMO=1
run: $(STAMP)
	mkdir -p var
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo "Mamori: http://$(HOST):$(PORT)/"
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Any management command against the demo: make manage ARGS="create_api_client 住民税システム"
manage: $(STAMP)
	@mkdir -p var
	@$(DEMO_ENV) $(PY) manage.py $(ARGS)

migrate: $(STAMP)
	mkdir -p var
	$(DEMO_ENV) $(PY) manage.py migrate --noinput

# The whole suite against real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or the defaults).
test: $(STAMP) check-services browser-deps
	@if command -v msgfmt >/dev/null; then DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv >/dev/null; \
	else echo "msgfmt not found: using the committed .mo files"; fi
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q $(PYTEST_ARGS) || [ $$? -eq 5 ]

check-services: $(STAMP)
	@$(PY) -m config.check_services

# The browser tests drive Debian's Chromium with Japanese fonts; the catalogs need msgfmt.
# As root with apt-get they are installed; otherwise the one command to run is printed.
BROWSER_PACKAGES := chromium fonts-noto-cjk gettext
browser-deps:
	@missing=""; [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing for the browser tests:$$missing. Run: sudo apt-get install -y$$missing"; exit 1; fi; \
	fi

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
# [tool.mutmut] in pyproject.toml, docs/running.md. Fails if a mutant survives that is not
# listed as equivalent in tests/equivalent_mutants.txt.
MUTANT_CHILDREN ?= 2
mutants: $(STAMP) check-services
	rm -rf mutants
	mkdir -p var
	DJANGO_ALLOW_ASYNC_UNSAFE=true MAMORI_MUTATION_SLOTS=$$(($(MUTANT_CHILDREN) + 1)) \
		$(VENV)/bin/mutmut run --max-children $(MUTANT_CHILDREN) > var/mutmut-run.log 2>&1 \
		|| { tail -c 4000 var/mutmut-run.log; exit 1; }
	@tail -c 200 var/mutmut-run.log | tr '\r' '\n' | tail -n 1
	@$(VENV)/bin/mutmut results > var/mutants.txt; cat var/mutants.txt
	@grep -v '^#' tests/equivalent_mutants.txt > var/equivalent.txt; \
		grep ': survived' var/mutants.txt | sed 's/^ *//; s/: survived$$//' \
		| grep -vxF -f var/equivalent.txt > var/survivors.txt || true; \
		if [ -s var/survivors.txt ]; then echo "Surviving mutants (mutmut show NAME):"; \
		cat var/survivors.txt; exit 1; fi

bench: $(STAMP) check-services
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q -p no:randomly tests/benchmarks -m bench -s

messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l ja -l en --ignore=.venv --ignore=staticfiles --no-obsolete
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles
