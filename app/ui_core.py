"""The app's one core call: a typed request in, a finished :class:`Session` out.

No biomechanics here: intake, pose, metrics, comparison and findings all come from
``posture``. This module only turns what the page collected into library calls.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import BinaryIO

from posture.errors import PostureError, StorageError
from posture.pipeline import (
    AnalysisOptions,
    StagedProgress,
    analyze_track,
    analyze_tracks,
    extract_track,
)
from posture.report.keyframes import encode_jpeg
from posture.session import AnalysedClip, Role, Session, build_session
from posture.track import PoseTrack

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = Path(__file__).resolve().parent / "demo"
UPLOAD_ENV = "POSTURE_UPLOADS"
"""Folder for uploaded clips; default ``uploads`` in the user cache folder (private, 0700)."""
UPLOAD_KEEP_S = 12 * 3600
"""An upload not used for this long is deleted (its analysis no longer needs it)."""
MAX_UPLOAD_MB = 500
"""Keep equal to ``server.maxUploadSize`` in ``app/.streamlit/config.toml``."""

#: ``progress(stage_text, frames_done, frames_total)``
StageProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ClipRequest:
    path: str
    name: str
    role: Role = "single"
    start_s: float | None = None
    end_s: float | None = None
    view: str | None = None
    """Camera view for this clip ("auto", "side", "rear", "front"); None: the request's."""
    runner_box_px: tuple[float, float, float, float] | None = None
    """Box around the runner the user picked (x, y, w, h, upright pixels); None: automatic."""
    runner_box_t_s: float | None = None
    """Time of the frame the box was picked on, s."""


@dataclass(frozen=True)
class AppRequest:
    """Everything the page collected; one of these makes one analysis."""

    clips: tuple[ClipRequest, ...]
    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    runner: str = ""
    treadmill_speed_kmh: float | None = None
    session_date: date = field(default_factory=date.today)


def served_beyond_this_computer() -> bool:
    """True when the server listens on more than loopback (``make run-shared``).

    Unset (no server, e.g. the app under test) counts as local: the shipped config sets it.
    """
    from streamlit import config

    addr = config.get_option("server.address")
    return addr is not None and not (addr in ("127.0.0.1", "localhost", "::1")
                                     or addr.startswith("unix://"))


def samples_dir() -> Path:
    """``$POSTURE_SAMPLES`` or the repository's ``sample_videos``."""
    return Path(os.environ.get("POSTURE_SAMPLES", ROOT / "sample_videos"))


#: The demo: one long side-view clip whose posture drifts with fatigue (early vs late).
DEMO_SAMPLE = "long_fatigue_ramp.mp4"


def list_samples() -> list[Path]:
    """Bundled sample clips, the demo first, then side views, then the rest."""
    folder = samples_dir()
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.suffix.lower() in (".mp4", ".mov")]
    return sorted(files, key=lambda p: (p.name != DEMO_SAMPLE, "side" not in p.stem, p.name))


def sample_pair() -> tuple[Path, Path] | None:
    """The bundled fresh and fatigued clips of the same runner, when both exist."""
    files = {p.stem.split("_")[0]: p for p in list_samples()
             if p.stem.startswith(("fresh_", "fatigued_"))}
    if "fresh" in files and "fatigued" in files:
        return files["fresh"], files["fatigued"]
    return None


def sample_view_pair() -> tuple[Path, Path] | None:
    """A bundled side clip and the bundled rear clip (a two-camera session), when both exist."""
    files = {p.name: p for p in list_samples()}
    side, rear = files.get("fresh_side.mp4"), files.get("rear_sway.mp4")
    return (side, rear) if side and rear else None


def default_sample() -> Path | None:
    samples = list_samples()
    return samples[0] if samples else None


def _demo_track_path(video: Path) -> Path:
    return DEMO_DIR / f"{video.stem}.track.npz"


def save_demo_track(video: Path) -> Path:
    """Run the pose model on a bundled sample and keep its track in ``app/demo``.

    The track is saved with the video's SHA-256 and the extraction version, so a regenerated
    sample or a changed pose stage is never paired with a stale track.
    """
    from posture.io.cache import file_sha256
    from posture.pose.extract import EXTRACTION_VERSION

    track = extract_track(video, AnalysisOptions(use_cache=True))
    DEMO_DIR.mkdir(exist_ok=True)
    out = _demo_track_path(video)
    track.save(out)
    out.with_suffix(".sha256").write_text(f"{file_sha256(video)} {EXTRACTION_VERSION}\n")
    return out


