"""`synesthesia train` and `synesthesia eval`: training's own subcommands.

The command line finds them through the entry-point group ``synesthesia.commands``
(pyproject.toml: ``training = "training.commands:register"``; see
app/commands/registry.py), so the app never imports training. Nothing heavy is
imported here: each handler imports its training module when it runs."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``train`` and ``eval``; their own parsers read the arguments (passthrough)."""
    p = sub.add_parser("train", help="train the aligned network from the offline corpus",
                       add_help=False)
    p.set_defaults(handler=_train, passthrough=True)
    p = sub.add_parser("eval", help="held-out retrieval metrics in all six directions",
                       add_help=False)
    p.set_defaults(handler=_eval, passthrough=True)
    p = sub.add_parser("adapt", help="fine-tune the sound tower on the library's own videos",
                       add_help=False)
    p.set_defaults(handler=_adapt, passthrough=True)


def _need_torch(what: str) -> None:
    """Training runs on torch; the base install runs the networks on ONNX Runtime and has
    none, so say what to install rather than fail on an import."""
    import importlib.util

    from core.errors import SynesthesiaError

    if importlib.util.find_spec("torch") is None:
        raise SynesthesiaError(f"{what} needs torch, which this installation does not have; "
                               "install the `train` extra (pip install 'synesthesia[train]')")


def _train(args: argparse.Namespace, rest: list[str]) -> int:
    _need_torch("training")
    from training.train import main

    return main(rest)


def _eval(args: argparse.Namespace, rest: list[str]) -> int:
    _need_torch("the held-out evaluation")
    from training.evaluate import main

    return main(rest)


def _adapt(args: argparse.Namespace, rest: list[str]) -> int:
    _need_torch("adapting the model to a library")
    from training.adapt import main

    return main(rest, args.library)
