#!/usr/bin/env bash
# Removes what install.sh installed on macOS (the application bundle, which holds its own
# environment, and the command's link); keeps the library and settings. NOT RUN (README).
set -euo pipefail
rm -rf "$HOME/Applications/Synesthesia.app"
rm -f "$HOME/.local/bin/synesthesia"
echo "Removed Synesthesia; your library and settings were kept."
