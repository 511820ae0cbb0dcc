# Two commands do all the set-up on a fresh machine:
#   make demo   build the environment, load the demo retailer into SQLite, run the main job, serve it
#   make test   build the environment and run the whole test suite
# Both are idempotent: the environment is rebuilt only when setup.cfg changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export LIGHTFM_NO_CFLAGS := 1

.PHONY: venv demo test test-fast lint bench-ingest bench-forecast clean

venv: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[postgres,dask,dev]'
	touch $@

demo: venv
	$(BIN)/substitute demo run

# The whole suite: lint, types, then every test (CI runs this).
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: venv
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check substitute tests bench
	$(BIN)/ruff format --check substitute tests bench
	$(BIN)/mypy substitute

bench-ingest: venv
	$(BIN)/python bench/ingest.py ../shared/data/ta_feng/ta_feng.csv.zip

bench-forecast: venv
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/forecast.py ta-feng ../shared/data/ta_feng/ta_feng.csv.zip

clean:
	rm -rf $(VENV) var .pytest_cache
