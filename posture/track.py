"""The pose track: one validated container for everything the pose stage hands on.

Coordinates are in the *upright* image (rotation metadata already applied), pixels,
x to the right, y **down** (see ``docs/conventions.md``). Frames where no runner was found
hold NaN; they are never dropped, so ``t_s`` stays the true time axis.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from posture.landmarks import N_LANDMARKS, mirror_index

#: Stations along the trunk axis where the silhouette edge is sampled, as a fraction of the
#: hip-midpoint (0) to shoulder-midpoint (1) distance. Below 0 reaches the buttocks, which
#: frame the lumbar curve from below.
TRUNK_PROFILE_S: np.ndarray = np.round(np.linspace(-0.2, 1.0, 25), 4)


Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class QualityFlag:
    """Something about the clip that limits how far its numbers can be trusted."""

    code: str
    """Stable identifier, e.g. ``"few_strides"``, ``"out_of_frame"``, ``"low_fps_contact"``;
    flags raised by the pose stage start with ``"pose_"``."""
    severity: Severity
    message: str
    """One plain sentence: what is wrong and what to film instead."""


@dataclass(frozen=True)
class VideoInfo:
    """What intake found out about a clip (sizes after rotation, times in real seconds)."""

    path: str
    width_px: int
    height_px: int
    rotation_deg: int
    codec: str
    n_frames: int
    fps_nominal: float
    """Frame rate the container declares for playback (frames per playback second)."""
    fps_capture: float
    """Real capture rate: ``fps_nominal * slowmo_factor``."""
    duration_s: float
    """Real (wall-clock) duration of the action filmed."""
    is_vfr: bool
    slowmo_factor: float = 1.0
    """How many times slower than real life the clip plays (1.0: normal speed)."""
    file_size_bytes: int = 0
    turn_ccw_deg: int = 0
    """Extra counter-clockwise quarter turn applied on top of the rotation metadata because
    the body was found upside down or lying sideways (``posture.camera.orientation``)."""
    notes: tuple[str, ...] = ()
    """Sentences about the file itself (e.g. rotation metadata that was ignored)."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> VideoInfo:
        return cls(**{**d, "notes": tuple(d.get("notes", ()))})


