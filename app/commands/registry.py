"""Where the subcommands of `synesthesia` come from.

A command module exposes ``register(subparsers)``, which adds its subcommands with
``subparsers.add_parser(...)`` and sets ``handler(args, rest) -> int`` (an exit code of
``app.exit_codes``) with ``set_defaults``; a subcommand that forwards the arguments it
does not know to another parser (``train``, ``eval``) also sets ``passthrough=True``.
A command module imports nothing heavy at the top (torch, Qt, training code): handlers
import what they need, so the command line starts fast.

Two sources, in this order:

- ``BUILTIN``: the app's own modules (library, search, tagging, demo);
- the entry-point group ``synesthesia.commands`` of the installed distributions: each
  entry point names a ``register`` callable, e.g. in pyproject.toml

      [project.entry-points."synesthesia.commands"]
      training = "training.commands:register"

  That is how ``training`` adds ``train`` and ``eval`` without ``app`` importing it
  (app -> core <- training). A plug-in whose package is not installed (an end-user
  build without training) is left out; any other error in it is raised.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from importlib.metadata import entry_points

ENTRY_POINT_GROUP = "synesthesia.commands"
BUILTIN = ["app.commands.library", "app.commands.search", "app.commands.tagging",
           "app.commands.demo"]

Register = Callable[[argparse._SubParsersAction], None]


def plugin_registrars() -> list[tuple[str, Register]]:
    """(entry point name, register callable) of every installed plug-in, by name."""
    out: list[tuple[str, Register]] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            out.append((ep.name, ep.load()))
        except ModuleNotFoundError:
            continue  # its package is not part of this installation
    return out


def registrars() -> list[tuple[str, Register]]:
    """(source, register callable): the built-in modules, then the plug-ins."""
    builtin = [(name, importlib.import_module(name).register) for name in BUILTIN]
    return builtin + plugin_registrars()


def register_all(sub: argparse._SubParsersAction) -> list[str]:
    """Let every command module add its subcommands; returns the sources, in order. A
    name taken twice raises argparse.ArgumentError ("conflicting subparser")."""
    sources = []
    for source, register in registrars():
        register(sub)
        sources.append(source)
    return sources
