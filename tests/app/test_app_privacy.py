"""The app's files: uploads private and named by content, planted links never followed,
delete-runner leaves no file of the runner anywhere; typed names never render as markup;
CSV cells never run as spreadsheet formulas; messages name the user's file."""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.paths import ROOT

APP = str(ROOT / "app" / "streamlit_app.py")
sys.path.insert(0, str(ROOT / "app"))

import ui_core  # noqa: E402

from posture.errors import UnreadableVideoError  # noqa: E402
from posture.history import History, StoredClip  # noqa: E402
from posture.io import cache  # noqa: E402
from posture.report.export import strides_csv  # noqa: E402

RUNNER = "Zed Quux"
SAMPLE = ROOT / "sample_videos" / "fresh_side.mp4"


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every place the app writes, under one folder that the test can search."""
    monkeypatch.setenv("POSTURE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("POSTURE_DB", str(tmp_path / "db" / "h.sqlite"))
    monkeypatch.setenv("POSTURE_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.setenv("POSTURE_SAMPLES", str(SAMPLE.parent))
    return tmp_path


def test_upload_folder_is_private_and_a_planted_link_is_replaced(env: Path) -> None:
    victim = env / "victim.txt"
    victim.write_text("keep")
    folder = ui_core.upload_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    data = b"video bytes"
    planted = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.mp4"
    planted.symlink_to(victim)
    path = ui_core.store_upload("clip.mp4", io.BytesIO(data))
    assert path == planted and not path.is_symlink() and path.read_bytes() == data
    assert victim.read_text() == "keep"


def test_old_uploads_are_swept(env: Path) -> None:
    old = ui_core.store_upload("a.mp4", b"old clip")
    new = ui_core.store_upload("b.mp4", b"new clip")
    past = time.time() - ui_core.UPLOAD_KEEP_S - 60
    import os

    os.utime(old, (past, past))
    assert ui_core.sweep_uploads() == 1
    assert not old.exists() and new.exists()


def _upload_of_sample(env: Path) -> Path:
    """The bundled sample as a user's upload with other bytes (a trailing MP4 'free' box),
    its pose track seeded into the cache under the upload's own content hash."""
    from posture.pose.extract import EXTRACTION_VERSION, ExtractionSettings
    from posture.track import PoseTrack

    data = SAMPLE.read_bytes() + struct.pack(">I4s8s", 16, b"free", b"zedquux!")
    path = ui_core.store_upload("Zed's run.mp4", data)
    key = cache.cache_key(path, ExtractionSettings().to_dict(), code_version=EXTRACTION_VERSION)
    cache.store(key, PoseTrack.load(ROOT / "app" / "demo" / f"{SAMPLE.stem}.track.npz"))
    return path


def _files_mentioning(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for f in root.rglob("*"):
        if f.is_file() and not f.is_symlink():
            raw = f.read_bytes()
            if any(n in raw or n.decode() in f.name for n in needles):
                hits.append(str(f.relative_to(root)))
    return hits


@pytest.mark.skipif(not (ROOT / "app" / "demo" / f"{SAMPLE.stem}.track.npz").exists(),
                    reason="no shipped pose track of the bundled sample")
def test_delete_runner_leaves_no_file_of_the_runner_anywhere(env: Path) -> None:
    upload = _upload_of_sample(env)
    sha = cache.file_sha256(upload)
    session = ui_core.run_request(ui_core.AppRequest(
        clips=(ui_core.ClipRequest(str(upload), "Zed's run.mp4"),), runner=RUNNER))
    h = History()
    h.save_session(RUNNER, [StoredClip(c.name, c.role, c.analysis,
                                       ui_core.clip_sha256(c.video_path))
                            for c in session.clips])
    h.close()
    needles = [RUNNER.encode(), sha.encode(), sha[:16].encode()]
    before = _files_mentioning(env, needles)
    assert any(p.startswith("uploads") for p in before)
    assert any(p.startswith("cache") for p in before)
    assert any(p.startswith("db") for p in before)

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.selectbox(key="hist_runner").select(RUNNER).run()
    at.checkbox(key="hist_sure").check().run()
    at.button(key="hist_del").click().run()
    assert not at.exception
    assert _files_mentioning(env, needles) == []
    assert list((env / "uploads").iterdir()) == []


def test_typed_names_never_render_as_markup() -> None:
    nasty = "![x](http://example.com/t.png) [click](http://evil) :red[big] $x$ <b>b</b>"
    out = ui_core.md(nasty)
    for raw in ("![", "](", ":red[", "<b>", "http://"):
        assert raw not in out
    # Unescaping markdown's backslashes gives back exactly what was typed.
    import re

    assert re.sub(r"\\(.)", r"\1", out) == nasty


def test_names_are_escaped_on_the_page(env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input(key="runner").input("![p](http://example.com/x.png)").run()
    at.button(key="analyse").click().run()
    assert not at.exception
    shown = [s.value for s in at.header] + [b.label for b in at.button]
    assert any("\\!\\[p\\]" in v for v in shown)
    assert not any("![p](" in v for v in shown)


def test_csv_cells_never_start_a_formula() -> None:
    from tests.support.report import make_analysis

    a = make_analysis()
    text = strides_csv(a, clip_name="=HYPERLINK(\"http://evil\")").decode()
    df = pd.read_csv(io.StringIO(text))
    assert df["clip"].iloc[0] == "'=HYPERLINK(\"http://evil\")"
    for col in df.select_dtypes(include=["object", "string"]).columns:
        assert not df[col].astype(str).str.match(r"^[=+\-@]").any(), col
    assert pd.api.types.is_numeric_dtype(df["stride"])  # numbers (even negative) untouched


def test_messages_name_the_users_file_not_the_stored_one() -> None:
    clip = ui_core.ClipRequest("/x/uploads/0123456789abcdef.mp4", "My long run.mp4")
    exc = UnreadableVideoError("The file 0123456789abcdef.mp4 is empty (0 bytes).")
    assert ui_core.user_message(exc, [clip]) == "The file My long run.mp4 is empty (0 bytes)."
