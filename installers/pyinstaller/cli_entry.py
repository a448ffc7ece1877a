"""The frozen `synesthesia` executable (PyInstaller): the command line."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a spawned worker (speech recognition) stops here
    from app.cli import main

    sys.exit(main())
