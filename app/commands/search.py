"""`synesthesia search`: a block of results per kind (photos, sounds, notes, videos), each
ranked by its own kind's relevance (``Library.search_groups``); ``--merged`` gives the one
list of every kind ranked together (``Library.search``)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from app.commands.library import _common, _open, emit_json, shown_path
from app.exit_codes import EXIT_OK, UsageError

QUERY_HELP = """Search by meaning and by words at once, with filters:

  dog -cat tag:garden 2023      words, an excluded word, an accepted tag, a year
  "exact phrase" in:Holidays    a phrase the item must hold; a folder named Holidays
  april 2023  2023-04-12        a month, a day; date:2022..2023  after:2023-04  before:2024
  kind:photo  kind:video  place:paris  camera:canon  duration:>30s  -tag:junk

Filters alone list the items passing them, newest first. Beside --file or --item the text
filters the search by example: --file beach.jpg "2023 kind:photo".

The results come in a block per kind, best first within each; a kind with no good match
shows its closest 3, marked weak. --merged gives one list of all kinds ranked together."""
KIND_NAMES = {"image": "image", "images": "image", "photo": "image", "photos": "image",
              "sound": "sound", "sounds": "sound", "note": "note", "notes": "note",
              "video": "video", "videos": "video"}
SECTION = {"image": "Photos", "sound": "Sounds", "note": "Notes", "video": "Videos"}
SINGULAR = {"image": "photo", "sound": "sound", "note": "note", "video": "video"}
CLOSEST = 3  # results shown of a kind with no good match


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="search the library by text, by example file or by item",
                       description=QUERY_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", nargs="?", help="what to look for, in words and filters (with "
                                           "--file or --item: filters only)")
    p.add_argument("--file", type=Path, help="search by example: an image, sound or note")
    p.add_argument("--item", type=int, help="more like this library item (its id)")
    p.add_argument("--kinds", default="image,sound,note,video",
                   help="comma-separated subset of image,sound,note,video (default: all)")
    p.add_argument("-k", type=int, default=10,
                   help="results per kind (with --merged: in all; default 10)")
    p.add_argument("--folder", type=Path, help="only items under this folder")
    p.add_argument("--tag", help="only items with this accepted tag")
    p.add_argument("--sort", default="relevance",
                   choices=("relevance", "date", "date-oldest", "name"),
                   help="order of the results (default: relevance; filters alone: newest "
                        "first)")
    p.add_argument("--all", action="store_true", dest="show_all",
                   help="also show the weaker results below the good-match cut-off")
    p.add_argument("--merged", action="store_true",
                   help="one list of every kind ranked together, instead of a block per kind")
    _common(p, model=True)
    p.set_defaults(handler=_search)


def _parse_kinds(text: str) -> set[str]:
    out = set()
    for part in text.split(","):
        name = KIND_NAMES.get(part.strip().lower())
        if name is None:
            raise UsageError(f"unknown kind {part.strip()!r}; use image, sound, note, video")
        out.add(name)
    return out


def _query(args: argparse.Namespace) -> Any:
    """The Query of the arguments, checked before the model loads (UsageError)."""
    from core.search import Query, parse_query

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
    if example and parse_query(args.text or "").text:
        raise UsageError("beside --file or --item the text holds only filters (2023, "
                         "tag:beach, kind:photo, in:Holidays); search words on their own")
    return query


def _search(args: argparse.Namespace, rest: list[str]) -> int:
    from core.search import parse_query
    from core.text import read_query

    query = _query(args)
    read = read_query(query.text) if query.text is not None else None
    if read is not None and not args.json:
        for note in read.notes:  # emoji read by their names, words left out, a language
            print(note, file=sys.stderr)
    # no model needed for filters alone, nor for words the text model cannot read
    filters_only = query.text is not None and not parse_query(query.text).text
    words_only = read is not None and read.words_only
    lib = _open(args, read_only=True, need_model=not (filters_only or words_only))
    try:
        t0 = time.perf_counter()
        found = (lib.search(query, k=args.k) if args.merged
                 else lib.search_groups(query, k=args.k))
        ms = (time.perf_counter() - t0) * 1000
    finally:
        lib.close()
    asked = {"text": args.text, "read_as": read and read.text,
             "notes": list(read.notes) if read else [], "file": args.file and str(args.file),
             "item": args.item, "kinds": sorted(query.kinds), "k": args.k}
    if args.json:
        emit_json({"query": asked, "results": [result_json(i + 1, r)
                                               for i, r in enumerate(found)]}
                  if args.merged else {"query": asked, "groups": [_group_json(g)
                                                                  for g in found]})
        return EXIT_OK
    results = found if args.merged else [r for g in found for r in g.results]
    if not results:
        filtered = query.text is not None and parse_query(query.text).filters.active()
        print("no results: no item passes the filters" if filtered else
              "no results (is the library indexed? see `synesthesia stats`)", file=sys.stderr)
        return EXIT_OK
    if args.merged:
        _print_merged(found, args)
    else:
        _print_groups(found, args)
    listed = all(r.found_by == "filter" for r in results)
    print(f"({len(results)} items passing the filters, newest first, in {ms:.0f} ms)" if listed
          else f"({len(results)} results in {ms:.0f} ms, encoding the query included)",
          file=sys.stderr)
    return EXIT_OK


def _print_merged(results: list[Any], args: argparse.Namespace) -> None:
    good = [r for r in results if r.good]
    shown = results if args.show_all else good
    for i, r in enumerate(shown, 1):
        _print_result(i, r)
    _say_cut(len(good), len(results) - len(good), args)


def _print_groups(groups: list[Any], args: argparse.Namespace) -> None:
    """A block per kind that has results: its heading, then its results best first (the
    good ones; all with --all; the closest 3, marked weak, when none is good)."""
    blocks = [g for g in groups if g.results]
    for n, g in enumerate(blocks):
        if n:
            print()
        print(group_heading(g, args.text))
        shown = (g.results if args.show_all else
                 g.results[:CLOSEST] if g.weak_only else [r for r in g.results if r.good])
        for i, r in enumerate(shown, 1):
            _print_result(i, r)
        hidden = len(g.results) - len(shown)
        if hidden and not args.show_all:
            print(f"{'':5}({hidden} weaker; --all shows them)")


def group_heading(group: Any, text: str | None) -> str:
    """e.g. "Sounds: 8 results, 2 good", or "Sounds: no sound matches 'dog' well; closest:"."""
    kind = SECTION.get(group.kind, group.kind)
    if group.results and all(r.found_by == "filter" for r in group.results):
        return f"{kind}: {_count(len(group.results), 'item')}"
    if group.weak_only:
        what = f" '{text}'" if text else " this"
        return f"{kind}: no {SINGULAR.get(group.kind, group.kind)} matches{what} well; closest:"
    return f"{kind}: {_count(len(group.results), 'result')}, {group.good} good"


def _print_result(i: int, r: Any) -> None:
    print(f"{i:3}. {_relevance(r)}  {r.kind:5}  {shown_path(r.path)}{_where(r)}")
    for copy in r.copies:  # copies of the same file: one result
        print(f"{'':28}also at {shown_path(copy)}")


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


def _group_json(g: Any) -> dict:
    """A kind's block: its results with their rank within the kind, its good matches, and
    whether the kind holds more."""
    return {"kind": g.kind, "results": [result_json(g.offset + i + 1, r)
                                        for i, r in enumerate(g.results)],
            "good": g.good, "more": g.more}


def result_json(rank: int, r: Any) -> dict:
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


def _snippet(text: str, n: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"
