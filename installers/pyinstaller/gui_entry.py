"""The frozen `synesthesia-gui` executable (PyInstaller): the window."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a spawned worker (speech recognition) stops here
    from app.gui import main

    sys.exit(main())
