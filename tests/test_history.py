"""SQLite history: save, list across weeks, reopen, delete on request."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from posture.history import History, StoredClip, default_db_path
from tests.support.report import make_analysis


@pytest.fixture()
def db(tmp_path: Path) -> History:
    h = History(tmp_path / "h.sqlite")
    yield h
    h.close()


def test_path_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("POSTURE_DB", str(tmp_path / "x.sqlite"))
    assert default_db_path() == tmp_path / "x.sqlite"
    h = History()
    assert Path(h.path) == tmp_path / "x.sqlite" and Path(h.path).exists()
    h.close()


def test_sessions_across_weeks_and_reopen(db):
    a1, a2 = make_analysis(seed=1), make_analysis(seed=2, lean_drift_deg=8.0)
    sid1 = db.save_session("Ana  Lopez", [StoredClip("week1.mp4", "single", a1)],
                           session_date=date(2026, 11, 7), comparison={"x": 1.5},
                           findings=[{"title": "lean"}], height_m=1.70)
    sid2 = db.save_session("ana lopez", [StoredClip("fresh.mp4", "fresh", a1),
                                         StoredClip("tired.mp4", "fatigued", a2)],
                           session_date=date(2026, 11, 21))
    assert db.runners() == ["Ana Lopez"]  # same runner, spacing and case ignored
    df = db.sessions("ANA LOPEZ")
    assert list(df["session_id"]) == [sid1, sid2, sid2]
    assert list(df["session_date"]) == [date(2026, 11, 7)] + [date(2026, 11, 21)] * 2
    assert df["trunk_lean_deg"].iloc[0] == pytest.approx(a1.summary["trunk_lean_deg"])
    assert df["overstride_pct_leg"].iloc[2] == pytest.approx(
        np.nanmedian(a2.strides["overstride_pct_leg"]))
    s = db.load_session(sid1)
    assert (s.runner, s.session_date, s.comparison, s.findings) == (
        "Ana Lopez", date(2026, 11, 7), {"x": 1.5}, [{"title": "lean"}])
    back = s.clips[0].analysis
    assert back.view == a1.view
    assert np.allclose(back.strides["trunk_lean_deg"], a1.strides["trunk_lean_deg"])
    assert [c.role for c in db.load_session(sid2).clips] == ["fresh", "fatigued"]


def test_delete_runner_removes_everything(db, tmp_path):
    db.save_session("Ana", [StoredClip("a.mp4", "single", make_analysis())])
    db.save_session("Ben", [StoredClip("b.mp4", "single", make_analysis())])
    assert db.delete_runner("ana") == 1
    assert db.runners() == ["Ben"]
    assert db.sessions("Ana").empty
    con = sqlite3.connect(db.path)
    n_analyses = con.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    con.close()
    assert n_analyses == 1
    assert b"a.mp4" not in Path(db.path).read_bytes()  # really erased from the file


def test_bad_requests(db):
    with pytest.raises(ValueError):
        db.save_session("  ", [StoredClip("a.mp4", "single", make_analysis())])
    with pytest.raises(ValueError):
        db.save_session("Ana", [])
    with pytest.raises(KeyError):
        db.load_session(999)


def test_visit_details_and_key_frames_are_kept_and_can_be_changed(db):
    details = {"treadmill_speed_kmh": 11.5,
               "visit": {"patient_id": "PT-7", "pain_side": "right", "pain_score": 4}}
    sid = db.save_session("Ana", [StoredClip("a.mp4", "single", make_analysis())],
                          session_date=date(2026, 11, 7), details=details,
                          pictures=[("Early - landing", b"\xff\xd8jpeg1"),
                                    ("Late - landing", b"\xff\xd8jpeg2")])
    s = db.load_session(sid)
    assert s.details == details
    assert s.pictures == [("Early - landing", b"\xff\xd8jpeg1"),
                          ("Late - landing", b"\xff\xd8jpeg2")]
    db.update_details(sid, {"visit": {"notes": "re-test in 4 weeks"}},
                      session_date=date(2026, 11, 8))
    s = db.load_session(sid)
    assert s.details == {"visit": {"notes": "re-test in 4 weeks"}}
    assert s.session_date == date(2026, 11, 8) and len(s.pictures) == 2
    with pytest.raises(KeyError):
        db.update_details(sid + 99, {})
    db.delete_runner("Ana")
    assert db._conn.execute("SELECT COUNT(*) FROM pictures").fetchone()[0] == 0


def test_a_history_from_before_details_opens_and_reopens(tmp_path):
    path = tmp_path / "old.sqlite"
    old = History(path)
    sid = old.save_session("Ana", [StoredClip("a.mp4", "single", make_analysis())])
    old._conn.execute("ALTER TABLE sessions DROP COLUMN details_json")
    old._conn.execute("DROP TABLE pictures")
    old.close()
    h = History(path)  # the columns and the table come back, nothing is lost
    s = h.load_session(sid)
    assert s.details is None and s.pictures == [] and s.clips[0].clip_name == "a.mp4"
    h.close()


def test_change_since_last_visit_follows_clips_of_the_same_kind(db):
    from posture.history import since_last_visit

    def clip(name, role, drift):
        return StoredClip(name, role, make_analysis(seed=1, lean_drift_deg=drift))

    db.save_session("Ana", [clip("w1.mp4", "single", 0.0)], session_date=date(2026, 11, 1))
    db.save_session("Ana", [clip("f.mp4", "fresh", 2.0), clip("t.mp4", "fatigued", 6.0)],
                    session_date=date(2026, 11, 8))
    db.save_session("Ana", [clip("w3.mp4", "single", 8.0)], session_date=date(2026, 11, 15))
    db.save_session("Ana", [clip("t2.mp4", "fatigued", 4.0)], session_date=date(2026, 11, 22))
    df = db.sessions("Ana")
    ch = since_last_visit(df, ["trunk_lean_deg"])["trunk_lean_deg"]
    lean = df["trunk_lean_deg"]
    assert np.isnan(ch[0]) and np.isnan(ch[1]) and np.isnan(ch[2])  # nothing earlier alike
    assert ch[3] == pytest.approx(lean[3] - lean[0])  # single after single, skipping fresh
    assert ch[4] == pytest.approx(lean[4] - lean[2])  # fatigued after fatigued