def seed_pose_cache(video: Path) -> bool:
    """Put the shipped pose track of a bundled sample into the pose cache (instant demo).

    Returns True when the cache holds the sample's track afterwards without running the
    model; False when no matching shipped track exists (the app then extracts it once).
    """
    from posture.io import cache
    from posture.pose.extract import EXTRACTION_VERSION, ExtractionSettings

    npz = _demo_track_path(video)
    sha_file = npz.with_suffix(".sha256")
    if not (npz.exists() and sha_file.exists()):
        return False
    if sha_file.read_text().split() != [cache.file_sha256(video), EXTRACTION_VERSION]:
        return False
    key = cache.cache_key(video, ExtractionSettings().to_dict(), code_version=EXTRACTION_VERSION)
    if cache.load(key, video_path=video) is None:
        cache.store(key, PoseTrack.load(npz))
    return True


def upload_dir() -> Path:
    """The private upload folder (created 0700 if missing)."""
    from posture.io.cache import user_folder

    return user_folder(UPLOAD_ENV, "uploads", what="upload folder",
                       hint=f"set {UPLOAD_ENV} to a folder you can write.")


def _chunks(source: bytes | BinaryIO, size: int = 1 << 20) -> Iterable[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
        return
    source.seek(0)
    while chunk := source.read(size):
        yield chunk


def _suffix(name: str) -> str:
    ext = Path(name).suffix.lower()
    return ext if re.fullmatch(r"\.[a-z0-9]{1,5}", ext) else ".mp4"


def store_upload(name: str, source: bytes | BinaryIO) -> Path:
    """Keep an uploaded clip on this machine, in the private upload folder, named by the
    SHA-256 of its content (the same clip uploaded twice is one file).

    The bytes are streamed to a new temporary file and renamed into place, so a planted
    link under the final name is replaced, never followed, and a full disk leaves nothing.
    """
    folder = upload_dir()
    sweep_uploads(folder)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in _chunks(source):
                digest.update(chunk)
                fh.write(chunk)
        path = folder / f"{digest.hexdigest()[:16]}{_suffix(name)}"
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(f"The clip {name} could not be kept for analysis "
                           f"({exc.strerror or exc}).") from exc
    return path


def sweep_uploads(folder: Path | None = None, *, now_s: float | None = None) -> int:
    """Delete uploads not used for :data:`UPLOAD_KEEP_S` (and stale partial files)."""
    folder = folder or upload_dir()
    now_s = time.time() if now_s is None else now_s
    n = 0
    for f in folder.iterdir():
        try:
            st = f.lstat()
            if not f.is_symlink() and not f.is_file():
                continue
            if now_s - max(st.st_mtime, st.st_atime) > UPLOAD_KEEP_S or f.is_symlink():
                f.unlink()
                n += 1
        except OSError:
            continue
    return n


def delete_runner_files(video_sha256: Iterable[str]) -> int:
    """Delete the uploads and cached pose tracks of these videos; returns files deleted."""
    from posture.io import cache

    n = 0
    folder = upload_dir()
    for sha in video_sha256:
        for f in folder.glob(f"{sha[:16]}.*"):
            f.unlink(missing_ok=True)
            n += 1
        n += cache.forget_video(sha)
    return n


def clip_sha256(path: str | None) -> str | None:
    """Content hash of a clip still on this machine (None when it is gone)."""
    from posture.io.cache import content_hash

    if not path or not Path(path).is_file():
        return None
    return content_hash(path)


MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=])")


def md(text: object) -> str:
    """``text`` safe inside Streamlit markdown: every markup character escaped, so a name
    like ``![x](http://host/p.png)`` shows as typed and never loads or links anything."""
    return MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def user_message(exc: PostureError, clips: Iterable[ClipRequest]) -> str:
    """The library's message with each stored upload's hashed name replaced by the name
    of the file the user chose."""
    text = str(exc)
    for clip in clips:
        stored = Path(clip.path).name
        if stored != clip.name:
            text = text.replace(stored, clip.name)
    return text


