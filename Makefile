# Presence Coach: `make run` sets up and opens the desktop app; `make session` runs a live
# session in the terminal; `make test` sets up and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
ARGS ?=
# A development checkout keeps the official model in ../shared/models (no download needed);
# elsewhere this is empty and the model lookup falls through to models/ and the user cache.
export PRESENCE_COACH_MODELS ?= $(wildcard $(abspath ../shared/models))

.PHONY: run session test screenshots setup setup-test lint bench bench-deps clean

# without a display, the app says so in one line pointing to the terminal session (make session)
run: setup  ## set up, fetch the model if missing, open the desktop app
	$(BIN)/presence-coach models fetch
	$(BIN)/presence-coach app $(ARGS)

session: setup  ## set up, fetch the model if missing, a live session in this terminal
	$(BIN)/presence-coach models fetch
	$(BIN)/presence-coach session $(ARGS)

test: setup-test lint  ## set up everything the tests need and run the whole suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

screenshots: setup-test  ## the app tests that take screenshots keep them in docs/screenshots
	PRESENCE_COACH_SCREENSHOTS=$(abspath docs/screenshots) $(BIN)/python -m pytest \
	  tests/app/test_app_session.py tests/app/test_app_settings.py tests/app/test_app_wizard.py \
	  tests/integration/test_report_layout.py \
	  tests/integration/test_day_pages.py

lint:
	$(BIN)/ruff check presence_coach tests bench
	$(BIN)/ruff format --check presence_coach tests bench

setup: $(STAMP)

setup-test: setup
	scripts/install-system-deps --test

$(STAMP): pyproject.toml scripts/install-system-deps
	scripts/install-system-deps
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Presence Coach needs Python 3.11 or newer (set PYTHON=python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

bench: bench-deps  ## benchmarks; write bench/RESULTS*.md
	$(BIN)/python bench/realtime.py
	$(BIN)/python bench/accuracy.py

bench-deps: setup-test
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python -m pip install -q --no-deps silero-vad

clean:
	rm -rf $(VENV) bench/_work .pytest_cache
