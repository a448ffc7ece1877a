"""Exit codes of `synesthesia` and the desktop application, stable for scripts."""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1  # a SynesthesiaError: the message says what went wrong and what to do
EXIT_USAGE = 2  # bad arguments (argparse's own code)
EXIT_NO_DISPLAY = 2  # the window cannot open here (no display); a usage problem too
EXIT_BUSY = 3  # another process holds the library
EXIT_PROBLEMS = 4  # doctor found problems it did not repair
EXIT_INTERRUPTED = 130  # Ctrl+C (128 + SIGINT)


class UsageError(Exception):
    """A bad argument value a handler found (argparse finds the others): the command line
    prints the message and exits with EXIT_USAGE, as for any bad argument."""
