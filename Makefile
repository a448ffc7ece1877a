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

# The desktop application on the bundled demo library. Without a display it says so
# and exits with status 2 (try `xvfb-run -a make run`, or the `synesthesia` command).
run: $(STAMP)
	$(PY) -m app.gui

# PNGs of the main window in its main states, from a real window under Xvfb.
.PHONY: screenshots
screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1280x800x24" $(PY) -m app.gui.screenshots docs/screenshots

demo: $(STAMP)
	$(PY) -m app.cli demo

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# Rebuilds resources/models/default.pt from nothing: corpus (Debian packages), teacher
# cache, training, held-out evaluation. Pillow is needed by the corpus builder only.
model: $(STAMP)
	$(PY) -m pip install --quiet -e '.[train]'
	$(PY) -m app.cli train

eval: $(STAMP)
	$(PY) -m app.cli eval

lint: $(STAMP)
	$(VENV)/bin/ruff check app core training tests benchmarks

clean-venv:
	rm -rf $(VENV)
