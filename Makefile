# Trygg — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
FLASK   := $(VENV)/bin/flask --app wsgi
PYBABEL := $(VENV)/bin/pybabel
STAMP   := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
PACKAGES := trygg accounts casework reporting insights prevention exercise
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: help run test system-packages test-sqlite test-postgres lint translations extract-messages migration bench chromium clean demo-history audit manifest

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}'

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	@touch $@

$(DEVSTAMP): pyproject.toml $(STAMP)
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

translations: $(STAMP) ## Compile the message catalogues (bokmål and English)
	@for pkg in $(PACKAGES); do \
	  if ls $$pkg/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	    $(PYBABEL) -q compile -f -d $$pkg/translations || exit 1; \
	  fi; \
	done

extract-messages: $(DEVSTAMP) ## Extract new UI strings into each package's catalogues
	@for pkg in $(PACKAGES); do \
	  mkdir -p $$pkg/translations; $(PYBABEL) -q extract -F babel.cfg -k _l -k lazy_gettext -o $$pkg/translations/messages.pot $$pkg; \
	  for lang in nb en; do \
	    if [ -f $$pkg/translations/$$lang/LC_MESSAGES/messages.po ]; then \
	      $(PYBABEL) -q update --no-fuzzy-matching -i $$pkg/translations/messages.pot -d $$pkg/translations -l $$lang; \
	    else \
	      $(PYBABEL) -q init -i $$pkg/translations/messages.pot -d $$pkg/translations -l $$lang; \
	    fi; \
	  done; \
	done

run: $(STAMP) translations ## Set up everything, seed the demo organisation and serve on http://127.0.0.1:5000
	@mkdir -p instance
	$(FLASK) db upgrade
	TRYGG_BASE_URL=$${TRYGG_BASE_URL:-http://$(HOST):$(PORT)} $(FLASK) trygg seed-demo
	TRYGG_BASE_URL=$${TRYGG_BASE_URL:-http://$(HOST):$(PORT)} $(FLASK) run --host $(HOST) --port $(PORT)

demo-history: $(STAMP) ## Give the demo organisation three years of assessed cases, so the demo leader sees charts (development only)
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) trygg seed-demo >/dev/null
	$(FLASK) trygg seed-demo-history

system-packages: ## Install Debian's chromium and nginx (browser and deployment tests) if missing
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Missing Debian packages:$$missing (apt-get install$$missing)"; fi; \
	fi

chromium: system-packages ## (kept for old habits) same as system-packages

test: $(DEVSTAMP) translations system-packages ## Run the whole suite on SQLite, then on PostgreSQL with the deployment tier
	$(PY) -m pytest -m "not deploy"
	@if $(PY) -m tests.pg_available; then \
	  echo "== PostgreSQL, and the deployment tier (nginx + TLS, two gunicorn nodes, Redis) =="; \
	  TRYGG_TEST_DATABASE=postgres $(PY) -m pytest; \
	else \
	  if [ -n "$$CI" ]; then echo "PostgreSQL is not reachable in CI"; exit 1; fi; \
	  echo "PostgreSQL not reachable: skipped the PostgreSQL run (set TEST_DATABASE_URL)"; \
	fi

lint: $(DEVSTAMP) ## ruff (with the security rules) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

migration: $(STAMP) ## Regenerate the initial migration from the models (before the first release only)
	rm -f migrations/versions/*.py
	rm -rf /tmp/trygg-migration && mkdir -p /tmp/trygg-migration
	TRYGG_DATABASE_URL=sqlite:////tmp/trygg-migration/m.db $(FLASK) db migrate -m "initial schema" --rev-id 0001

bench: $(DEVSTAMP) ## Run the benchmarks and print their figures
	@for b in bench/[a-z]*.py; do echo "== $$b"; $(PY) $$b --quick || exit 1; done

manifest: $(STAMP) ## Write trygg/data/manifest.json: SHA-256 of every static file, and the version
	$(PY) -c "from trygg.integrity import main; main()"

# pip-audit lives in its own virtualenv (its dependencies stay out of the app's) and audits
# the app's site-packages. No advisory source reachable (offline) is said, not failed.
AUDIT_VENV := $(VENV)-audit
# A source counts as reachable when PyPI answers for the installed Flask with its advisories
# (a mirror or a stub that knows no release would make every package "not found").
export ADVISORY_PROBE := import json, urllib.request as u; from importlib.metadata import version; \
  d = json.load(u.urlopen("https://pypi.org/pypi/flask/" + version("flask") + "/json", timeout=10)); \
  assert "vulnerabilities" in d
audit: $(STAMP) ## Check the installed dependencies against known advisories (pip-audit)
	@if ! $(PY) -c "$$ADVISORY_PROBE" >/dev/null 2>&1; then \
	  echo "audit: NOT CHECKED - no advisory source is reachable (PyPI's JSON API with advisories). Run make audit where it is."; exit 0; fi; \
	if [ ! -x $(AUDIT_VENV)/bin/pip-audit ]; then \
	  python3 -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install --quiet pip-audit \
	  || { echo "audit: NOT CHECKED - pip-audit could not be installed."; exit 0; }; fi; \
	$(AUDIT_VENV)/bin/pip-audit --progress-spinner off --skip-editable \
	  --path "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

clean: ## Remove the virtualenv, caches and the local database
	rm -rf $(VENV) $(AUDIT_VENV) instance .pytest_cache .mypy_cache .ruff_cache *.egg-info
