"""History safety: concurrent saves (threads and processes) all land, failures are one
sentence, a damaged file is set aside (never overwritten), files are private."""

from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from posture import history as hist
from posture.history import History, HistoryError, StoredClip
from tests.support.report import make_analysis

N_THREADS, SAVES_PER_THREAD = 4, 30
N_PROCS, SAVES_PER_PROC = 3, 15


@pytest.fixture(scope="module")
def clip() -> StoredClip:
    return StoredClip("run.mp4", "single", make_analysis(), video_sha256="ab" * 32)


def _count(path: Path) -> tuple[int, int]:
    """(sessions, sessions that have their analysis row), read with a fresh connection."""
    with sqlite3.connect(path) as c:
        n = c.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        with_rows = c.execute("SELECT COUNT(DISTINCT session_id) FROM analyses").fetchone()[0]
    return n, with_rows


def test_threads_sharing_one_history_lose_nothing(tmp_path: Path, clip: StoredClip) -> None:
    """Browser tabs are threads sharing one History: 4 x 30 saves must give 120 sessions."""
    h = History(tmp_path / "h.sqlite")
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(SAVES_PER_THREAD):
                h.save_session(f"Runner {k % 2}", [clip], label=f"{k}-{i}")
                h.runners()  # reads interleaved with the writes of other threads
        except BaseException as exc:  # collected: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = N_THREADS * SAVES_PER_THREAD
    assert _count(tmp_path / "h.sqlite") == (total, total)
    assert sum(len(h.sessions(f"Runner {r}")) for r in (0, 1)) == total
    h.close()


def _save_many(path: str, k: int) -> None:
    from tests.support.report import make_analysis as analysis

    h = History(path)
    c = StoredClip("run.mp4", "single", analysis())
    for i in range(SAVES_PER_PROC):
        h.save_session("Shared runner", [c], label=f"p{k}-{i}")
    h.close()


def test_processes_sharing_one_file_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    History(path).close()
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_save_many, args=(str(path), k)) for k in range(N_PROCS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * N_PROCS
    total = N_PROCS * SAVES_PER_PROC
    assert _count(path) == (total, total)


def test_files_are_private_and_a_planted_link_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    h = History(folder / "h.sqlite")
    h.save_session("A", [StoredClip("a.mp4", "single", make_analysis())])
    h.close()
    assert stat.S_IMODE((folder / "h.sqlite").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    victim = tmp_path / "victim.txt"
    victim.write_text("not a database")
    (tmp_path / "link.sqlite").symlink_to(victim)
    with pytest.raises(HistoryError, match="cannot be opened"):
        History(tmp_path / "link.sqlite")
    assert victim.read_text() == "not a database"


@pytest.mark.parametrize("damage", ["garbage", "torn"])
def test_a_damaged_history_is_set_aside_not_overwritten(tmp_path: Path, clip: StoredClip,
                                                         damage: str) -> None:
    path = tmp_path / "h.sqlite"
    if damage == "garbage":
        path.write_bytes(b"this is not sqlite" * 100)
    else:  # a real history whose pages were torn mid-file
        h = History(path)
        for i in range(20):
            h.save_session("A", [clip], label=str(i))
        h.close()
        raw = bytearray(path.read_bytes())
        raw[4096:12288] = b"\x00\xff" * 4096
        path.write_bytes(bytes(raw))
    before = path.read_bytes()
    h = History(path)
    assert h.set_aside is not None and h.set_aside.read_bytes() == before
    assert h.runners() == []
    h.save_session("B", [clip])
    assert h.runners() == ["B"]
    h.close()


def test_a_busy_history_is_a_message_and_the_save_can_be_retried(
        tmp_path: Path, clip: StoredClip, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hist, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "h.sqlite"
    h = History(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    with pytest.raises(HistoryError, match="busy"):
        h.save_session("A", [clip])
    other.execute("ROLLBACK")
    other.close()
    h.save_session("A", [clip])
    assert _count(path) == (1, 1)
    h.close()


def test_delete_leaves_no_trace_in_the_database_files(tmp_path: Path, clip: StoredClip) -> None:
    path = tmp_path / "h.sqlite"
    h = History(path)
    h.save_session("Zebediah Quux", [clip], label="secret-label-123")
    h.save_session("Other", [clip])
    assert h.runner_videos("Zebediah Quux") == {"ab" * 32}
    h.delete_runner("Zebediah Quux")
    for part in (path, Path(f"{path}-wal")):
        if part.exists():
            raw = part.read_bytes()
            assert b"Zebediah" not in raw and b"secret-label-123" not in raw
    assert h.runners() == ["Other"]
    h.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write a read-only file")
def test_a_read_only_history_is_a_message(tmp_path: Path, clip: StoredClip) -> None:
    path = tmp_path / "h.sqlite"
    History(path).close()
    path.chmod(0o400)
    h = History(path)
    with pytest.raises(HistoryError, match="read-only"):
        h.save_session("A", [clip])
    h.close()