@dataclass(frozen=True)
class PoseTrack:
    """Landmarks of one runner over one clip.

    Attributes
    ----------
    t_s : (T,) float64
        Real time of each frame in seconds from the start of the clip (slow motion undone),
        strictly increasing.
    frame_index : (T,) int64
        Index of the frame in the decoded source stream.
    image_xy_px : (T, 33, 2) float64
        Landmark positions in the upright image, pixels, x right, y down. NaN: not found.
    visibility : (T, 33) float64
        MediaPipe visibility in [0, 1]; NaN where no runner was found.
    world_xyz_m : (T, 33, 3) float64
        MediaPipe world landmarks, metres, hip-centred, y down. NaN where not found.
    trunk_edges_px : (T, K, 2) float64
        Silhouette edge of the trunk from the segmentation mask. At each station
        ``TRUNK_PROFILE_S[k]`` on the hip-mid -> shoulder-mid axis, the distance in pixels
        from the axis to the body outline along the axis normal ``n``, where ``n`` is the
        axis direction rotated so that for an upright trunk it points to image +x.
        ``[..., 0]``: outline on the +n side; ``[..., 1]``: outline on the -n side.
        Both are positive. NaN where no mask or no outline.
    frame_size_px : (width, height) of the upright image.
    info : VideoInfo of the source clip.
    extraction : settings that produced the track (model, thresholds), used by the cache.
    warnings : what the pose stage noticed (e.g. several people in view), as quality flags
        whose code starts with ``"pose_"``; a plain sentence is taken as a warning.
    """

    t_s: np.ndarray
    frame_index: np.ndarray
    image_xy_px: np.ndarray
    visibility: np.ndarray
    world_xyz_m: np.ndarray
    trunk_edges_px: np.ndarray
    frame_size_px: tuple[int, int]
    info: VideoInfo
    extraction: dict = field(default_factory=dict)
    warnings: tuple[QualityFlag, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "warnings", tuple(_as_flag(w) for w in self.warnings))
        T = self.t_s.shape[0]
        k = TRUNK_PROFILE_S.size
        expected = {
            "t_s": (T,),
            "frame_index": (T,),
            "image_xy_px": (T, N_LANDMARKS, 2),
            "visibility": (T, N_LANDMARKS),
            "world_xyz_m": (T, N_LANDMARKS, 3),
            "trunk_edges_px": (T, k, 2),
        }
        for name, shape in expected.items():
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.shape != shape:
                got = getattr(arr, "shape", type(arr).__name__)
                raise ValueError(f"PoseTrack.{name} must have shape {shape}, got {got}")
        if T > 1 and not np.all(np.diff(self.t_s) > 0):
            raise ValueError("PoseTrack.t_s must be strictly increasing")
        vis = self.visibility[np.isfinite(self.visibility)]
        if vis.size and (vis.min() < -1e-6 or vis.max() > 1 + 1e-6):
            raise ValueError("PoseTrack.visibility must lie in [0, 1]")
        if len(self.frame_size_px) != 2 or min(self.frame_size_px) <= 0:
            raise ValueError("PoseTrack.frame_size_px must be (width, height) > 0")

    # ------------------------------------------------------------------ derived views
    @property
    def n_frames(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def detected(self) -> np.ndarray:
        """(T,) bool: frames where the runner was found."""
        return np.isfinite(self.image_xy_px).all(axis=(1, 2))

    @property
    def fps(self) -> float:
        """Median real frame rate of the track (frames per real second)."""
        if self.n_frames < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.t_s)))

    # ------------------------------------------------------------------ transforms
    def mirrored(self) -> PoseTrack:
        """The same run seen in a horizontally flipped video (x -> width - x, left <-> right)."""
        perm = mirror_index()
        xy = self.image_xy_px[:, perm].copy()
        xy[..., 0] = self.frame_size_px[0] - xy[..., 0]
        world = self.world_xyz_m[:, perm].copy()
        world[..., 0] = -world[..., 0]
        return replace(
            self,
            image_xy_px=xy,
            visibility=self.visibility[:, perm].copy(),
            world_xyz_m=world,
            trunk_edges_px=self.trunk_edges_px[..., ::-1].copy(),
            # so that stages reading the clip's pixels (scene roll) flip them to match
            extraction={**self.extraction, "mirrored": not self.extraction.get("mirrored", False)},
        )

    def take(self, idx: np.ndarray | slice) -> PoseTrack:
        """A sub-track of the given frames (e.g. ``slice(None, None, 2)`` drops every other)."""
        return replace(
            self,
            t_s=self.t_s[idx].copy(),
            frame_index=self.frame_index[idx].copy(),
            image_xy_px=self.image_xy_px[idx].copy(),
            visibility=self.visibility[idx].copy(),
            world_xyz_m=self.world_xyz_m[idx].copy(),
            trunk_edges_px=self.trunk_edges_px[idx].copy(),
        )

    def window(self, start_s: float | None = None, end_s: float | None = None) -> PoseTrack:
        lo = -np.inf if start_s is None else start_s
        hi = np.inf if end_s is None else end_s
        return self.take(np.flatnonzero((self.t_s >= lo) & (self.t_s <= hi)))

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        """Write to a single compressed ``.npz`` (arrays plus JSON metadata)."""
        meta = {
            "frame_size_px": list(self.frame_size_px),
            "info": self.info.to_dict(),
            "extraction": self.extraction,
            "warnings": [asdict(w) for w in self.warnings],
            "trunk_profile_s": TRUNK_PROFILE_S.tolist(),
        }
        np.savez_compressed(
            path,
            t_s=self.t_s,
            frame_index=self.frame_index,
            image_xy_px=self.image_xy_px.astype(np.float32),
            visibility=self.visibility.astype(np.float32),
            world_xyz_m=self.world_xyz_m.astype(np.float32),
            trunk_edges_px=self.trunk_edges_px.astype(np.float32),
            meta=np.array(json.dumps(meta)),
        )

    @classmethod
    def load(cls, path: str | Path) -> PoseTrack:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            return cls(
                t_s=z["t_s"].astype(np.float64),
                frame_index=z["frame_index"].astype(np.int64),
                image_xy_px=z["image_xy_px"].astype(np.float64),
                visibility=z["visibility"].astype(np.float64),
                world_xyz_m=z["world_xyz_m"].astype(np.float64),
                trunk_edges_px=z["trunk_edges_px"].astype(np.float64),
                frame_size_px=(int(meta["frame_size_px"][0]), int(meta["frame_size_px"][1])),
                info=VideoInfo.from_dict(meta["info"]),
                extraction=meta["extraction"],
                warnings=tuple(_as_flag(w) for w in meta["warnings"]),
            )


def _as_flag(w: QualityFlag | dict | str) -> QualityFlag:
    """A pose-stage warning as a flag (older caches and callers hold plain sentences)."""
    if isinstance(w, QualityFlag):
        return w
    if isinstance(w, dict):
        return QualityFlag(**w)
    return QualityFlag("pose_note", "warning", str(w))


def empty_arrays(n_frames: int) -> dict[str, np.ndarray]:
    """NaN-filled arrays of the right shapes, for builders (pose stage, synthetic tracks)."""
    T, k = n_frames, TRUNK_PROFILE_S.size
    return {
        "image_xy_px": np.full((T, N_LANDMARKS, 2), np.nan),
        "visibility": np.full((T, N_LANDMARKS), np.nan),
        "world_xyz_m": np.full((T, N_LANDMARKS, 3), np.nan),
        "trunk_edges_px": np.full((T, k, 2), np.nan),
    }
