"""`synesthesia index | search | stats | doctor | folders`: the library engine's commands.
Each handler opens the library, does one thing, and prints text or stable JSON."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from app.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEMS, UsageError

QUERY_HELP = """Search by meaning and by words at once, with filters:

  dog -cat tag:garden 2023      words, an excluded word, an accepted tag, a year
  "exact phrase" in:Holidays    a phrase the item must hold; a folder named Holidays
  april 2023  2023-04-12        a month, a day; date:2022..2023  after:2023-04  before:2024
  kind:photo  kind:video  place:paris  camera:canon  duration:>30s  -tag:junk

Filters alone list the items passing them, newest first. Beside --file or --item the text
filters the search by example: --file beach.jpg "2023 kind:photo"."""
KIND_NAMES = {"image": "image", "images": "image", "sound": "sound", "sounds": "sound",
              "note": "note", "notes": "note", "video": "video", "videos": "video"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="add folders to the library and index new or changed "
                                     "files (all library folders when none is given)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="leave out files or folders matching GLOB (repeatable)")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="decode and embed on a Ray cluster (HOST:PORT of its head, ray://HOST:"
                        "PORT, or auto); its workers must see the library folders at the same "
                        "paths. Needs the `cluster` extra")
    _common(p, model=True)
    p.set_defaults(handler=_index)

    p = sub.add_parser("search", help="search the library by text, by example file or by item",
                       description=QUERY_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", nargs="?", help="what to look for, in words and filters (with "
                                           "--file or --item: filters only)")
    p.add_argument("--file", type=Path, help="search by example: an image, sound or note")
    p.add_argument("--item", type=int, help="more like this library item (its id)")
    p.add_argument("--kinds", default="image,sound,note,video",
                   help="comma-separated subset of image,sound,note,video (default: all)")
    p.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--folder", type=Path, help="only items under this folder")
    p.add_argument("--tag", help="only items with this accepted tag")
    p.add_argument("--sort", default="relevance",
                   choices=("relevance", "date", "date-oldest", "name"),
                   help="order of the results (default: relevance; filters alone: newest "
                        "first)")
    p.add_argument("--all", action="store_true", dest="show_all",
                   help="also show the weaker results below the good-match cut-off")
    _common(p, model=True)
    p.set_defaults(handler=_search)

    p = sub.add_parser("stats", help="what the library holds, and the files it cannot index")
    _common(p)
    p.set_defaults(handler=_stats)

    p = sub.add_parser("doctor", help="check the database, the search indexes and the files "
                                      "on disk against each other")
    p.add_argument("--repair", action="store_true", help="fix what can be fixed")
    _common(p)
    p.set_defaults(handler=_doctor)

    p = sub.add_parser("folders", help="list library folders, or remove one")
    p.add_argument("--remove", type=Path, metavar="PATH",
                   help="forget this folder and its items (files are not touched)")
    _common(p)
    p.set_defaults(handler=_folders)


def _common(p: argparse.ArgumentParser, model: bool = False) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another process using the library (default: "
                        "fail at once)")
    if model:
        p.add_argument("--model", type=Path, metavar="CHECKPOINT",
                       help="model checkpoint (default: the bundled one)")


def _open(args: argparse.Namespace, read_only: bool, need_model: bool = False) -> Any:
    from core.library import Library

    model = None
    if need_model:
        from core.model import load_model

        model = load_model(args.model) if getattr(args, "model", None) else load_model()
    return Library.open(args.library, model=model, read_only=read_only, wait_s=args.wait)


def emit_json(data: Any) -> None:
    """Write `data` as JSON to stdout, the `--json` output of every command."""
    # ASCII escapes: valid JSON whatever the terminal's encoding or the file names' bytes.
    json.dump(data, sys.stdout, indent=1, ensure_ascii=True, default=str)
    sys.stdout.write("\n")


class ProgressBar:
    """A one-line progress bar on stderr (only when stderr is a terminal), for indexing and
    tagging progress alike: done, total, phase, and eta_s, current, kind where present."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.width = 0

    def __call__(self, p: Any) -> None:
        if not self.enabled:
            return
        eta_s = getattr(p, "eta_s", None)
        current = getattr(p, "current", None)
        phase = f"{p.phase} ({p.kind}s)" if getattr(p, "kind", None) else p.phase
        if p.total:
            frac = p.done / p.total
            bar = "#" * int(frac * 24) + "." * (24 - int(frac * 24))
            eta = f" ETA {int(eta_s) // 60}:{int(eta_s) % 60:02d}" if eta_s else ""
            line = f"{phase:9} [{bar}] {p.done}/{p.total}{eta}"
        else:
            line = f"{phase}..."
        if current is not None:
            line += f"  {current.name}"
        line = line[:100]
        sys.stderr.write("\r" + line.ljust(self.width))
        self.width = len(line)
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")


