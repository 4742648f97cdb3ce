"""Local history of analyses: an embedded SQLite file, one row per runner, session and clip.

The database path is, in order: the ``path`` argument, the ``POSTURE_DB`` environment
variable, or ``history.sqlite`` in the user data folder. Nothing leaves the machine.
Deleting a runner removes their sessions and analyses and overwrites the freed pages
(``secure_delete``) so the data are really gone from the file.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from posture.report.export import analysis_from_dict, to_jsonable
from posture.results import ClipAnalysis

ENV_VAR = "POSTURE_DB"

#: Clip-level numbers kept as columns so sessions can be listed and charted without JSON.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "cadence_spm", "trunk_lean_deg", "overstride_pct_leg", "lumbar_arch_pct",
    "lateral_sway_pct_hip", "pelvic_drop_deg",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runners (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    height_m REAL,
    created_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    runner_id INTEGER NOT NULL REFERENCES runners(id) ON DELETE CASCADE,
    session_date TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    comparison_json TEXT,
    findings_json TEXT,
    created_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS analyses (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    clip_name TEXT NOT NULL,
    role TEXT NOT NULL,
    view TEXT NOT NULL,
    n_strides INTEGER NOT NULL,
    analysis_json TEXT NOT NULL,
    cadence_spm REAL, trunk_lean_deg REAL, overstride_pct_leg REAL, lumbar_arch_pct REAL,
    lateral_sway_pct_hip REAL, pelvic_drop_deg REAL
);
CREATE INDEX IF NOT EXISTS sessions_by_runner ON sessions(runner_id, session_date);
"""


