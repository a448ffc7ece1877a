"""Tags as a table: CSV or JSON for spreadsheets and scripts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from core.store import Store
from core.tagging.errors import TaggingError

COLUMNS = ("path", "kind", "tag", "source", "score", "status", "model_id")
FORMULA_STARTS = ("=", "+", "-", "@")
"""A spreadsheet reads a CSV cell starting with one of these as a formula."""


def _csv_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading ``'`` (shown as text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(store: Store, statuses: Sequence[str] = ("accepted",)) -> list[dict]:
    """Tag rows joined with file paths: dicts of path, kind, tag, source, score, status,
    model_id; by path and tag."""
    return [dict(zip(COLUMNS, r, strict=True)) for r in store.tags.table(statuses)]


def export_table(store: Store, fmt: str = "csv", statuses: Sequence[str] = ("accepted",)) -> str:
    """All tags of the given statuses as CSV or JSON text. In CSV, text cells starting with
    ``= + - @`` get a leading ``'`` so that a spreadsheet does not run them as formulas."""
    rows = export_rows(store, statuses)
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt != "csv":
        raise TaggingError(f"unknown export format {fmt!r}; use csv or json")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    w.writeheader()
    w.writerows({k: _csv_cell(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()
