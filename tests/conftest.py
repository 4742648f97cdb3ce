"""Fixtures shared by the whole suite. The helpers behind them live in ``tests/support``
(stick runners, the synthetic runner, rendered clips, test videos, the hand-built report
runner)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from posture.io import cache
from posture.pose import extract as pose
from posture.track import PoseTrack
from tests.support import clips
from tests.support import videogen as vg


@pytest.fixture()
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty pose cache of this test's own (``POSTURE_CACHE_DIR``)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(folder))
    return folder


@pytest.fixture()
def run_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One pose cache for every test of this run that asks for it: empty when the run
    starts, so each clip pays the pose model once per run."""
    folder = tmp_path_factory.getbasetemp() / "pose_cache"
    monkeypatch.setenv(cache.ENV_VAR, str(folder))
    return folder


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A folder for the clips one test module writes or renders."""
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="module")
def rendered(clip_dir: Path) -> Callable:
    """Render a synthetic runner into this module's clip folder and read it with the pose
    model through the project's pose cache: ``rendered(name, params, camera, duration_s=...)``
    gives ``(track, truth, video)``."""

    def make(name, params, camera, *, duration_s: float, seed: int = 1, **settings):
        video, truth = clips.render(clip_dir, name, params, camera, duration_s=duration_s,
                                    seed=seed)
        return clips.pose_track(video, **settings), truth, video

    return make


@dataclass
class PoseStub:
    """The pose model replaced by known tracks (see the ``pose_stub`` fixture)."""

    tracks: dict[str, PoseTrack]
    clips: dict[str, Path]
    calls: list[dict] = field(default_factory=list)
    """Keyword arguments of every pose call, with the clip as ``path``."""

    def __call__(self, path, **kwargs) -> PoseTrack:
        self.calls.append({**kwargs, "path": path})
        return self.tracks[Path(path).stem]


@pytest.fixture()
def pose_stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., PoseStub]:
    """``pose_stub(name=track, ...)``: a short real clip ``name.mp4`` per track, whose pose
    stage (``posture.pose.extract.extract_pose_cached``) hands back that track; everything after the
    pose model runs for real."""

    def install(**tracks: PoseTrack) -> PoseStub:
        folder = tmp_path / "clips"
        folder.mkdir(exist_ok=True)
        made = {name: vg.write_clip(folder / f"{name}.mp4", vg.regular_times(2.2, 30))
                for name in tracks}
        stub = PoseStub(dict(tracks), made)
        monkeypatch.setattr(pose, "extract_pose_cached", stub)
        return stub

    return install
