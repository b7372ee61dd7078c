# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8501
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: install ingest run test eval eval-blind train-guard train-head train-encoder bench bench-quick load browser lint clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing into $(VENV) (torch is pinned to the CPU build; about 2 minutes the first time)"
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	@echo "Exporting the bundled MiniLM to ONNX (fp32 + int8, once per machine, offline)"
	$(PY) -m bot.retrieval.onnx_model
	$(PY) -m bot.safety.encoder
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

ingest: install
	$(PY) ingest.py

# `streamlit run app.py`, with the encoder and index loading while the server starts (bot.front.serve).
run: ingest
	$(PY) -m bot.front.serve --server.address $(HOST) --server.port $(PORT) --server.headless true

# Debian's chromium for the real-browser test (playwright cannot download browsers here), found
# on PATH as tests/test_browser.py finds it, and axe-core from npm for its accessibility check.
# Under CI=true a missing browser or axe-core fails here (and the test fails rather than skip).
AXE := .cache/axe/node_modules/axe-core/axe.min.js
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian chromium for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "could not install chromium"; [ "$$CI" != "true" ] || exit 1; \
	       echo "WARNING: the browser test will be skipped"; }; }
	@test -f $(AXE) || npm install --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4 >/dev/null \
	  || { echo "could not install axe-core"; [ "$$CI" != "true" ] || exit 1; }

lint: install
	$(PY) -m ruff check .

test: install browser
	$(PY) -m ruff check .
	$(PY) -m pytest -q

eval: install
	$(PY) -m evals run evals/sets/*.jsonl --out data/eval-report

# Blind, leave-one-source-out report of the crisis screen's model; needs ../shared/data/crisis/
# (not part of `make test`). train-guard also rewrites bot/safety/data/guard_weights.npz.
eval-blind: install
	$(PY) -m evals.train_guard --blind-only

train-guard: install
	$(PY) -m evals.train_guard

# The screen's patient-words head (bot/safety/head.py): team-written rows only, no data folder needed.
train-head: install
	$(PY) -m evals.train_head

# The screen's tuned encoder (bot/safety/encoder.py): team-written rows only, about 3 minutes.
train-encoder: install
	HF_HUB_OFFLINE=1 $(PY) -m evals.train_encoder

bench: install
	$(PY) -m bench

bench-quick: install
	$(PY) -m bench --quick

# 20 patients at once in real browsers against the served app (bench runs it too).
load: install browser
	$(PY) -m bench.load --contexts 20

clean:
	rm -rf data test-artifacts .pytest_cache .ruff_cache
