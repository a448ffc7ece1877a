"""Run the `synesthesia` command on the bundled demo library and print a transcript
(for the README): python -m benchmarks.cli_transcript [--model CHECKPOINT]"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "resources" / "demo"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, help="checkpoint (default: the bundled one)")
    args = ap.parse_args()
    model = ["--model", str(args.model)] if args.model else []
    with tempfile.TemporaryDirectory() as tmp:
        lib = ["--library", f"{tmp}/lib"]
        steps = [
            ["index", "resources/demo/photos", "resources/demo/sounds", "resources/demo/notes",
             *model],
            ["index", *model],
            ["search", "rain falling on the window", "-k", "5", *model],
            ["search", "a dog", "--kinds", "image,sound", "-k", "4", *model],
            ["search", "--file", "resources/demo/sounds/cow_mooing.wav", "--kinds", "image",
             "-k", "3", *model],
            ["search", "--file", "resources/demo/photos/sail_boat.png", "--kinds",
             "sound,note", "-k", "3", *model],
            ["search", "dog -beach", "-k", "4", *model],
            ["search", "kind:sound duration:>4s", "-k", "3", *model],
            ["stats"],
            ["doctor"],
        ]
        for step in steps:
            shown = ["synesthesia", *step]
            print("$ " + " ".join(shlex.quote(x) for x in shown))
            r = subprocess.run([sys.executable, "-m", "app.cli", *lib, *step], cwd=REPO,
                               capture_output=True, text=True)
            out = (r.stdout + r.stderr).replace(tmp, "~/.local/share/synesthesia")
            out = out.replace(str(REPO) + "/", "")
            print(out.rstrip())
            print()


if __name__ == "__main__":
    main()
