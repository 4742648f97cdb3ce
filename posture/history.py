"""Local history of analyses: an embedded SQLite file, one row per runner, session and clip.

The database path is, in order: the ``path`` argument, the ``POSTURE_DB`` environment
variable, or ``history.sqlite`` in the user data folder. Nothing leaves the machine.
Deleting a runner removes their sessions and analyses and overwrites the freed pages
(``secure_delete``) so the data are really gone from the file.

The file is created readable by this user only (0600, folder 0700). Each thread gets its own
connection (browser tabs run in threads), the database runs in WAL mode with a busy timeout,
and writes take the write lock up front (``BEGIN IMMEDIATE``), so saves from several tabs or
processes all land. Every database failure becomes a :class:`HistoryError` (one sentence); a
damaged file is never overwritten: it is renamed aside and a new history is started
(:attr:`History.set_aside` says where the old one went).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from posture.errors import PostureError
from posture.io.cache import private_dir
from posture.jsonsafe import to_jsonable
from posture.results import ClipAnalysis

ENV_VAR = "POSTURE_DB"
BUSY_TIMEOUT_S = 15.0
"""How long a save waits for another tab or process holding the write lock."""


class HistoryError(PostureError):
    """The history database cannot be used right now (busy, read-only, disk full...)."""

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
    lateral_sway_pct_hip REAL, pelvic_drop_deg REAL,
    video_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_runner ON sessions(runner_id, session_date);
CREATE TABLE IF NOT EXISTS pictures (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    caption TEXT NOT NULL,
    jpeg BLOB NOT NULL
);
"""


def default_db_path() -> Path:
    """``$POSTURE_DB`` if set, else ``history.sqlite`` in the user data folder."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("stride-posture", appauthor=False)) / "history.sqlite"


def _create_private(path: Path) -> None:
    """Create the database file (and its folder) readable by this user only; refuse a
    symbolic link planted where the file should be."""

    private_dir(path.parent, what="history folder",
                hint=f"set {ENV_VAR} to a file in a folder you can write.")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise HistoryError(f"The history file {path} cannot be opened "
                           f"({exc.strerror or exc}); set {ENV_VAR} to a file you can "
                           "write.") from exc
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def _history_error(exc: sqlite3.Error, path: str) -> HistoryError:
    """One sentence for a database failure."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        why = "it is busy (another window or program is writing to it); try again"
    elif "readonly" in text or "read-only" in text:
        why = "it is read-only; check the file's permissions or set " + ENV_VAR
    elif "full" in text:
        why = "the disk is full; free some space and try again"
    elif _is_corrupt(exc):
        why = "the file is damaged; restart the app to set it aside and start a new one"
    else:
        why = f"{exc}"
    return HistoryError(f"The history {Path(path).name} could not be used: {why}.")


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


