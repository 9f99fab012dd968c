# The two set-up commands of the README: `make run` and `make test`.
SHELL := /bin/bash
BOOT := bin/bootstrap.sh
PYTEST := .venv/bin/pytest

.PHONY: run test test-suite stop install bench bench-200k bench-write bench-sync bench-harvest bench-load relevance demo i18n fuzz \
	test-ckan-core national

run:            ## install everything, start the catalog with Thai demo data on http://127.0.0.1:5000
	@$(BOOT) serve

test:           ## install everything, lint and type-check, then run the whole test suite against separate test databases
	@$(BOOT) migrate
	@.venv/bin/ruff check ckanext bench migrations
	@.venv/bin/mypy -p ckanext.govcatalog
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-suite test-ckan-core

# Our suite on TEST_WORKERS pytest-xdist workers (a database each: <test db>_gw0...), each test file
# on one worker (module fixtures such as a second catalog are built once).
TEST_WORKERS ?= 2
export TEST_WORKERS
test-suite:
	@$(PYTEST) -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# CKAN core's own search-related tests against the PostgreSQL backend (part of `make test`).
CORE_RUNNER := ckanext.govcatalog.tests.search.ckan_core.runner
test-ckan-core:
	@$(PYTEST) -q -p $(CORE_RUNNER) --ckan-ini=ckanext/govcatalog/tests/search/ckan_core/core.ini \
		$$(.venv/bin/python -c "from $(CORE_RUNNER) import paths; print(*paths())") $(PYTEST_ARGS)

fuzz:           ## the Hypothesis tests with fresh random examples, 10x longer (FACTOR=50 for longer still)
	@$(BOOT) migrate
	@GOVCATALOG_FUZZ=1 GOVCATALOG_FUZZ_FACTOR=$${FACTOR:-10} $(PYTEST) -q -m hypothesis $(PYTEST_ARGS)

national:       ## the demo plus a stand-in national catalog on the next port, wired as its sync target
	@$(BOOT) national

stop:           ## stop the web server and the job worker started by `make run`
	@$(BOOT) stop

install:
	@$(BOOT) install

demo:
	@$(BOOT) demo

bench:          ## search benchmark (N=20000 by default: make bench N=200000)
	@$(BOOT) migrate
	@.venv/bin/python bench/search.py --datasets $${N:-20000}

bench-200k:     ## search latency over 200,000 index rows: 20,000 datasets indexed, the index copied 10 times
	@$(BOOT) migrate
	@.venv/bin/python bench/search.py --datasets 20000 --replicate 10 --parallel-only

bench-write:    ## dataset create/update with schema, policy, workflow and index vs vanilla CKAN (same run)
	@$(BOOT) migrate
	@.venv/bin/python bench/write.py --datasets $${N:-300} --repeat 2

bench-sync:     ## push N datasets to a loopback catalog vs ckanext-harvest pulling them (same run)
	@$(BOOT) migrate
	@.venv/bin/python bench/sync.py --datasets $${N:-1000}

bench-harvest:  ## DCAT page 1 vs offset 20,000; mirroring N datasets by change feed vs package_search crawl
	@$(BOOT) migrate
	@.venv/bin/python bench/harvest.py --datasets $${N:-20300}

bench-load:     ## 1/4/16 concurrent clients on the search API, search page and dataset page: dev server vs gunicorn, workflow on/off
	@$(BOOT) migrate
	@.venv/bin/python bench/load.py

relevance:      ## recall@10, precision@10 and trap hits: demo data and 767 real agency titles, ours next to ILIKE
	@$(BOOT) migrate
	@.venv/bin/python bench/relevance.py

i18n:           ## refresh the Thai/English catalogs from the code and templates, then compile them
	@.venv/bin/pybabel extract -F babel.cfg --no-location -k _ -k N_ -o ckanext/govcatalog/i18n/ckanext-govcatalog.pot ckanext/govcatalog
	@for lang in th en; do .venv/bin/pybabel update -D ckanext-govcatalog -i ckanext/govcatalog/i18n/ckanext-govcatalog.pot -d ckanext/govcatalog/i18n -l $$lang; done
	@.venv/bin/pybabel compile -D ckanext-govcatalog -d ckanext/govcatalog/i18n
