"""`synesthesia index | stats | doctor | folders`: the library engine's commands (`search` is
``search.py``). Each handler opens the library, does one thing, and prints text or stable
JSON."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from app.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEMS


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


def shown_path(path: Any) -> str:
    """A path for the terminal: undecodable bytes of a file name shown as escapes."""
    return str(path).encode("utf-8", "backslashreplace").decode("utf-8")


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
            print(f"  {shown_path(e.path)}: {e.reason}")
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
    from core.model import runtime_info

    net = runtime_info(getattr(args, "model", None))
    if args.json:
        emit_json({"problems": real, "unindexable_files": unreadable, "repaired": args.repair,
               "ok": not unfixed, "network": net})
    else:
        print(f"network: {'ONNX Runtime' if net['runtime'] == 'onnx' else 'torch'} on "
              f"{net['device']} (SYNESTHESIA_RUNTIME=onnx|torch chooses)")
        for p in real:
            print(shown_path(p))
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
