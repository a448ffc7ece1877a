#!/usr/bin/env bash
# The one-folder frozen build (PyInstaller): dist/synesthesia/ with the executables
# synesthesia and synesthesia-gui and everything they need, no Python required on the machine.
# Runs PyInstaller 6.16.0 (the version the lock's `test` extra pins) in the locked environment
# (.venv, from uv.lock), as `make bundle` does:
#   uv run --locked --with pyinstaller==6.16.0 python -m PyInstaller ... synesthesia.spec
# PYINSTALLER="python -m PyInstaller" (an environment that has it and the locked packages)
# replaces the uv run: tests/test_bundle.py builds that way with the test environment's Python.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$repo/dist}"
cd "$repo"
if [ -n "${PYINSTALLER:-}" ]; then
    run=($PYINSTALLER)
else
    uv="${UV:-$(command -v uv || echo "$repo/.venv-tools/bin/uv")}"
    run=("$uv" run --locked --with pyinstaller==6.16.0 python -m PyInstaller)
fi
"${run[@]}" --noconfirm --distpath "$out" --workpath "$out/pyinstaller-work" \
    installers/pyinstaller/synesthesia.spec
rm -rf "$out/pyinstaller-work"
echo "$out/synesthesia"
