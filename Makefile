# Two entry points: `make run` (the application on the demo library) and `make test`.
# Both create .venv and install what is needed on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test demo model eval lint bench clean-venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m app.cli demo

demo: $(STAMP)
	$(PY) -m app.cli demo

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

model: $(STAMP)
	$(PY) -m app.cli train

eval: $(STAMP)
	$(PY) -m app.cli eval

lint: $(STAMP)
	$(VENV)/bin/ruff check app core training tests benchmarks

clean-venv:
	rm -rf $(VENV)
