# The two set-up commands of the README: `make run` and `make test`.
SHELL := /bin/bash
BOOT := bin/bootstrap.sh
PYTEST := .venv/bin/pytest

.PHONY: run test stop install bench bench-write relevance demo i18n

run:            ## install everything, start the catalog with Thai demo data on http://127.0.0.1:5000
	@$(BOOT) serve

test:           ## install everything, then run the whole test suite against a separate test database
	@$(BOOT) migrate
	@$(PYTEST) -q $(PYTEST_ARGS)

stop:           ## stop the web server and the job worker started by `make run`
	@$(BOOT) stop

install:
	@$(BOOT) install

demo:
	@$(BOOT) demo

bench:          ## search benchmark (N=20000 by default: make bench N=200000)
	@$(BOOT) migrate
	@.venv/bin/python bench/search.py --datasets $${N:-20000}

bench-write:    ## dataset create/update with schema, policy, workflow and index vs vanilla CKAN (same run)
	@$(BOOT) migrate
	@.venv/bin/python bench/write.py --datasets $${N:-300} --repeat 2

relevance:      ## recall@10 and precision@10 of search over the demo data and bench/search_queries.json
	@$(BOOT) migrate
	@.venv/bin/python bench/relevance.py

i18n:           ## refresh the Thai/English catalogs from the code and templates, then compile them
	@.venv/bin/pybabel extract -F babel.cfg --no-location -k _ -k N_ -o ckanext/govcatalog/i18n/ckanext-govcatalog.pot ckanext/govcatalog
	@for lang in th en; do .venv/bin/pybabel update -D ckanext-govcatalog -i ckanext/govcatalog/i18n/ckanext-govcatalog.pot -d ckanext/govcatalog/i18n -l $$lang; done
	@.venv/bin/pybabel compile -D ckanext-govcatalog -d ckanext/govcatalog/i18n
