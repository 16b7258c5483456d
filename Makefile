# podpub — every target creates and uses its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo screenshots test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## publish the demo show to ./public (local folder storage): audio, feed, site
	$(BIN)/podpub publish

# The demo site published on 127.0.0.1 and photographed by headless Chromium (Debian's chromium
# and chromium-driver): the show page and an episode page at 1280 and 360 px, in screenshots/.
screenshots: $(STAMP)
	PODPUB_SCREENSHOTS=$(CURDIR)/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/test_site_browser.py -k screenshots

test: $(STAMP)  ## run the test suite (real ffmpeg, mutagen, moto server, feed parsers)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff + mypy
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

bench: $(STAMP)  ## loudness engine vs plain encode vs ffmpeg-normalize; a 5,000-episode feed; a catalog with --jobs and shards
	$(BIN)/python bench/run.py
	$(BIN)/python bench/feed.py
	$(BIN)/python bench/catalog.py

clean:
	rm -rf $(VENV) public .podpub build dist screenshots .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
