# Two commands matter: `make run` and `make test`. Both work from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test chat migrate lint bench clean messages catalogs

run: $(STAMP) catalogs
	$(BIN)/coach migrate
	$(BIN)/coach run

chat: $(STAMP)
	$(BIN)/coach chat

migrate: $(STAMP)
	$(BIN)/coach migrate

# The suite waits on fake servers and subprocesses as much as it computes: a worker a core
# takes about a third off its time on a 2-core machine (TEST_WORKERS=0: one process).
TEST_WORKERS ?= 2

test: $(STAMP) lint
	$(BIN)/pytest -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench.commands
	$(BIN)/python -m bench.telegram
	$(BIN)/python -m bench.scheduler
	$(BIN)/python -m bench.discord
	$(BIN)/python -m bench.charts
	$(BIN)/python -m bench.groups
	$(BIN)/python -m bench.burst
	$(BIN)/python -m bench.workers
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.layers
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.web

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The coach's words in every language, one catalog per package of the core and per adapter
# with words of its own (see core/kernel/i18n.py): `make messages` finds the words in the
# code and brings each language's catalog up to date, new words untranslated; `make
# catalogs` compiles them.
DOMAINS := accounts app buddies groups importing kernel learning outreach progress quizzes web console discord
LANGS := fa ru
LOCALES := core/locale

messages: $(STAMP)
	set -e; for d in $(DOMAINS); do \
	  $(BIN)/pybabel -q extract --no-location --sort-output --no-default-keywords \
	    -k _ -k N_ -k n_:1,2 --project "Roadmap Coach" -o $(LOCALES)/$$d.pot \
	    $$(if [ -d core/$$d ]; then echo core/$$d; else echo adapters/$$d; fi); \
	  for l in $(LANGS); do \
	    if [ -f $(LOCALES)/$$l/LC_MESSAGES/$$d.po ]; then \
	      $(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete \
	        -D $$d -l $$l -i $(LOCALES)/$$d.pot -d $(LOCALES); \
	    else \
	      $(BIN)/pybabel -q init -D $$d -l $$l -i $(LOCALES)/$$d.pot -d $(LOCALES); \
	    fi; \
	  done; \
	done

catalogs: $(STAMP)
	set -e; for d in $(DOMAINS); do for l in $(LANGS); do \
	  if [ -f $(LOCALES)/$$l/LC_MESSAGES/$$d.po ]; then \
	    $(BIN)/pybabel -q compile -D $$d -l $$l -d $(LOCALES); \
	  fi; \
	done; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