def _index(args: argparse.Namespace, rest: list[str]) -> int:
    from dataclasses import asdict

    bar = ProgressBar(not args.json)
    lib = _open(args, read_only=False, need_model=True)
    cancel = threading.Event()
    try:
        for p in args.paths:
            lib.add_folder(p, exclude=args.exclude)
        if not lib.folders():
            print("synesthesia: error: the library has no folders; give one: "
                  "synesthesia index ~/Pictures", file=sys.stderr)
            return EXIT_ERROR
        try:
            report = lib.index(progress=bar, cancel=cancel, cluster=_cluster(args))
        except KeyboardInterrupt:
            # Stop cleanly: what is embedded so far is kept, the next run resumes.
            cancel.set()
            bar.done()
            print("synesthesia: interrupted; run `synesthesia index` again to resume",
                  file=sys.stderr)
            return EXIT_INTERRUPTED
        bar.done()
        if args.json:
            emit_json({"library": str(lib.directory), **asdict(report)})
        else:
            print(f"indexed in {report.seconds:.1f} s: {report.added} added, {report.updated} "
                  f"updated, {report.moved} moved, {report.copied} copies, {report.removed} "
                  f"removed, {report.unchanged} unchanged, {report.failed} failed")
            for line in report.problems:
                print(f"warning: {line}", file=sys.stderr)
            if report.failed:
                print("see `synesthesia stats` for the files that could not be indexed",
                      file=sys.stderr)
        return EXIT_OK
    finally:
        lib.close()


def _cluster(args: argparse.Namespace) -> Any:
    if not args.cluster:
        return None
    from core.cluster import ClusterOptions

    return ClusterOptions(args.cluster, checkpoint=args.model)


def _parse_kinds(text: str) -> set[str]:
    out = set()
    for part in text.split(","):
        name = KIND_NAMES.get(part.strip().lower())
        if name is None:
            raise UsageError(f"unknown kind {part.strip()!r}; use image, sound, note, video")
        out.add(name)
    return out


def _search(args: argparse.Namespace, rest: list[str]) -> int:
    from core.search import Query, parse_query
    from core.text import read_query

    example = args.file is not None or args.item is not None
    if (args.file is not None and args.item is not None) or not (example or args.text):
        raise UsageError('give exactly one of: "text", --file FILE, --item ID (text beside '
                         '--file or --item filters it)')
    if args.k < 1:
        raise UsageError("-k must be at least 1")
    query = Query(text=None if example else args.text, file=args.file, item_id=args.item,
                  kinds=_parse_kinds(args.kinds), folder=args.folder, tag=args.tag,
                  filter_text=args.text if example else None, sort=args.sort)
    query.validate()  # a filter or a language it cannot read fails before the model loads
    read = read_query(query.text) if query.text is not None else None
    if read is not None and not args.json:
        for note in read.notes:  # emoji read by their names, words left out, a language
            print(note, file=sys.stderr)
    if example and parse_query(args.text or "").text:
        raise UsageError("beside --file or --item the text holds only filters (2023, "
                         "tag:beach, kind:photo, in:Holidays); search words on their own")
    # no model needed for filters alone, nor for words the text model cannot read
    filters_only = not example and not parse_query(args.text).text
    words_only = read is not None and read.words_only
    lib = _open(args, read_only=True, need_model=not (filters_only or words_only))
    try:
        t0 = time.perf_counter()
        results = lib.search(query, k=args.k)
        ms = (time.perf_counter() - t0) * 1000
    finally:
        lib.close()
    if args.json:
        emit_json({"query": {"text": args.text, "read_as": read and read.text,
                             "notes": list(read.notes) if read else [],
                             "file": args.file and str(args.file),
                         "item": args.item, "kinds": sorted(query.kinds), "k": args.k},
               "results": [_result_json(i + 1, r) for i, r in enumerate(results)]})
        return EXIT_OK
    if not results:
        filtered = query.text is not None and parse_query(query.text).filters.active()
        print("no results: no item passes the filters" if filtered else
              "no results (is the library indexed? see `synesthesia stats`)", file=sys.stderr)
        return EXIT_OK
    good = [r for r in results if r.good]
    shown = results if args.show_all else good
    for i, r in enumerate(shown, 1):
        print(f"{i:3}. {_relevance(r)}  {r.kind:5}  {_show(r.path)}{_where(r)}")
        for copy in r.copies:  # copies of the same file: one result
            print(f"{'':28}also at {_show(copy)}")
    _say_cut(len(good), len(results) - len(good), args)
    listed = all(r.found_by == "filter" for r in results)
    print(f"({len(results)} items passing the filters, newest first, in {ms:.0f} ms)" if listed
          else f"({len(results)} results in {ms:.0f} ms, encoding the query included)",
          file=sys.stderr)
    return EXIT_OK


def _say_cut(good: int, weaker: int, args: argparse.Namespace) -> None:
    """On stderr: how many results were below the good-match cut-off, and what to try."""
    more = "" if args.show_all else " (--all shows them)"
    if not good and weaker:
        hint = (". Try other words, a longer description (\"a dog barking\"), or other kinds"
                if args.text is not None else "")
        print(f"no good match; {_count(weaker, 'weaker result')}{more}{hint}.", file=sys.stderr)
    elif weaker and not args.show_all:
        print(f"{_count(good, 'good match', 'good matches')}, {weaker} weaker{more}",
              file=sys.stderr)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _relevance(r: Any) -> str:
    """e.g. " 3.4 good  0.553": the relevance (standard deviations above the other items of
    its kind), whether it is a good match, the cosine."""
    if r.found_by == "filter":  # listed by filters alone: no relevance to show
        return f"{'':4} {'':4}  {'-':>6}"
    pct = f"{r.relevance:4.1f}" if r.relevance is not None else "   -"
    score = f"{r.score:6.3f}"
    return f"{pct} {'good' if r.good else 'weak'}  {score}"


