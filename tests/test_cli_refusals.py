"""CLI refusals: options checked at parse time, --out checked before the analysis, full disk
and incomparable pairs end in one line and exit code 2 with nothing half-written left."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from posture import cli
from posture.pose import extract as pose
from tests.support import videogen as vg
from tests.support.synthetic import synthetic as synthetic_run

pytestmark = pytest.mark.usefixtures("private_cache")  # never the user's pose cache


@pytest.fixture(scope="module")
def tracks():
    """Synthetic runners (side, rear) in place of the pose model."""
    return {
        "side": synthetic_run(duration_s=10.0, seed=1, noise_px=1.0)[0],
        "rear": synthetic_run("rear", camera={"width_px": 360, "height_px": 640}, duration_s=10.0,
                          seed=2, noise_px=1.0)[0],
    }


@pytest.fixture(scope="module")
def clip_files(tmp_path_factory, tracks) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {name: vg.write_clip(folder / f"{name}.mp4", vg.regular_times(2.2, 30))
            for name in tracks}


@pytest.fixture()
def synthetic(monkeypatch: pytest.MonkeyPatch, tracks, clip_files):
    """(name -> clip path, calls): every pose extraction is counted in ``calls`` so tests
    can prove nothing ran."""
    calls: list[str] = []

    def fake(path, **kwargs):
        calls.append(str(path))
        return tracks[Path(path).stem]

    monkeypatch.setattr(pose, "extract_pose_cached", fake)
    return clip_files, calls


def _one_error_line(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--tilt", "46", "between -45 and 45 deg"),
    ("--tilt", "-45.5", "between -45 and 45 deg"),
    ("--tilt", "nan", "finite"),
    ("--height", "-1.75", "between 1 and 2.5 m"),
    ("--height", "175", "between 1 and 2.5 m"),
    ("--slowmo", "0", "between 1 and 16"),
    ("--slowmo", "17", "between 1 and 16"),
    ("--start", "nan", "finite"),
    ("--end", "-3", "at least 0 s"),
    ("--end", "1e400", "finite"),
])
def test_out_of_range_options_are_refused_before_anything_runs(
        synthetic, capsys: pytest.CaptureFixture, option: str, value: str, words: str) -> None:
    clips, calls = synthetic
    code = cli.main(["analyze", str(clips["side"]), option, value, "--quiet"])
    line = _one_error_line(capsys)
    assert code == 2 and option in line and words in line
    assert calls == []


def test_limits_themselves_are_accepted(synthetic, capsys: pytest.CaptureFixture) -> None:
    clips, calls = synthetic
    assert cli.main(["analyze", str(clips["side"]), "--tilt", "0", "--height", "2.5",
                     "--slowmo", "1", "--quiet"]) == 0
    assert len(calls) == 1
    capsys.readouterr()
    # -45 deg is accepted and the analysis runs; on this level clip it tilts the runner by
    # 45 deg, which the implausible-values gate refuses (a lean no runner has)
    assert cli.main(["analyze", str(clips["side"]), "--tilt", "-45", "--quiet"]) == 2
    assert len(calls) == 2
    assert "no runner can do" in _one_error_line(capsys)


def test_start_must_be_before_end(synthetic, capsys: pytest.CaptureFixture) -> None:
    clips, calls = synthetic
    assert cli.main(["analyze", str(clips["side"]), "--start", "4", "--end", "4"]) == 2
    assert "--start (4 s) must be before --end (4 s)" in _one_error_line(capsys)
    assert calls == []


def test_out_that_is_a_file_is_refused_before_the_analysis(
        synthetic, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    clips, calls = synthetic
    blocker = tmp_path / "results.txt"
    blocker.write_text("keep me")
    for out in (blocker, blocker / "sub"):
        assert cli.main(["analyze", str(clips["side"]), "--out", str(out), "--quiet"]) == 2
        assert "is a file, not a folder" in _one_error_line(capsys)
    assert calls == [] and blocker.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_out_without_permission_is_refused_before_the_analysis(
        synthetic, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    clips, calls = synthetic
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert cli.main(["analyze", str(clips["side"]), "--out", str(locked / "o")]) == 2
    assert "no permission" in _one_error_line(capsys) and calls == []


def test_full_disk_leaves_nothing_half_written(synthetic, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture) -> None:
    clips, _ = synthetic
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd: int, *a, **k) -> None:
            self.fh = real_fdopen(fd, *a, **k)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.fh.close()

        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli.os, "fdopen", Full)
    out = tmp_path / "out"
    assert cli.main(["analyze", str(clips["side"]), "--out", str(out)]) == 2
    line = _one_error_line(capsys)
    assert "the disk is full" in line and "strides.csv" in line
    assert not out.exists()  # the folder this run made is gone again, with no temp file


def test_incomparable_pair_is_a_refusal(synthetic, capsys: pytest.CaptureFixture,
                                        tmp_path: Path) -> None:
    clips, _ = synthetic
    out = tmp_path / "cmp"
    code = cli.main(["compare", str(clips["side"]), str(clips["rear"]), "--quiet",
                     "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert "cannot be compared" in captured.err
    assert "Traceback" not in captured.err
    comp = json.loads((out / "comparison.json").read_text())  # at the top of --out
    assert any(w["severity"] == "error" for w in comp["warnings"])


def test_quiet_silences_the_pose_model_logs(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    """Native code writing to fd 2 (as TFLite and glog do) is hidden under --quiet only."""

    def noisy(args) -> int:
        os.write(2, b"W0000 inference_feedback_manager.cc:114] Feedback manager\n")
        return 0

    parser = cli.build_parser()
    for quiet in (True, False):
        args = parser.parse_args(["analyze", "x.mp4"] + (["--quiet"] if quiet else []))
        with cli._native_logs_silenced(args.quiet):
            noisy(args)
        err = capfd.readouterr().err
        assert ("Feedback manager" in err) is (not quiet)


def test_a_cache_folder_that_cannot_be_made_is_one_line(tmp_path: Path, clip_files,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    monkeypatch.setenv("POSTURE_CACHE_DIR", str(blocker / "tracks"))
    assert cli.main(["analyze", str(clip_files["side"]), "--quiet"]) == 2
    line = _one_error_line(capsys)
    assert "pose cache folder" in line and "POSTURE_CACHE_DIR" in line
    assert blocker.read_text() == "x"
