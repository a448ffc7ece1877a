"""`synesthesia tag | tags | learn-tag | concepts | export-tags`: tagging across the senses.
Thin over ``core.tagging.LibraryTagger``; heavy imports happen inside the handlers."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.commands.library import ProgressBar, emit_json
from app.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, UsageError


def register(sub: argparse._SubParsersAction) -> None:
    _register_tag(sub)
    _register_tags(sub)
    _register_learn(sub)
    _register_concepts(sub)
    _register_export(sub)


def _register_tag(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tag", help="propose tags from the vocabulary for library items "
                                   "(incremental; proposals wait for you to accept them)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="files or folders of the library to tag")
    p.add_argument("--all", action="store_true", help="tag the whole library")
    p.add_argument("--vocab", action="append", type=Path, default=[], metavar="FILE",
                   help="a vocabulary file of your own, one tag per line (repeatable)")
    p.add_argument("--word", action="append", default=[], metavar="WORD",
                   help="one more tag word (repeatable)")
    p.add_argument("--no-default-vocab", action="store_true",
                   help="use only --vocab files and --word words")
    p.add_argument("--keep-vocab", action="store_true",
                   help="keep the --vocab files and --word words with the library for later "
                        "runs (and the app)")
    p.add_argument("--min-score", type=float, default=0.5, metavar="S",
                   help="propose a tag when its probability is at least S (default 0.5)")
    p.add_argument("--top", type=int, default=5, metavar="K",
                   help="at most K proposals per item (default 5)")
    p.add_argument("--force", action="store_true", help="re-tag items already tagged")
    _common(p, model=True)
    p.set_defaults(handler=_tag)


def _register_tags(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tags", help="show a file's tags; add, accept or reject some")
    p.add_argument("path", type=Path, metavar="PATH")
    p.add_argument("--add", action="append", default=[], metavar="TAG")
    p.add_argument("--accept", action="append", default=[], metavar="TAG")
    p.add_argument("--accept-all", action="store_true", help="accept every proposal")
    p.add_argument("--reject", action="append", default=[], metavar="TAG",
                   help="remove a tag and never propose it again for this file")
    _common(p)
    p.set_defaults(handler=_tags)


def _register_learn(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("learn-tag", help="teach a tag from examples of any kind and propose it "
                                         "for every kind of item")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--positive", nargs="+", type=Path, required=True, metavar="FILE")
    p.add_argument("--negative", nargs="+", type=Path, default=[], metavar="FILE")
    p.add_argument("--min-score", type=float, default=0.5, metavar="S",
                   help="propose where the probability is at least S (default 0.5)")
    _common(p, model=True)
    p.set_defaults(handler=_learn)


def _register_concepts(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("concepts", help="units of the shared layers, their top items per kind "
                                        "and names; units firing across kinds first")
    p.add_argument("--unit", type=int, default=None, metavar="N", help="only unit N")
    p.add_argument("--all", action="store_true", dest="all_units",
                   help="list units that fire for one kind only too (their names are guesses)")
    p.add_argument("--top", type=int, default=5, metavar="K", help="items per kind (default 5)")
    p.add_argument("--limit", type=int, default=20, metavar="M",
                   help="units to show in text output (default 20; --json gives all)")
    _common(p, model=True)
    p.set_defaults(handler=_concepts)


def _register_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-tags", help="write accepted tags to XMP sidecars and/or a "
                                           "CSV or JSON file")
    p.add_argument("--sidecars", action="store_true",
                   help="merge accepted tags into XMP sidecars next to the files")
    p.add_argument("--style", choices=["file.ext.xmp", "file.xmp"], default=None,
                   help="sidecar naming (photo.jpg.xmp or photo.xmp); saved as the library's "
                        "setting")
    p.add_argument("--format", choices=["csv", "json"], default=None,
                   help="write a table of tags in this format")
    p.add_argument("--output", "-o", type=Path, default=None, metavar="FILE",
                   help="where the table goes (default: standard output)")
    p.add_argument("--status", default="accepted",
                   help="comma-separated statuses to export: accepted,proposed,rejected")
    _common(p)
    p.set_defaults(handler=_export)


def _common(p: argparse.ArgumentParser, model: bool = False) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another process using the library")
    if model:
        p.add_argument("--model", type=Path, metavar="CHECKPOINT",
                       help="model checkpoint (default: the bundled one)")


def _open(args: argparse.Namespace, read_only: bool = False) -> Any:
    from core.library import Library

    model = None
    if getattr(args, "model", None):
        from core.model import load_model

        model = load_model(args.model)
    return Library.open(args.library, model=model, read_only=read_only, wait_s=args.wait)


def _items_under(lib: Any, paths: list[Path]) -> list[int]:
    from core.tagging import TaggingError

    rows = lib.store.files.indexed_paths()
    out: list[int] = []
    for given in paths:
        p = given.expanduser().absolute()
        found = [i for i, fp in rows if Path(fp) == p or Path(fp).is_relative_to(p)]
        if not found:
            raise TaggingError(f"{given}: no indexed file of the library is there; "
                               "run `synesthesia index` first")
        out += found
    return sorted(set(out))


def _tag(args: argparse.Namespace, rest: list[str]) -> int:
    from core.tagging import LibraryTagger, load_vocabulary

    if bool(args.paths) == bool(args.all):
        raise UsageError("give files or folders to tag, or --all for the whole library")
    if not 0.0 <= args.min_score <= 1.0:
        raise UsageError("--min-score is a probability between 0 and 1")
    lib = _open(args)
    bar = ProgressBar(not args.json)
    cancel = threading.Event()
    try:
        tagger = LibraryTagger(lib)
        if args.keep_vocab:
            tagger.add_vocabulary(args.word, args.vocab)
        own = tagger.own_vocabulary()
        vocab = load_vocabulary([*own["files"], *args.vocab], [*own["words"], *args.word],
                                include_default=not args.no_default_vocab)
        tagger = LibraryTagger(lib, vocab)
        ids = None if args.all else _items_under(lib, args.paths)
        try:
            report = tagger.tag_library(ids, min_score=args.min_score, top_k=args.top,
                                        force=args.force, progress=bar, cancel=cancel)
        except KeyboardInterrupt:
            cancel.set()
            bar.done()
            print("synesthesia: interrupted; run `synesthesia tag` again to go on",
                  file=sys.stderr)
            return EXIT_INTERRUPTED
        bar.done()
        if args.json:
            data = asdict(report)
            data.pop("best_scores")
            emit_json({"library": str(lib.directory), "vocabulary": len(vocab), **data,
                       "would_tag": {f"{t:g}": report.would_tag(t) for t in (0.3, 0.2, 0.1)}})
            return EXIT_OK
        print(f"tagged {report.items} items in {report.seconds:.1f} s ({report.skipped} "
              f"already tagged): {report.proposed} proposals, {report.imported} sidecar "
              f"keywords imported")
        common = sorted(report.by_tag.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        if common:
            print("most proposed: " + ", ".join(f"{n} ({c})" for n, c in common))
        for kind, how in sorted(report.calibration.items()):
            if how == "fallback":
                print(f"note: no calibration fitted for this model ({kind}s); using the "
                      "conservative fallback", file=sys.stderr)
        for line in report.sidecar_errors:
            print(f"warning: {line}", file=sys.stderr)
        if report.hint():
            print(report.hint().replace("lower the lowest probability of a proposed tag",
                                        f"try --min-score {report.suggested_min_score():g}")
                  .replace("select results, then Tags > Teach a tag",
                           "`synesthesia learn-tag`"), file=sys.stderr)
        print("review with `synesthesia tags FILE` (or the Tags panel of the app)",
              file=sys.stderr)
        return EXIT_OK
    finally:
        lib.close()


def _tags(args: argparse.Namespace, rest: list[str]) -> int:
    from core.tagging import LibraryTagger

    changing = bool(args.add or args.accept or args.reject or args.accept_all)
    lib = _open(args, read_only=not changing)
    try:
        tagger = LibraryTagger(lib)
        (item_id,) = tagger.item_ids([args.path])
        for name in args.add:
            tagger.add_tag(item_id, name)
        names = list(args.accept)
        if args.accept_all:
            names += [t.name for t in tagger.tags(item_id, status="proposed")]
        for name in names:
            tagger.accept(item_id, name)
        for name in args.reject:
            tagger.reject(item_id, name)
        tags = tagger.tags(item_id)
    finally:
        lib.close()
    if args.json:
        emit_json({"path": str(args.path), "item": item_id, "tags": [asdict(t) for t in tags]})
        return EXIT_OK
    for status in ("accepted", "proposed", "rejected"):
        rows = [t for t in tags if t.status == status]
        if rows:
            shown = ", ".join(
                _shown(t.name) + (f" ({t.score:.2f})" if t.score is not None else "")
                for t in rows)
            print(f"{status}: {shown}")
    if not tags:
        print("no tags", file=sys.stderr)
    return EXIT_OK


def _shown(text: str) -> str:
    """``text`` safe for a terminal: control characters (an ANSI escape in a tag name) are
    shown escaped, ``\\x1b``, instead of being sent raw."""
    import unicodedata

    return "".join(c.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)


def _learn(args: argparse.Namespace, rest: list[str]) -> int:
    from core.tagging import LibraryTagger

    lib = _open(args)
    try:
        tagger = LibraryTagger(lib)
        pos = tagger.item_ids(args.positive)
        neg = tagger.item_ids(args.negative)
        report = tagger.learn(args.name, pos, neg, min_score=args.min_score)
    finally:
        lib.close()
    if args.json:
        emit_json(asdict(report))
        return EXIT_OK
    print(f"learned {report.name!r} from {report.positives} examples and {report.negatives} "
          f"counter-examples ({report.background} other items as background) in "
          f"{report.train_seconds * 1000:.0f} ms")
    print("proposed for: " + ", ".join(f"{n} {k}s" for k, n in sorted(report.proposed.items())))
    return EXIT_OK


def _concepts(args: argparse.Namespace, rest: list[str]) -> int:
    from core.tagging import LibraryTagger

    lib = _open(args, read_only=True)
    try:
        units = everything = LibraryTagger(lib).concepts(unit=args.unit, top_k=args.top)
    finally:
        lib.close()
    if args.json:
        emit_json({"units": [u.to_dict() for u in units],
                   "cross_kind_units": sum(1 for u in units if u.cross_kind)})
        return EXIT_OK
    if args.unit is None and not args.all_units:
        units = [u for u in units if u.cross_kind]
    if not units:
        from core.tagging.concepts import no_cross_kind_units

        print(no_cross_kind_units(len(everything)).replace(
            "search for it, or use Auto-tag and Teach a tag",
            "use `synesthesia search`, `tag` or `learn-tag`; `concepts --all` lists the "
            "units anyway"), file=sys.stderr)
        return EXIT_OK
    for u in units[: args.limit if args.unit is None else None]:
        flag = "across kinds" if u.cross_kind else "one kind"
        print(f"unit {u.unit:4}  {u.name or '?':20}  {flag:12}  score {u.score:5.2f}  "
              f"(also: {', '.join(n for n, _ in u.names[1:])})")
        for kind, items in u.top.items():
            if items:
                print(f"    {kind:5}: " + ", ".join(Path(i.path).name for i in items))
    return EXIT_OK


def _write_table(path: Path, text: str) -> None:
    from core.errors import SynesthesiaError

    if not path.parent.is_dir():
        raise SynesthesiaError(f"cannot write {path}: the folder {path.parent} does not exist")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SynesthesiaError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _export(args: argparse.Namespace, rest: list[str]) -> int:
    from core.tagging import LibraryTagger

    if not args.sidecars and args.format is None:
        raise UsageError("say what to export: --sidecars and/or --format csv|json")
    statuses = [s.strip() for s in args.status.split(",") if s.strip()]
    bad = [s for s in statuses if s not in ("accepted", "proposed", "rejected")]
    if bad or not statuses:
        raise UsageError(f"unknown status {bad}; use accepted, proposed, rejected")
    lib = _open(args, read_only=not args.sidecars)
    out: dict[str, Any] = {}
    code = EXIT_OK
    try:
        tagger = LibraryTagger(lib)
        if args.sidecars and args.style:
            tagger.sidecar_style = args.style
        if args.sidecars:
            rep = tagger.export_sidecars(style=args.style)
            out["sidecars"] = asdict(rep)
            if rep.failed:
                code = EXIT_ERROR
            if not args.json:
                print(f"{len(rep.written)} sidecars written", file=sys.stderr)
                if rep.shared_names:
                    print(f"note: {len(rep.shared_names)} files share their name without "
                          "the extension with another file, so they got NAME.EXT.xmp "
                          "sidecars instead of one shared NAME.xmp:", file=sys.stderr)
                    for path in rep.shared_names:
                        print(f"  {path}.xmp", file=sys.stderr)
                for path, why in rep.failed:
                    print(f"synesthesia: error: {path}: {why}", file=sys.stderr)
        if args.format:
            text = tagger.export_table(args.format, statuses)
            if args.output:
                _write_table(args.output, text)
                out["table"] = str(args.output)
            elif args.json and args.format == "json":
                out["tags"] = json.loads(text)
            else:
                sys.stdout.write(text)
    finally:
        lib.close()
    if args.json:
        emit_json(out)
    return code