def _where(r: Any) -> str:
    """Where it matched (a sound's moment, a note's passage) and how it was found."""
    where = ""
    if r.segment is not None and r.segment.start_s is not None:
        where = f"  {r.segment.moment_text}"
    elif r.segment is not None and r.segment.text and r.segment.char_start:
        where = f'  "{_snippet(r.segment.text)}"'
    return where + {"words": " [words]", "both": " [words+meaning]"}.get(r.found_by, "")


def _result_json(rank: int, r: Any) -> dict:
    seg = None
    if r.segment is not None:
        seg = {"start_s": r.segment.start_s, "end_s": r.segment.end_s, "text": r.segment.text,
               "char_start": r.segment.char_start, "char_end": r.segment.char_end,
               "track": r.segment.track, "moment": r.segment.moment_text}
    return {"rank": rank, "item_id": r.item_id, "path": str(r.path), "kind": r.kind,
            "score": round(r.score, 6), "segment": seg, "tags": list(r.tags),
            "copies": [str(p) for p in r.copies], "found_by": r.found_by,
            "relevance": None if r.relevance is None else round(r.relevance, 4),
            "top": None if r.top is None else round(r.top, 4), "good": bool(r.good)}


def _show(path: Any) -> str:
    """A path for the terminal: undecodable bytes of a file name shown as escapes."""
    return str(path).encode("utf-8", "backslashreplace").decode("utf-8")


def _snippet(text: str, n: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def _stats(args: argparse.Namespace, rest: list[str]) -> int:
    lib = _open(args, read_only=True)
    try:
        stats = lib.stats()
        errors = lib.errors()
    finally:
        lib.close()
    if args.json:
        emit_json({**stats, "error_files": [{"path": str(e.path), "reason": e.reason,
                                         "when": e.when} for e in errors]})
        return EXIT_OK
    print(f"library      {stats['library']}")
    print(f"folders      {len(stats['folders'])}")
    for f in stats["folders"]:
        print(f"  {f}")
    print(f"items        {stats['images']} images, {stats['sounds']} sounds, "
          f"{stats['notes']} notes, {stats['videos']} videos ({stats['segments']} vectors)")
    print(f"model        {stats['model_id'] or '(none yet)'}"
          + (f", {stats['stale']} items to re-embed" if stats["stale"] else ""))
    print(f"size         {stats['database_bytes'] / 1e6:.1f} MB database, "
          f"{stats['index_bytes'] / 1e6:.1f} MB search index")
    for kind, x in stats["indexes"].items():
        print(f"  {kind + 's':12} {x['vectors']} vectors, {x['memory_bytes'] / 1e6:.1f} MB in "
              f"memory when searched ({x['searched_by']}), {x['file_bytes'] / 1e6:.1f} MB file")
    if stats["last_index"]:
        print(f"last index   {time.strftime('%Y-%m-%d %H:%M', time.localtime(stats['last_index']))}")
    if errors:
        print(f"cannot index {len(errors)} files:")
        for e in errors:
            print(f"  {_show(e.path)}: {e.reason}")
    return EXIT_OK


def _doctor(args: argparse.Namespace, rest: list[str]) -> int:
    lib = _open(args, read_only=not args.repair)
    try:
        problems = lib.doctor(repair=args.repair)
    finally:
        lib.close()
    unreadable = [p for p in problems if p.startswith("cannot index ")]
    real = [p for p in problems if p not in unreadable]
    unfixed = [p for p in real if not p.endswith(")")] if args.repair else real
    if args.json:
        emit_json({"problems": real, "unindexable_files": unreadable, "repaired": args.repair,
               "ok": not unfixed})
    else:
        for p in real:
            print(_show(p))
        if unreadable:
            print(f"{len(unreadable)} files cannot be indexed (see `synesthesia stats`)")
        if not real:
            print("the library is consistent")
        elif not args.repair:
            print("run `synesthesia doctor --repair` to fix these")
    return EXIT_PROBLEMS if unfixed else EXIT_OK


def _folders(args: argparse.Namespace, rest: list[str]) -> int:
    lib = _open(args, read_only=args.remove is None)
    try:
        if args.remove is not None and not lib.remove_folder(args.remove):
            from core.errors import SynesthesiaError

            raise SynesthesiaError(f"{args.remove} is not a library folder; see "
                                   "`synesthesia folders`")
        folders = [str(p) for p in lib.folders()]
    finally:
        lib.close()
    if args.json:
        emit_json({"folders": folders})
    else:
        print("\n".join(folders) if folders else "(no folders; add one with "
                                                 "`synesthesia index PATH`)")
    return EXIT_OK
