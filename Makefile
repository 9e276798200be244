# Two commands matter on a fresh machine: `make run` and `make test`.
# Each creates the virtual environment in .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch is pinned: 2.13.0 is the build these commands are tested with.
TORCH := torch==2.13.0

.PHONY: run test lint bench package wheel-check demo-assets clean

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
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir $(VENV)/site
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Rebuild assets/demo (corpus and the shipped LSTM and RNN) from scratch: a few minutes.
demo-assets: $(STAMP)
	$(BIN)/python -m training.demo.build_demo

# A one-folder standalone bundle in dist/lstm-studio, then its own --self-test; then the release
# archive dist/lstm-studio-VERSION-linux-x86_64.tar.gz (+ .sha256), unpacked and self-tested.
package: $(STAMP)
	$(BIN)/python -c "import PyInstaller" 2>/dev/null || $(BIN)/python -m pip install -q -e '.[package]'
	PYTHON=$(BIN)/python scripts/package.sh
	PYTHON=$(BIN)/python scripts/release_archive.sh

# The sdist and wheel in dist/, twine-checked, then the wheel installed with $(TORCH) into a
# fresh environment outside the tree: --version, probe, generate, the API and the self-test.
wheel-check: $(STAMP)
	$(BIN)/python -c "import build, twine" 2>/dev/null || $(BIN)/python -m pip install -q -e '.[package]'
	PYTHON=$(BIN)/python TORCH=$(TORCH) scripts/wheel_check.sh

clean:
	rm -rf build dist .pytest_cache
