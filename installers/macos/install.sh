#!/usr/bin/env bash
# Installs Synesthesia for this user on macOS (Apple silicon: torch 2.11.0 has no Intel macOS
# wheels) from the folder this script is in (made by `installers/build.sh macos`), the same
# way installers/linux/install.sh does on Linux:
#   ~/Applications/Synesthesia.app                   the window's application bundle; the
#                                                     locked dependencies and the wheel in its
#                                                     Contents/Resources/venv
#   ~/.local/bin/synesthesia                          the command line
# (Not in ~/Library/Application Support/Synesthesia: on a case-insensitive disk that is the
# library's own folder, ~/Library/Application Support/synesthesia.)
# Your library and settings (~/Library/Application Support/synesthesia, the
# com.synesthesia.synesthesia preferences) are kept by uninstall.sh.
# NOT RUN: written on Linux, where it could not be tried (see the README).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle="$HOME/Applications/Synesthesia.app"
app="$bundle/Contents/Resources"
python="${PYTHON:-python3}"
offline=()
[ "${1:-}" = "--offline" ] && offline=(--offline)
uv="${UV:-$(command -v uv || true)}"
if [ -z "$uv" ]; then
    tools="$(mktemp -d)"
    "$python" -m venv "$tools" && "$tools/bin/python" -m pip install --quiet uv==0.13.9
    uv="$tools/bin/uv"
fi
wheel="$(ls "$here"/synesthesia-*-py3-none-any.whl | head -n 1)"
rm -rf "$bundle"
mkdir -p "$bundle/Contents/MacOS" "$app" "$HOME/.local/bin"
"$uv" venv --quiet --python "$python" "$app/venv"
"$uv" pip sync --quiet "${offline[@]}" --require-hashes --python "$app/venv/bin/python" "$here/requirements.txt"
"$uv" pip install --quiet "${offline[@]}" --no-deps --python "$app/venv/bin/python" "$wheel"
icons="$("$app/venv/bin/python" -c 'from core.resources import resource; print(resource("icons"))')"
cp "$icons/synesthesia.icns" "$bundle/Contents/Resources/synesthesia.icns"
cat > "$bundle/Contents/MacOS/synesthesia" <<LAUNCH
#!/bin/sh
exec "$app/venv/bin/synesthesia-gui" "\$@"
LAUNCH
chmod 755 "$bundle/Contents/MacOS/synesthesia"
version="$("$app/venv/bin/synesthesia" --version | cut -d' ' -f2)"
cat > "$bundle/Contents/Info.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>CFBundleName</key><string>Synesthesia</string>
  <key>CFBundleIdentifier</key><string>com.synesthesia.synesthesia</string>
  <key>CFBundleVersion</key><string>$version</string>
  <key>CFBundleShortVersionString</key><string>$version</string>
  <key>CFBundleExecutable</key><string>synesthesia</string>
  <key>CFBundleIconFile</key><string>synesthesia</string>
  <key>CFBundlePackageType</key><string>APPL</string>
  <key>NSMicrophoneUsageDescription</key><string>Search by a sound or by words you say.</string>
</dict></plist>
PLIST
ln -sfn "$app/venv/bin/synesthesia" "$HOME/.local/bin/synesthesia"
cp "$here/uninstall.sh" "$app/uninstall.sh"
echo "Installed synesthesia $version: Synesthesia in ~/Applications; command line ~/.local/bin/synesthesia"
