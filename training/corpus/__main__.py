"""`python -m training.corpus build [--cache DIR]`: build the offline training corpus."""

from __future__ import annotations

import argparse

from training.corpus.build import build


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m training.corpus")
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="fetch packages and write manifest.jsonl")
    build_cmd.add_argument("--cache", default=None,
                           help="corpus folder (default: $SYNESTHESIA_CACHE/corpus "
                                "or ~/.cache/synesthesia/corpus)")
    demo_cmd = sub.add_parser("demo", help="write resources/demo/ from the built manifest")
    demo_cmd.add_argument("--cache", default=None)
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.cache)
    elif args.command == "demo":
        from training.corpus.demo import build_demo

        print(f"demo library: {len(build_demo(args.cache))} items from the corpus")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
