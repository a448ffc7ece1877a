"""The `synesthesia` command line: subcommands come from the command registry
(``app.commands.registry``: the app's own modules, then the plug-ins of the entry-point
group ``synesthesia.commands``, which is how training adds ``train`` and ``eval``).
Start-up imports neither torch nor Qt nor training; handlers load what they need."""

from __future__ import annotations

import argparse
import errno
import multiprocessing
import sys
from collections.abc import Sequence
from pathlib import Path

from app.commands.registry import register_all
from app.exit_codes import (  # noqa: F401  (the codes are part of this module's interface)
    EXIT_BUSY,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    UsageError,
)
from app.locations import app_version, library_dir


def default_library_dir() -> Path:
    """The library the window opens too: $SYNESTHESIA_LIBRARY, the window's Library location
    setting, else the user data folder's ``library`` (``app.locations``)."""
    return library_dir()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synesthesia",
        description="Search a library of photos, sounds and notes across the senses.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    parser.add_argument("--library", type=Path, default=None, metavar="DIR",
                        help="where the library database lives, given before the command "
                             "(default: $SYNESTHESIA_LIBRARY, else the window's library "
                             "location, else ~/.local/share/synesthesia/library or the "
                             "platform's user data folder)")
    register_all(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # a frozen build's spawned workers start here
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if rest and not getattr(args, "passthrough", False):
        if any(r == "--library" or r.startswith("--library=") for r in rest):
            parser.error("--library goes before the command: synesthesia --library DIR "
                         f"{args.command} ...")
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.library is None:
        args.library = default_library_dir()
    from core.errors import SynesthesiaError

    try:
        return int(handler(args, rest) or EXIT_OK)
    except KeyboardInterrupt:
        print("synesthesia: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as e:
        print(f"synesthesia {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except SynesthesiaError as e:
        from core.library import LibraryBusy

        print(f"synesthesia: error: {e}", file=sys.stderr)
        return EXIT_BUSY if isinstance(e, LibraryBusy) else EXIT_ERROR
    except BrokenPipeError:  # `synesthesia search ... | head`
        return EXIT_OK
    except OSError as e:
        if e.errno != errno.ENOSPC:
            raise
        where = e.filename or args.library
        print(f"synesthesia: error: the disk holding {where} is full; free some space there "
              "and run the command again", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
