# Two commands do all set-up on a fresh machine:
#   make run    install into .venv and open the app on a bundled sample
#   make test   install into .venv (with test tools) and run the test suite
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run run-shared test test-slow test-all test-ci lint bench samples screenshots axe clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Settings (localhost only, no usage statistics, upload limit) live in app/.streamlit/config.toml.
run: $(STAMP)
	$(BIN)/streamlit run app/streamlit_app.py

# Opt-in: serve the app to other machines on the network (see README, Privacy).
run-shared: $(STAMP)
	$(BIN)/streamlit run app/streamlit_app.py --server.address 0.0.0.0 --browser.serverAddress "$$(hostname)"

# axe-core (npm package) for the accessibility browser test, in ./node_modules (gitignored);
# without npm the test skips and says why.
AXE := node_modules/axe-core/axe.min.js
$(AXE):
	npm install --no-save --no-package-lock --no-audit --no-fund axe-core@4 \
		|| echo "axe-core could not be installed; the accessibility test will skip"
axe: $(AXE)

test: $(STAMP) $(AXE)
	$(BIN)/ruff check posture app tests benchmarks
	$(BIN)/python -m pytest -q

# The slow tier alone: rendered-clip accuracy sweeps, real-clip runs, the pose model on clips.
# It includes the Ray engine test, so Ray (the "cluster" extra) is installed first.
test-slow: $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,cluster]"
	$(BIN)/python -m pytest -q -m slow

# Every tier in one run: ruff, the default tests and the slow ones (nightly-style; the pose
# model runs once per clip when the pose cache is empty, as on a fresh machine).
test-all: $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,cluster]"
	$(BIN)/ruff check posture app tests benchmarks
	$(BIN)/python -m pytest -q -m "slow or not slow" --durations=15

# What CI runs: the default tier, then this named sample of the slow tier (the rendered-clip
# accuracy bars of both views, the bundled rear sample, and the real front-view montage,
# which skips where ../shared/videos is absent; it passes on a freshly extracted track).
FRONTAL := tests/analysis/test_frontal_analysis.py
SLOW_SAMPLE := tests/synth/test_synth_validation.py $(FRONTAL)::test_rendered_rear_and_front_clips \
	$(FRONTAL)::test_bundled_rear_sample $(FRONTAL)::test_real_front_clip_with_cuts
test-ci: test
	$(BIN)/python -m pytest -q -m slow $(SLOW_SAMPLE)

lint: $(STAMP)
	$(BIN)/ruff check posture app tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# The README's pictures: desktop result, phone view, the two-camera report, and the live page
# with Chromium's fake camera playing a rendered ramp clip (slow tier, ~4 min) (docs/screenshots).
screenshots: $(STAMP) $(AXE)
	POSTURE_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/app/test_browser.py \
		tests/app/test_browser_player.py
	POSTURE_SCREENSHOTS=docs $(BIN)/python -m pytest -q -m slow tests/app/test_live_browser.py

samples: $(STAMP)
	$(BIN)/python -m posture.synth.samples sample_videos

clean:
	rm -rf $(VENV)
