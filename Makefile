# Two commands matter on a fresh machine: `make run` and `make test`.
# Each creates the virtual environment in .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch is pinned: 2.13.0 is the build these commands are tested with.
TORCH := torch==2.13.0

.PHONY: run test lint bench package demo-assets clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/lstm-studio

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Rebuild assets/demo (corpus and the shipped LSTM and RNN) from scratch: a few minutes.
demo-assets: $(STAMP)
	$(BIN)/python -m training.demo.build_demo

# A one-folder standalone bundle in dist/lstm-studio, then its own --self-test.
package: $(STAMP)
	$(BIN)/python -c "import PyInstaller" 2>/dev/null || $(BIN)/python -m pip install -q -e '.[package]'
	PYTHON=$(BIN)/python scripts/package.sh

clean:
	rm -rf build dist .pytest_cache
