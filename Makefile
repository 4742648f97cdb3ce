# Two commands do all set-up on a fresh machine:
#   make run    install into .venv and open the app on a bundled sample
#   make test   install into .venv (with test tools) and run the test suite
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint bench samples screenshots clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app/streamlit_app.py --server.headless true --browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/ruff check posture app tests benchmarks
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check posture app tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

screenshots: $(STAMP)
	POSTURE_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/test_browser.py

samples: $(STAMP)
	$(BIN)/python -m posture.synth.samples sample_videos

clean:
	rm -rf $(VENV)
