# podpub — every target creates and uses its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## publish the demo show to ./public (local folder storage)
	$(BIN)/podpub publish

test: $(STAMP)  ## run the test suite (real ffmpeg, mutagen, moto server, feed parsers)
	$(BIN)/python -m pytest -q

lint: $(STAMP)  ## ruff + mypy
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

bench: $(STAMP)  ## loudness engine vs plain encode vs ffmpeg-normalize; a 5,000-episode feed
	$(BIN)/python bench/run.py
	$(BIN)/python bench/feed.py

clean:
	rm -rf $(VENV) public .podpub build dist .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