def since_last_visit(sessions: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Each metric's change since the runner's previous session, clip by clip.

    ``sessions`` is :meth:`History.sessions` output (oldest first). A clip is compared with
    the latest clip of an earlier session (an earlier date, or the same date saved before)
    with the same role and view, so a fatigued clip follows the last fatigued one. Returns
    one column per metric, in its unit, NaN where there is no earlier clip or value.
    """
    out = pd.DataFrame(np.nan, index=sessions.index, columns=list(metrics))
    seen: dict[tuple[str, str], int] = {}
    last_session: dict[tuple[str, str], object] = {}
    for i, r in sessions.iterrows():
        kind = (str(r["role"]), str(r["view"]))
        prev = seen.get(kind)
        if prev is not None and last_session[kind] != r["session_id"]:
            for m in metrics:
                out.loc[i, m] = r[m] - sessions.loc[prev, m]
        seen[kind], last_session[kind] = i, r["session_id"]
    return out.astype(float)


@dataclass(frozen=True)
class StoredClip:
    clip_name: str
    role: str
    """``"single"`` (early vs late in one clip), ``"fresh"`` or ``"fatigued"``."""
    analysis: ClipAnalysis
    video_sha256: str | None = None
    """SHA-256 of the video's bytes, so that deleting the runner can find its files."""


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
    details: Any = None
    """Treadmill speed and the visit's fields as saved (``posture.session.session_details``);
    None for sessions saved before they were kept."""
    pictures: list[tuple[str, bytes]] = field(default_factory=list)
    """Key frames kept with the session: (caption, JPEG bytes)."""


class History:
    """Runners, sessions and analyses in one SQLite file.

    Parameters
    ----------
    path : database file; ``None`` uses :func:`default_db_path`. ``":memory:"`` for tests.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else str(default_db_path())
        self.set_aside: Path | None = None
        """Where a damaged database found at open was moved (None when it was fine)."""
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[sqlite3.Connection] = []
        self._memory_uri = f"file:posture-history-{id(self)}?mode=memory&cache=shared"
        if self.path == ":memory:":
            self._keep = self._connect()  # the shared in-memory database lives while it does
        else:
            _create_private(Path(self.path))
        try:
            self._open_schema()
        except sqlite3.DatabaseError as exc:
            if self.path == ":memory:" or not _is_corrupt(exc):
                raise _history_error(exc, self.path) from exc
            self._set_aside_damaged()

    def _connect(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            conn = sqlite3.connect(self._memory_uri, uri=True, check_same_thread=False,
                                   isolation_level=None, timeout=BUSY_TIMEOUT_S)
        else:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_S)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        with self._lock:
            self._conns.append(conn)
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _open_schema(self) -> None:
        conn = self._conn
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed ({check})")
        self._migrate()

    def _migrate(self) -> None:
        conn = self._conn
        conn.executescript(_SCHEMA)
        # histories written before these columns existed
        self._add_column("analyses", "video_sha256 TEXT")
        self._add_column("sessions", "details_json TEXT")

    def _add_column(self, table: str, column: str) -> None:
        conn = self._conn
        if column.split()[0] in {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}:
            return
        try:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        except sqlite3.OperationalError as exc:  # another process added it just now
            if "duplicate column" not in str(exc):
                raise

    def _set_aside_damaged(self) -> None:
        """Move a damaged database (and its WAL files) aside and start an empty one."""
        self.close()
        self._local = threading.local()
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        src = Path(self.path)
        dest = src.with_name(f"{src.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(src) + suffix)
            if part.exists():
                os.replace(part, Path(str(dest) + suffix))
        self.set_aside = dest
        _create_private(src)
        self._open_schema()

    def close(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()
        self._local = threading.local()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction holding the write lock from its start (no lock upgrades,
        which SQLite refuses without waiting); every failure becomes a HistoryError."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _history_error(exc, self.path) from exc
        try:
            yield conn.cursor()
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _history_error(exc, self.path) from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _read(self, run: Callable[[sqlite3.Connection], Any]) -> Any:
        try:
            return run(self._conn)
        except sqlite3.Error as exc:
            raise _history_error(exc, self.path) from exc

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
        rows = self._read(lambda c: c.execute(
            "SELECT name FROM runners ORDER BY name_key").fetchall())
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ sessions
    def save_session(self, runner: str, clips: list[StoredClip], *,
                     session_date: date | None = None, label: str = "",
                     comparison: Any = None, findings: Any = None,
                     height_m: float | None = None, details: Any = None,
                     pictures: Sequence[tuple[str, bytes]] = ()) -> int:
        """Store one session (one or two clips plus their comparison, the visit's details
        and its key frames as JPEG); returns its id."""
        if not clips:
            raise ValueError("a session needs at least one analysed clip")
        day = (session_date or date.today()).isoformat()
        with self._tx() as cur:
            rid = self._runner_id(cur, runner, height_m)
            cur.execute(
                "INSERT INTO sessions (runner_id, session_date, label, comparison_json, "
                "findings_json, details_json, created_utc) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (rid, day, label, json.dumps(to_jsonable(comparison)),
                 json.dumps(to_jsonable(findings)), json.dumps(to_jsonable(details)), _now()))
            sid = int(cur.lastrowid)
            cur.executemany("INSERT INTO pictures (session_id, caption, jpeg) VALUES (?, ?, ?)",
                            [(sid, caption, jpeg) for caption, jpeg in pictures])
            for clip in clips:
                s = clip_summary(clip.analysis)
                cur.execute(
                    "INSERT INTO analyses (session_id, clip_name, role, view, n_strides, "
                    "analysis_json, video_sha256, " + ", ".join(SUMMARY_COLUMNS) + ") VALUES "
                    "(?, ?, ?, ?, ?, ?, ?" + ", ?" * len(SUMMARY_COLUMNS) + ")",
                    (sid, clip.clip_name, clip.role, clip.analysis.view.view,
                     clip.analysis.n_strides, json.dumps(to_jsonable(clip.analysis)),
                     clip.video_sha256, *[s[c] for c in SUMMARY_COLUMNS]))
        return sid

    def update_details(self, session_id: int, details: Any, *,
                       session_date: date | None = None) -> None:
        """Replace a stored session's details (and date) after it was saved."""
        with self._tx() as cur:
            cur.execute("UPDATE sessions SET details_json = ?, session_date = "
                        "COALESCE(?, session_date) WHERE id = ?",
                        (json.dumps(to_jsonable(details)),
                         session_date.isoformat() if session_date else None, session_id))
            if cur.rowcount == 0:
                raise KeyError(f"no stored session with id {session_id}")

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
        df = self._read(lambda c: pd.read_sql_query(q, c, params=(_name_key(runner),)))
        df["session_date"] = pd.to_datetime(df["session_date"]).dt.date
        return df

    def load_session(self, session_id: int) -> StoredSession:
        """Reopen a stored session with its full analyses."""
        row = self._read(lambda c: c.execute(
            "SELECT s.id, r.name, s.session_date, s.label, s.comparison_json, s.findings_json, "
            "s.details_json FROM sessions s JOIN runners r ON r.id = s.runner_id "
            "WHERE s.id = ?",
            (session_id,)).fetchone())
        if row is None:
            raise KeyError(f"no stored session with id {session_id}")
        rows = self._read(lambda c: c.execute(
            "SELECT clip_name, role, analysis_json, video_sha256 FROM analyses "
            "WHERE session_id = ? ORDER BY id", (session_id,)).fetchall())
        clips = [StoredClip(name, role, ClipAnalysis.from_dict(json.loads(blob)), sha)
                 for name, role, blob, sha in rows]
        pictures = self._read(lambda c: c.execute(
            "SELECT caption, jpeg FROM pictures WHERE session_id = ? ORDER BY id",
            (session_id,)).fetchall())
        return StoredSession(int(row[0]), row[1], date.fromisoformat(row[2]), row[3], clips,
                             json.loads(row[4]) if row[4] else None,
                             json.loads(row[5]) if row[5] else None,
                             json.loads(row[6]) if row[6] else None,
                             [(str(c), bytes(j)) for c, j in pictures])

    def runner_videos(self, runner: str) -> set[str]:
        """SHA-256 of every video stored for the runner (to delete its files elsewhere)."""
        rows = self._read(lambda c: c.execute(
            "SELECT DISTINCT a.video_sha256 FROM analyses a JOIN sessions s ON s.id = "
            "a.session_id JOIN runners r ON r.id = s.runner_id WHERE r.name_key = ? AND "
            "a.video_sha256 IS NOT NULL", (_name_key(runner),)).fetchall())
        return {r[0] for r in rows}

    def delete_runner(self, runner: str) -> int:
        """Remove a runner and everything stored about them; returns sessions deleted.

        The freed pages are overwritten, the file compacted and the write-ahead log emptied,
        so no copy of the runner's rows stays in the database files.
        """
        key = _name_key(runner)
        with self._tx() as cur:
            n = cur.execute("SELECT COUNT(*) FROM sessions s JOIN runners r ON r.id = "
                            "s.runner_id WHERE r.name_key = ?", (key,)).fetchone()[0]
            cur.execute("DELETE FROM runners WHERE name_key = ?", (key,))
        if self.path != ":memory:":
            self._read(lambda c: (c.execute("VACUUM"),
                                  c.execute("PRAGMA wal_checkpoint(TRUNCATE)")))
        return int(n)
