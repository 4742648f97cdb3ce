"""``posture batch`` (issue 16): a folder or manifest of clips gives the same files and summary
as ``analyze`` / ``compare`` / ``session`` run one by one, with either engine; a broken clip
is reported while the rest finish; a second run skips everything; bad manifests are refused
in one line; an interrupted run leaves nothing half-written.

Runs on the bundled samples with their shipped pose tracks seeded into a private cache (no
pose model), so each clip costs a second or two. The Ray test starts a local Ray (about 10 s).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from posture import cli
from posture.batch import plan as bplan
from posture.batch.run import STATE_FILE, BatchSettings, load_state, run_batch
from posture.batch.summary import clip_row, pair_row, read_folder, summary_frame
from posture.history import History
from posture.io import cache
from posture.pose.extract import EXTRACTION_VERSION, ExtractionSettings
from posture.track import PoseTrack

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
DEMO = ROOT / "app" / "demo"
STEMS = ("fresh_side", "fatigued_side", "rear_sway")


def _seed(cache_dir: Path) -> None:
    """The shipped pose tracks into a private pose cache, keyed as the analyzer keys them."""
    os.environ[cache.ENV_VAR] = str(cache_dir)
    for stem in STEMS:
        video = SAMPLES / f"{stem}.mp4"
        key = cache.cache_key(video, ExtractionSettings().to_dict(),
                              code_version=EXTRACTION_VERSION)
        cache.store(key, PoseTrack.load(DEMO / f"{stem}.track.npz"))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """Private pose cache (seeded) and history for the whole module."""
    root = tmp_path_factory.mktemp("batch")
    old = {k: os.environ.get(k) for k in (cache.ENV_VAR, "POSTURE_DB")}
    os.environ["POSTURE_DB"] = str(root / "history.sqlite")
    _seed(root / "cache")
    yield root
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _manifest(root: Path) -> Path:
    """Anna fresh/fatigued on a date, Bob a side and a rear clip, Cleo one clip alone. Bob's
    side clip is a copy of Anna's fresh one, Cleo's of the rear one (same content: the
    cache hits)."""
    clips = root / "clips"
    clips.mkdir(exist_ok=True)
    shutil.copy(SAMPLES / "fresh_side.mp4", clips / "bob_side.mp4")
    shutil.copy(SAMPLES / "rear_sway.mp4", clips / "cleo.mp4")
    path = root / "manifest.csv"
    path.write_text(
        "runner,clip,role,date,height_m\n"
        f"Anna,{SAMPLES / 'fresh_side.mp4'},fresh,2026-11-30,\n"
        f"anna,{SAMPLES / 'fatigued_side.mp4'},fatigued,2026-11-30,\n"
        "Bob,clips/bob_side.mp4,side,,1.8\n"
        f"Bob,{SAMPLES / 'rear_sway.mp4'},rear,,1.8\n"
        "Cleo,clips/cleo.mp4,single,,\n")
    return path


@pytest.fixture(scope="module")
def local_run(env):
    """The manifest through the local engine (two worker processes), with --history."""
    manifest = _manifest(env)
    out = env / "out_local"
    code = cli.main(["batch", str(manifest), "--out", str(out), "--workers", "2", "--quiet",
                     "--history"])
    return manifest, out, code


def _one_by_one(root: Path) -> dict[str, Path]:
    """The same work through analyze / compare / session, each into its own folder."""
    bob = str(root / "clips" / "bob_side.mp4")
    runs = {
        "clips/Anna/2026-11-30/fresh_side": ["analyze", str(SAMPLES / "fresh_side.mp4")],
        "clips/Anna/2026-11-30/fatigued_side": ["analyze", str(SAMPLES / "fatigued_side.mp4")],
        "clips/Bob/bob_side": ["analyze", bob, "--height", "1.8"],
        "clips/Bob/rear_sway": ["analyze", str(SAMPLES / "rear_sway.mp4"), "--height", "1.8"],
        "clips/Cleo/cleo": ["analyze", str(root / "clips" / "cleo.mp4")],
        "comparisons/Anna/2026-11-30/fresh-vs-fatigued": [
            "compare", str(SAMPLES / "fresh_side.mp4"), str(SAMPLES / "fatigued_side.mp4")],
        "comparisons/Bob/side-and-rear": ["session", bob, str(SAMPLES / "rear_sway.mp4"),
                                          "--height", "1.8"],
    }
    dirs = {}
    for k, (folder, argv) in enumerate(runs.items()):
        dirs[folder] = root / "one_by_one" / str(k)
        if not dirs[folder].exists():
            assert cli.main([*argv, "--out", str(dirs[folder]), "--quiet"]) == 0, argv
    return dirs


def test_batch_equals_one_by_one_analyze_compare_session(env, local_run):
    manifest, out, code = local_run
    assert code == 0
    dirs = _one_by_one(env)
    p = bplan.load_plan(manifest)
    assert len(p.clips) == 5 and [x.kind for x in p.pairs] == ["fresh_vs_fatigued",
                                                               "side_and_rear"]
    # every unit folder holds exactly the files the one-by-one command wrote, byte for byte
    for folder, one in dirs.items():
        assert read_folder(out / folder) == read_folder(one), folder
    # and the summary table is the rows of those one-by-one folders
    rows = [clip_row(c, p.clip_dirs[c.path], read_folder(dirs[p.clip_dirs[c.path]]))
            for c in p.clips]
    rows += [pair_row(x, d, read_folder(dirs[d])) for x, d in zip(p.pairs, p.pair_dirs,
                                                                   strict=True)]
    expected = summary_frame(rows)
    got = pd.read_parquet(out / "summary.parquet")
    pd.testing.assert_frame_equal(got, expected)
    assert (out / "summary.csv").read_text() == expected.to_csv(index=False)
    assert list(got["kind"]) == ["clip", "clip", "fresh_vs_fatigued", "clip", "clip",
                                 "side_and_rear", "clip"]
    assert set(got["status"]) == {"ok"}
    # the fatigued clip leans more (set 5 -> 10 deg in the rendering): a real number came out
    pair = got[got["kind"] == "fresh_vs_fatigued"].iloc[0]
    assert pair["labels"] == "fresh/fatigued"
    assert 2.0 < pair["trunk_lean_deg_change"] < 8.0
    assert pair["trunk_lean_deg_verdict"] == "changed (worse)"
    page = (out / "report.html").read_text()
    assert "Fatigue changes" in page and "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page  # self-contained


def test_history_holds_each_session_once(env, local_run):
    assert local_run[2] == 0
    h = History(os.environ["POSTURE_DB"])
    try:
        anna, bob, cleo = (h.sessions(r) for r in ("Anna", "Bob", "Cleo"))
    finally:
        h.close()
    assert list(anna["role"]) == ["fresh", "fatigued"]
    assert str(anna["session_date"].iloc[0]) == "2026-11-30"
    assert sorted(bob["role"]) == ["frontal", "side"] and list(cleo["role"]) == ["single"]
    assert anna["session_id"].nunique() == bob["session_id"].nunique() == 1


def test_second_run_skips_everything(env, local_run):
    manifest, out, _ = local_run
    stamps = {p: p.stat().st_mtime_ns for p in (out / "clips").rglob("*")}
    res = run_batch(manifest, out, BatchSettings(workers=2, quiet=True, history=True),
                    log=lambda _: None)
    assert (res.done, res.skipped, res.failed, res.saved) == (0, 7, [], 0)
    assert {p: p.stat().st_mtime_ns for p in (out / "clips").rglob("*")} == stamps
    h = History(os.environ["POSTURE_DB"])
    try:
        assert len(h.sessions("Anna")) == 2  # not stored a second time
    finally:
        h.close()


@pytest.mark.slow  # a local Ray: 33-108 s to start and run on the shared 2-core VM
def test_ray_engine_gives_the_same_results(env, local_run):
    ray = pytest.importorskip("ray", reason='Ray is not installed (pip install ".[cluster]")')
    manifest, out_local, _ = local_run
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    except Exception as exc:  # no shared memory, no free port...
        pytest.skip(f"a local Ray could not start: {exc}")
    try:
        out = env / "out_ray"
        res = run_batch(manifest, out, BatchSettings(engine="ray", quiet=True),
                        log=lambda _: None)
        hosts = {u["host"] for u in load_state(out).values() if "host" in u}
    finally:
        ray.shutdown()
    assert (res.done, res.failed) == (7, [])
    assert (out / "summary.csv").read_text() == (out_local / "summary.csv").read_text()
    for folder in load_state(out_local):
        assert read_folder(out / folder) == read_folder(out_local / folder), folder
    assert all(h.split(":")[1] != str(os.getpid()) for h in hosts)  # ran in Ray workers


def test_broken_clip_is_reported_and_the_rest_finish(env, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "rear_sway.mp4", folder / "rear_sway.mp4")
    (folder / "broken.mp4").write_bytes(b"this is not a video\n" * 50)
    (folder / "notes.txt").write_text("not a clip")
    out = tmp_path / "out"
    assert cli.main(["batch", str(folder), "--out", str(out), "--quiet", "--workers", "1"]) == 1
    printed = capsys.readouterr().out
    assert "2 clips, 0 comparisons: 2 analysed now" in printed and "1 failed" in printed
    df = pd.read_parquet(out / "summary.parquet")
    assert list(df["clip"]) == ["broken.mp4", "rear_sway.mp4"]
    assert list(df["status"]) == ["failed", "ok"]
    assert "not a video" in df["error"].iloc[0] and "\n" not in df["error"].iloc[0]
    assert df["n_strides"].iloc[1] > 15
    assert not (out / "clips" / "broken").exists()
    # the failure is remembered: a rerun skips it, --retry-failed tries it again
    res = run_batch(folder, out, BatchSettings(quiet=True), log=lambda _: None)
    assert (res.done, res.skipped, len(res.failed)) == (0, 2, 1)
    res = run_batch(folder, out, BatchSettings(workers=1, quiet=True, retry_failed=True),
                    log=lambda _: None)
    assert (res.done, res.skipped, len(res.failed)) == (1, 1, 1)


def test_folder_pairs_clips_by_runner_folder_and_name(tmp_path):
    for rel in ("anna/fresh.mp4", "anna/fatigued-lap3.MOV", "anna/2026-11-30/side.mp4",
                "anna/2026-11-30/front_cam.mp4", "anna/warmup.mp4", "bob.mp4",
                ".hidden/fresh.mp4", "cleo/readme.txt", "out/old.mp4"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    p = bplan.load_plan(tmp_path, out=tmp_path / "out")
    roles = {Path(c.path).relative_to(tmp_path).as_posix(): (c.runner, c.role, c.date)
             for c in p.clips}
    assert roles == {
        "anna/fresh.mp4": ("anna", "fresh", ""),
        "anna/fatigued-lap3.MOV": ("anna", "fatigued", ""),
        "anna/2026-11-30/side.mp4": ("anna", "side", "2026-11-30"),
        "anna/2026-11-30/front_cam.mp4": ("anna", "rear", "2026-11-30"),
        "anna/warmup.mp4": ("anna", "single", ""),
        "bob.mp4": ("bob", "single", ""),
    }
    assert [(x.kind, x.a.name, x.b.name) for x in p.pairs] == [
        ("side_and_rear", "side.mp4", "front_cam.mp4"),
        ("fresh_vs_fatigued", "fresh.mp4", "fatigued-lap3.MOV")]
    assert sorted(p.pair_dirs) == ["comparisons/anna/2026-11-30/side-and-rear",
                                   "comparisons/anna/fresh-vs-fatigued"]


@pytest.mark.parametrize(("rows", "words"), [
    ("runner,clip,role\nAnn,a.mp4,tired\n", "line 2: unknown role 'tired'"),
    ("runner,clip,role\nAnn,missing.mp4,single\n", "line 2: the clip missing.mp4 does not exist"),
    ("runner,clip,role\nAnn,a.mp4,fresh\nann,b.mp4,fresh\nAnn,c.mp4,fatigued\n",
     "line 3: runner 'Ann' has two fresh clips (a.mp4 and b.mp4)"),
    ("runner,clip,role\nAnn,a.mp4,fresh\n", "has a fresh clip but no fatigued clip"),
    ("runner,clip,role\nAnn,a.mp4,rear\n", "has a rear clip but no side clip"),
    ("runner,clip,role,date\nAnn,a.mp4,single,30/11/2026\n", "'30/11/2026' is not YYYY-MM-DD"),
    ("runner,clip,role,height_m\nAnn,a.mp4,single,175\n", "height_m must be between 1 and 2.5"),
    ("runner,clip,role,tilt_deg\nAnn,a.mp4,single,abc\n", "tilt_deg must be a number"),
    ("runner,clip,rol\nAnn,a.mp4,single\n", "unknown column 'rol'"),
    ("runner,clip\nAnn,a.mp4\n", "the column 'role' is missing"),
    ("runner,clip,role\nAnn,a.mp4,single\nBen,a.mp4,single\n", "a.mp4 is listed twice"),
    ("runner,clip,role\n,a.mp4,single\n", "line 2: the runner is empty"),
    ("", "is empty"),
])
def test_manifest_refusals_are_one_line(tmp_path, capsys, rows, words):
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "m.csv").write_text(rows)
    out = tmp_path / "out"
    assert cli.main(["batch", str(tmp_path / "m.csv"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: m.csv") and err.count("\n") == 1, err
    assert words in err
    assert not out.exists()  # a refused run leaves no --out folder behind


def test_interrupted_batch_leaves_nothing_half_written(env, tmp_path):
    """Ctrl-C (SIGINT) while clips are running: exit 130, every result folder there is
    complete and recorded, no temporary file is left, and a rerun finishes the rest."""
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(3):  # same content, other names: cached, ~2 s each in one worker
        shutil.copy(SAMPLES / "rear_sway.mp4", folder / f"r{k}.mp4")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "posture.cli", "batch", str(folder), "--out", str(out),
           "--workers", "1", "--quiet"]
    run_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not load_state(out) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert err.decode().strip().endswith("error: interrupted.")
    state = load_state(out)
    assert 1 <= len(state) < 3
    leftovers = [p for p in out.rglob(".*") if p.name != STATE_FILE]
    assert leftovers == []
    made = sorted(p.relative_to(out).as_posix() for p in out.glob("clips/*/*"))
    assert made == sorted(state)  # a folder exists exactly when its unit is recorded
    for unit in state:
        assert sorted(read_folder(out / unit)) == ["analysis.json", "comparison.csv",
                                                   "comparison.json", "findings.json",
                                                   "strides.csv"]
        json.loads((out / unit / "analysis.json").read_text())
    res = run_batch(folder, out, BatchSettings(workers=1, quiet=True), log=lambda _: None)
    assert (res.skipped, res.done, res.failed) == (len(state), 3 - len(state), [])