def clip_options(request: AppRequest, clip: ClipRequest) -> AnalysisOptions:
    return replace(request.options, start_s=clip.start_s, end_s=clip.end_s,
                   view=clip.view or request.options.view, runner_box_px=clip.runner_box_px,
                   runner_box_t_s=clip.runner_box_t_s)


def clip_track(request: AppRequest, clip: ClipRequest, *,
               progress: Callable[[int, int], None] | None = None) -> PoseTrack:
    """Pose landmarks of one clip (cached)."""
    opts = clip_options(request, clip)
    if opts.start_s is None and opts.end_s is None:
        seed_pose_cache(Path(clip.path))  # bundled samples open instantly
    return extract_track(clip.path, opts, progress=progress)


def analyse_clips(request: AppRequest, tracks: list[PoseTrack]) -> list[AnalysedClip]:
    """Metrics for each clip. A fresh and a fatigued clip (same camera) get one camera level
    (:func:`posture.pipeline.analyze_tracks`); the side and rear/front clips of a view pair
    are two cameras and are levelled apart."""
    opts = [clip_options(request, c) for c in request.clips]
    if len(tracks) == 2 and {c.role for c in request.clips} != {"side", "frontal"}:
        analyses = analyze_tracks(tracks, opts)
    else:
        analyses = [analyze_track(t, o) for t, o in zip(tracks, opts, strict=True)]
    return [AnalysedClip(name=c.name, analysis=a, role=c.role, video_path=str(c.path), track=t)
            for c, a, t in zip(request.clips, analyses, tracks, strict=True)]


def run_request(request: AppRequest, *, progress: StageProgress | None = None) -> Session:
    """The core call: analyse each clip, compare, rank findings.

    Raises the library's :class:`posture.errors.PostureError` subclasses, their message
    naming the files the user chose.
    """
    tracks: list[PoseTrack] = []
    stage = [""]
    # one bar for the whole request: each clip counts on from the frames of those before
    staged = StagedProgress(None if progress is None
                            else lambda done, total: progress(stage[0], done, total))
    try:
        for k, clip in enumerate(request.clips, 1):
            stage[0] = f"Clip {k} of {len(request.clips)} ({clip.name})"
            staged.next_pass()
            tracks.append(clip_track(request, clip, progress=staged))
        clips = analyse_clips(request, tracks)
    except PostureError as exc:  # name the user's file, not the hashed upload
        exc.args = (user_message(exc, request.clips),)
        raise
    return build_session(clips, runner=request.runner, session_date=request.session_date,
                         treadmill_speed_kmh=request.treadmill_speed_kmh)


@dataclass
class ProgressClock:
    """Turns (done, total) into a fraction and a time-left estimate."""

    started: float = field(default_factory=time.monotonic)
    first_done: int | None = None
    first_t: float = 0.0

    def status(self, done: int, total: int) -> tuple[float, str]:
        now = time.monotonic()
        frac = min(1.0, done / total) if total > 0 else 0.0
        if self.first_done is None:
            self.first_done, self.first_t = done, now
        rate_done = done - self.first_done
        if rate_done > 0 and total > done:
            left = (now - self.first_t) / rate_done * (total - done)
            return frac, f"{done} of {total} frames - about {left:.0f} s left"
        return frac, f"{done} of {total} frames"


def picture_html(data: bytes, alt: str, *, caption: str = "", mime: str = "image/png",
                 max_height: str = "85vh") -> str:
    """An image as HTML with real alt text (``st.image`` writes only an index as alt), its
    caption under it, never wider than its column nor taller than ``max_height``."""
    import base64
    import html

    src = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    cap = (f"<figcaption style='font-size:0.875rem;opacity:0.75;text-align:center'>"
           f"{html.escape(caption)}</figcaption>") if caption else ""
    return (f"<figure style='margin:0 0 0.5rem 0;text-align:center'><img src='{src}' "
            f"alt='{html.escape(alt, quote=True)}' style='max-width:100%;"
            f"max-height:{max_height};height:auto;width:auto'>{cap}</figure>")


def jpeg_bytes(image_rgb, quality: int = 88) -> bytes:
    """JPEG bytes of an RGB picture (smaller than PNG for video frames)."""
    data = encode_jpeg(image_rgb, quality=quality)
    if data is None:
        raise StorageError("A picture could not be encoded.")
    return data