def default_db_path() -> Path:
    """``$POSTURE_DB`` if set, else ``history.sqlite`` in the user data folder."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("stride-posture", appauthor=False)) / "history.sqlite"


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def clip_summary(analysis: ClipAnalysis) -> dict[str, float | None]:
    """Median per stride of each summary column (the clip summary value when it has one)."""
    out: dict[str, float | None] = {}
    for c in SUMMARY_COLUMNS:
        v = analysis.summary.get(c)
        if (v is None or not np.isfinite(v)) and c in analysis.strides.columns:
            col = analysis.strides[c].to_numpy(dtype=float)
            v = float(np.nanmedian(col)) if np.isfinite(col).any() else None
        out[c] = float(v) if v is not None and np.isfinite(v) else None
    return out


@dataclass(frozen=True)
class StoredClip:
    clip_name: str
    role: str
    """``"single"`` (early vs late in one clip), ``"fresh"`` or ``"fatigued"``."""
    analysis: ClipAnalysis


@dataclass(frozen=True)
class StoredSession:
    session_id: int
    runner: str
    session_date: date
    label: str
    clips: list[StoredClip]
    comparison: Any
    """The comparison as saved (plain JSON values)."""
    findings: Any


class History:
    """Runners, sessions and analyses in one SQLite file.

    Parameters
    ----------
    path : database file; ``None`` uses :func:`default_db_path`. ``":memory:"`` for tests.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else str(default_db_path())
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, check_same_thread=False)
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA secure_delete = ON")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        with self._conn:
            yield self._conn.cursor()

    # ------------------------------------------------------------------ runners
    def _runner_id(self, cur: sqlite3.Cursor, name: str, height_m: float | None) -> int:
        key = _name_key(name)
        if not key:
            raise ValueError("a runner name is needed to save to the history")
        row = cur.execute("SELECT id FROM runners WHERE name_key = ?", (key,)).fetchone()
        if row:
            if height_m:
                cur.execute("UPDATE runners SET height_m = ? WHERE id = ?", (height_m, row[0]))
            return int(row[0])
        cur.execute("INSERT INTO runners (name, name_key, height_m, created_utc) "
                    "VALUES (?, ?, ?, ?)", (" ".join(name.split()), key, height_m, _now()))
        return int(cur.lastrowid)

    def runners(self) -> list[str]:
        """Runner names, alphabetically."""
        rows = self._conn.execute("SELECT name FROM runners ORDER BY name_key").fetchall()
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ sessions
    def save_session(self, runner: str, clips: list[StoredClip], *,
                     session_date: date | None = None, label: str = "",
                     comparison: Any = None, findings: Any = None,
                     height_m: float | None = None) -> int:
        """Store one session (one or two clips plus their comparison); returns its id."""
        if not clips:
            raise ValueError("a session needs at least one analysed clip")
        day = (session_date or date.today()).isoformat()
        with self._tx() as cur:
            rid = self._runner_id(cur, runner, height_m)
            cur.execute(
                "INSERT INTO sessions (runner_id, session_date, label, comparison_json, "
                "findings_json, created_utc) VALUES (?, ?, ?, ?, ?, ?)",
                (rid, day, label, json.dumps(to_jsonable(comparison)),
                 json.dumps(to_jsonable(findings)), _now()))
            sid = int(cur.lastrowid)
            for clip in clips:
                s = clip_summary(clip.analysis)
                cur.execute(
                    "INSERT INTO analyses (session_id, clip_name, role, view, n_strides, "
                    "analysis_json, " + ", ".join(SUMMARY_COLUMNS) + ") VALUES "
                    "(?, ?, ?, ?, ?, ?" + ", ?" * len(SUMMARY_COLUMNS) + ")",
                    (sid, clip.clip_name, clip.role, clip.analysis.view.view,
                     clip.analysis.n_strides, json.dumps(to_jsonable(clip.analysis)),
                     *[s[c] for c in SUMMARY_COLUMNS]))
        return sid

    def sessions(self, runner: str) -> pd.DataFrame:
        """One row per stored clip of the runner, oldest first, with the key numbers.

        Columns: ``session_id``, ``session_date``, ``label``, ``clip_name``, ``role``,
        ``view``, ``n_strides`` and :data:`SUMMARY_COLUMNS`.
        """
        cols = ", ".join(f"a.{c}" for c in SUMMARY_COLUMNS)
        q = (f"SELECT s.id AS session_id, s.session_date, s.label, a.clip_name, a.role, "
             f"a.view, a.n_strides, {cols} FROM sessions s "
             "JOIN runners r ON r.id = s.runner_id JOIN analyses a ON a.session_id = s.id "
             "WHERE r.name_key = ? ORDER BY s.session_date, s.id, a.id")
        df = pd.read_sql_query(q, self._conn, params=(_name_key(runner),))
        df["session_date"] = pd.to_datetime(df["session_date"]).dt.date
        return df

    def load_session(self, session_id: int) -> StoredSession:
        """Reopen a stored session with its full analyses."""
        row = self._conn.execute(
            "SELECT s.id, r.name, s.session_date, s.label, s.comparison_json, s.findings_json "
            "FROM sessions s JOIN runners r ON r.id = s.runner_id WHERE s.id = ?",
            (session_id,)).fetchone()
        if row is None:
            raise KeyError(f"no stored session with id {session_id}")
        clips = [
            StoredClip(name, role, analysis_from_dict(json.loads(blob)))
            for name, role, blob in self._conn.execute(
                "SELECT clip_name, role, analysis_json FROM analyses WHERE session_id = ? "
                "ORDER BY id", (session_id,))
        ]
        return StoredSession(int(row[0]), row[1], date.fromisoformat(row[2]), row[3], clips,
                             json.loads(row[4]) if row[4] else None,
                             json.loads(row[5]) if row[5] else None)

    def delete_session(self, session_id: int) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def delete_runner(self, runner: str) -> int:
        """Remove a runner and everything stored about them; returns sessions deleted."""
        key = _name_key(runner)
        with self._tx() as cur:
            n = cur.execute("SELECT COUNT(*) FROM sessions s JOIN runners r ON r.id = "
                            "s.runner_id WHERE r.name_key = ?", (key,)).fetchone()[0]
            cur.execute("DELETE FROM runners WHERE name_key = ?", (key,))
        if self.path != ":memory:":
            self._conn.execute("VACUUM")
        return int(n)
