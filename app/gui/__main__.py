import multiprocessing
import sys

from app.gui import main

if __name__ == "__main__":  # not again in a spawned worker (speech recognition)
    multiprocessing.freeze_support()
    sys.exit(main())
