"""The `synesthesia` command line: subcommands registered by the modules listed in
COMMAND_MODULES, each exposing ``register(subparsers)``. A subcommand sets
``handler(args, rest) -> int`` with ``set_defaults``; one that forwards unknown
arguments to another parser (train, eval) also sets ``passthrough=True``.
Start-up imports neither torch nor Qt; handlers load what they need."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

COMMAND_MODULES = ["app.commands.library", "app.commands.model", "app.commands.tagging"]

# Exit codes, stable for scripts.
EXIT_OK = 0
EXIT_ERROR = 1  # a SynesthesiaError: the message says what went wrong and what to do
EXIT_USAGE = 2  # bad arguments (argparse's own code)
EXIT_BUSY = 3  # another process holds the library
EXIT_PROBLEMS = 4  # doctor found problems it did not repair
EXIT_INTERRUPTED = 130


def default_library_dir() -> Path:
    """$SYNESTHESIA_LIBRARY, else the platform's user data folder."""
    env = os.environ.get("SYNESTHESIA_LIBRARY")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("synesthesia", appauthor=False))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synesthesia",
        description="Search a library of photos, sounds and notes across the senses.")
    parser.add_argument("--library", type=Path, default=None, metavar="DIR",
                        help="where the library database lives (default: $SYNESTHESIA_LIBRARY "
                             "or the user data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if rest and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.library is None:
        args.library = default_library_dir()
    from core.errors import SynesthesiaError

    try:
        return int(handler(args, rest) or 0)
    except KeyboardInterrupt:
        print("synesthesia: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SynesthesiaError as e:
        from core.library import LibraryBusy

        print(f"synesthesia: error: {e}", file=sys.stderr)
        return EXIT_BUSY if isinstance(e, LibraryBusy) else EXIT_ERROR
    except BrokenPipeError:  # `synesthesia search ... | head`
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
