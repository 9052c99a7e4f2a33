# Two commands matter: `make run` and `make test`. Both work from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test chat migrate lint bench clean

run: $(STAMP)
	$(BIN)/coach migrate
	$(BIN)/coach run

chat: $(STAMP)
	$(BIN)/coach chat

migrate: $(STAMP)
	$(BIN)/coach migrate

test: $(STAMP) lint
	$(BIN)/pytest

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

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
