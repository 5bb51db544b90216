"""Damaging a real session database the way a bad disk sector does: garbage over one page."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def corrupt_rows_of(db_path: Path, table: str, session_id: int) -> int:
    """Write garbage over a leaf page of ``table`` that holds rows of ``session_id`` only.

    Rows are stored in rowid order, so the leaves (in b-tree order, from SQLite's ``dbstat``)
    hold consecutive rowid ranges of ``ncell`` rows each. Returns how many of the session's
    rows the page held. The database must be checkpointed (no ``-wal`` content).
    """
    db = sqlite3.connect(db_path)
    try:
        rowids = [
            r[0]
            for r in db.execute(f"SELECT rowid FROM {table} WHERE session_id = ?", (session_id,))
        ]
        leaves = db.execute(
            "SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path",
            (table,),
        ).fetchall()
        all_rowids = [r[0] for r in db.execute(f"SELECT rowid FROM {table} ORDER BY rowid")]
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        db.close()
    mine = set(rowids)
    first = 0
    for pageno, ncell in leaves:
        held = all_rowids[first : first + ncell]
        first += ncell
        if held and mine.issuperset(held):
            with open(db_path, "r+b") as fh:
                fh.seek((pageno - 1) * page_size + 8)  # keep the page header's type byte
                fh.write(b"\xff" * (page_size - 16))
            return len(held)
    raise AssertionError(f"no leaf page of {table} holds only rows of session {session_id}")
