"""Video intake: check a clip, then stream its frames upright with real timestamps.

Decoding uses PyAV (FFmpeg). Times come from each frame's presentation timestamp
(``pts * time_base``), never from ``index / fps``, because phones record at a variable
frame rate. Rotation metadata (the display matrix) is applied so that frames come out the
way the phone showed them. Slow-motion clips (high capture rate played back at ~30 fps) are
detected from container metadata where the phone writes it, or given by the user, and all
times are reported in real (wall-clock) seconds.

Frames are decoded one at a time; nothing holds the whole video in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import av
import numpy as np

from posture.errors import (
    ClipTooShortError,
    FrameRateTooLowError,
    UnreadableVideoError,
)
from posture.track import VideoInfo
from posture.wording import MIN_CLIP_S

MIN_DURATION_S = 2.0
"""Shortest clip (real seconds) that can hold a few strides."""
MIN_CAPTURE_FPS = 20.0
"""Below this, a running stride (~0.7 s) has too few frames to find contacts."""
SKIP_DEBLOCK_BELOW_SCALE = 0.67
"""When frames are shrunk at least this much, the decoder skips its deblocking filter."""
VFR_SPREAD = 0.1
"""A clip is variable-frame-rate when frame intervals spread by more than this fraction."""

# Metadata keys under which phones store the real capture rate of slow-motion clips.
_CAPTURE_FPS_KEYS = (
    "com.android.capture.fps",
    "com.apple.quicktime.capture.fps",
    "capture_fps",
)

# File signatures of video containers: used only to tell "not a video" from "a damaged video".
_CONTAINER_MAGIC = (
    (4, b"ftyp"),  # MP4 / MOV / M4V
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"wide"),
    (4, b"free"),
    (0, b"RIFF"),  # AVI
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska / WebM
)


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes
    ----------
    t_s : real time in seconds from the clip's first frame (slow motion undone).
    index : position of the frame in the stream, in presentation order (0-based).
    image_rgb : (H, W, 3) uint8, upright (rotation metadata applied).
    scale : size of ``image_rgb`` relative to the full-resolution upright frame
        (1.0 unless a working size was asked for). Full-res px = image px / scale.
    """

    t_s: float
    index: int
    image_rgb: np.ndarray
    scale: float = 1.0


@dataclass(frozen=True)
class _Scan:
    """What one pass over the packets found (no decoding)."""

    pts: np.ndarray  # (N,) int64, sorted presentation timestamps in stream time_base units
    time_base: float
    frame_interval_s: float  # median playback interval
    declared_frames: int


def _fail(message: str) -> UnreadableVideoError:
    return UnreadableVideoError(message)


def _looks_like_container(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(16)
    return any(head[off:off + len(sig)] == sig for off, sig in _CONTAINER_MAGIC)


def _check_file(path: Path) -> None:
    """Refuse what is not a readable, non-empty regular file, saying what it is instead."""
    if not path.exists():
        if path.is_symlink():
            raise _fail(f"{path.name} is a link that leads nowhere (or to itself); "
                        "give the video file itself.")
        raise _fail(f"The file {path.name} does not exist.")
    if path.is_dir():
        raise _fail(f"{path.name} is a folder, not a video file.")
    if not path.is_file():
        raise _fail(f"{path.name} is not a regular file (a pipe, socket or device); save the "
                    "video as a file first.")
    if not os.access(path, os.R_OK):
        raise _fail(f"The file {path.name} cannot be read (no permission).")
    if path.stat().st_size == 0:
        raise _fail(f"The file {path.name} is empty (0 bytes); copy the video again.")


def _open(path: Path) -> av.container.InputContainer:
    _check_file(path)
    try:
        return av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        if _looks_like_container(path):
            raise _fail(
                f"The file {path.name} is truncated or corrupt and cannot be read; "
                "copy the complete video again."
            ) from exc
        raise _fail(f"The file {path.name} is not a video this app can read.") from exc


def _video_stream(container: av.container.InputContainer, name: str,
                  path: Path | None = None) -> av.video.VideoStream:
    if not container.streams.video:
        if container.streams.audio:
            raise _fail(f"The file {name} contains only audio and no video track.")
        if path is not None and _looks_like_container(path):
            # A video file's start with no track list: its index was cut off or damaged.
            raise _fail(f"The file {name} is truncated or corrupt and cannot be read; "
                        "copy the complete video again.")
        raise _fail(f"The file {name} is not a video this app can read.")
    stream = container.streams.video[0]
    if stream.codec_context is None:
        raise _fail(f"The video codec of {name} is not supported; export it as H.264 or HEVC.")
    return stream


def _scan_packets(container: av.container.InputContainer, stream: av.video.VideoStream,
                  name: str) -> _Scan:
    pts: list[int] = []
    try:
        for packet in container.demux(stream):
            if packet.size == 0 or packet.is_discard:
                continue
            ts = packet.pts if packet.pts is not None else packet.dts
            if ts is not None:
                pts.append(int(ts))
    except av.error.FFmpegError as exc:
        if len(pts) < 2:
            raise _fail(
                f"The file {name} is truncated or corrupt and cannot be read; "
                "copy the complete video again."
            ) from exc
    arr = np.unique(np.asarray(pts, dtype=np.int64))
    tb = float(stream.time_base) if stream.time_base else 0.0
    if arr.size == 1 and len(pts) == 1 and tb > 0:
        raise _fail(f"The file {name} holds a single frame: a still picture, not a video.")
    if arr.size < 2 or tb <= 0:
        raise _fail(f"The file {name} has no readable video frames.")
    n_repeated = len(pts) - arr.size
    if n_repeated > max(2, 0.01 * len(pts)):
        # Two frames at one instant: no true time for either, so no speeds or timings.
        raise _fail(
            f"The file {name} gives {n_repeated} of its {len(pts)} frames the same time as "
            "another frame (broken timestamps); export it again from the phone or an editor."
        )
    dt = np.diff(arr) * tb
    return _Scan(pts=arr, time_base=tb, frame_interval_s=float(np.median(dt)),
                 declared_frames=int(stream.frames or 0))


def _first_frame(container: av.container.InputContainer, stream: av.video.VideoStream,
                 name: str) -> av.VideoFrame:
    container.seek(0)
    codec = stream.codec_context.name
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise _undecodable(name, codec) from exc
    raise _undecodable(name, codec)


#: Codecs FFmpeg decodes here: when they fail, the file is damaged, not exotic.
_COMMON_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mjpeg", "prores"})


def _undecodable(name: str, codec: str) -> UnreadableVideoError:
    if codec in _COMMON_CODECS:
        return _fail(f"The video in {name} is damaged: none of its {codec} frames can be "
                     "decoded; copy the complete video again.")
    return _fail(f"The video in {name} could not be decoded (codec {codec}); export it as "
                 "H.264 or HEVC.")


def _capture_fps_from_metadata(container: av.container.InputContainer,
                               stream: av.video.VideoStream) -> float | None:
    for meta in (stream.metadata, container.metadata):
        for key in _CAPTURE_FPS_KEYS:
            if key in meta:
                try:
                    return float(str(meta[key]).strip())
                except ValueError:
                    continue
    return None


@dataclass(frozen=True)
class DisplayRotation:
    """What a display matrix asks for, reduced to what the analysis applies."""

    rotation_ccw_deg: int
    """Counter-clockwise turn (multiple of 90) that makes the stored frame upright."""
    note: str = ""
    """Why the matrix was not applied as written (empty when it was)."""


def display_rotation(matrix: np.ndarray | None) -> DisplayRotation:
    """Read a display matrix (FFmpeg's 3x3, row-major, 16.16 fixed point as int32).

    Parameters
    ----------
    matrix : (9,) int32 as stored in the file, or None when the clip has none.

    Returns
    -------
    DisplayRotation. A plain rotation is applied as written (rounded to a quarter turn).
    An all-zero or degenerate matrix (its 2x2 part has no inverse) means nothing: no turn,
    with a note. A mirroring matrix (negative determinant, e.g. a selfie camera) is not
    mirrored back: the stored pixels are what the camera saw, so legs keep their true
    left/right names; only its rotation part is applied (FFmpeg itself reads a plain
    horizontal mirror as a 180 deg turn, which stood the runner on their head), with a
    note. Whether a mirrored quarter turn means +90 or -90 depends on which side the mirror
    is taken; a body left upside down by that is turned by the body-orientation check
    (:mod:`posture.camera.orientation`).
    """
    if matrix is None:
        return DisplayRotation(0)
    m = np.asarray(matrix, dtype=np.float64).reshape(-1)
    if m.size != 9:
        return DisplayRotation(0, "The video's rotation metadata is malformed and was "
                                  "ignored.")
    a, b, c, d = m[0] / 65536.0, m[1] / 65536.0, m[3] / 65536.0, m[4] / 65536.0
    det = a * d - b * c
    scale = max(np.hypot(a, c), np.hypot(b, d))
    if not np.isfinite(det) or scale == 0 or abs(det) < 1e-3 * scale * scale:
        return DisplayRotation(0, "The video's rotation metadata is empty (an all-zero "
                                  "matrix) and was ignored.")
    mirrored = det < 0
    if mirrored:
        a = -a  # take the flip out (negate the first column): a pure rotation is left
    # as FFmpeg's av_display_rotation_get: the counter-clockwise turn that makes it upright
    ccw = -np.degrees(np.arctan2(b, a))
    turn = round(ccw / 90.0) * 90 % 360
    if mirrored:
        return DisplayRotation(turn, "The video's metadata shows the picture mirrored (as "
                                     "a selfie camera does); it was analysed as the camera "
                                     "saw it, not mirrored.")
    return DisplayRotation(turn)


def _display_matrix(frame: av.VideoFrame) -> np.ndarray | None:
    for sd in getattr(frame, "side_data", ()):
        if "DISPLAYMATRIX" in str(sd.type):
            return np.frombuffer(bytes(sd), dtype="<i4")
    return None


def _rotation_ccw_deg(frame: av.VideoFrame) -> int:
    """Counter-clockwise rotation (multiple of 90) that makes the stored frame upright."""
    return display_rotation(_display_matrix(frame)).rotation_ccw_deg


def slowmo_factor_from(capture_fps: float | None, playback_fps: float) -> float:
    """How many times slower than life a clip plays, from a declared capture rate.

    Only a capture rate clearly above the playback rate (by >= 1.5x) counts: phones also
    write the tag on normal clips, where it equals the playback rate.
    """
    if capture_fps is None or not np.isfinite(capture_fps) or capture_fps <= 0:
        return 1.0
    ratio = capture_fps / playback_fps
    return float(ratio) if ratio >= 1.5 else 1.0


@lru_cache(maxsize=32)
def _probe_cached(path_str: str, mtime_ns: int, size: int, slowmo_factor: float | None,
                  turn_ccw_deg: int = 0) -> tuple[VideoInfo, _Scan]:
    path = Path(path_str)
    name = path.name
    with _open(path) as container:
        stream = _video_stream(container, name, path)
        scan = _scan_packets(container, stream, name)
        first = _first_frame(container, stream, name)
        display = display_rotation(_display_matrix(first))
        rot_ccw = (display.rotation_ccw_deg + turn_ccw_deg) % 360
        stored_w, stored_h = first.width, first.height
        codec = stream.codec_context.name
        capture_meta = _capture_fps_from_metadata(container, stream)

    # The index promises more frames than the file holds: its end is missing. (A frame or
    # two may legitimately be dropped by an edit list.)
    if scan.pts.size < scan.declared_frames - max(2, 0.01 * scan.declared_frames):
        raise _fail(
            f"The file {name} is truncated (only {scan.pts.size} of {scan.declared_frames} "
            "frames are present); copy the complete video again."
        )
    # Average rate over the clip: robust to timestamps rounded to whole milliseconds (WebM,
    # MKV), where the median interval is 33 ms for a 30 fps clip.
    span_pts_s = (scan.pts[-1] - scan.pts[0]) * scan.time_base
    fps_nominal = (scan.pts.size - 1) / span_pts_s
    if slowmo_factor is None:
        factor = slowmo_factor_from(capture_meta, fps_nominal)
    else:
        if not slowmo_factor > 0:
            raise ValueError("slowmo_factor must be positive")
        factor = float(slowmo_factor)
    dt = np.diff(scan.pts) * scan.time_base
    is_vfr = bool(np.ptp(dt) / np.median(dt) > VFR_SPREAD)
    playback_span_s = span_pts_s + 1.0 / fps_nominal
    duration_s = playback_span_s / factor
    width, height = (stored_h, stored_w) if rot_ccw in (90, 270) else (stored_w, stored_h)
    info = VideoInfo(
        path=str(path), width_px=int(width), height_px=int(height),
        rotation_deg=int((-rot_ccw) % 360), codec=codec, n_frames=int(scan.pts.size),
        fps_nominal=float(fps_nominal), fps_capture=float(fps_nominal * factor),
        duration_s=float(duration_s), is_vfr=is_vfr, slowmo_factor=float(factor),
        file_size_bytes=int(size), turn_ccw_deg=int(turn_ccw_deg) % 360,
        notes=(display.note,) if display.note else (),
    )
    return info, scan


_SCANS: dict[tuple, tuple[VideoInfo, _Scan]] = {}
"""Probe results handed over by another process (see :func:`export_probe`)."""


def _probe_key(path: str | os.PathLike, slowmo_factor: float | None,
               turn_ccw_deg: int = 0) -> tuple:
    p = Path(path)
    st = p.stat() if p.exists() and p.is_file() else None
    return (str(p.resolve()) if st else str(p), st.st_mtime_ns if st else 0,
            st.st_size if st else 0, slowmo_factor, int(turn_ccw_deg) % 360)


def export_probe(path: str | os.PathLike, slowmo_factor: float | None = None,
                 turn_ccw_deg: int = 0) -> tuple:
    """A picklable copy of what probing ``path`` found, for :func:`import_probe` elsewhere
    (a worker process then skips reading the whole file again)."""
    key = _probe_key(path, slowmo_factor, turn_ccw_deg)
    return key, _SCANS.get(key) or _probe_cached(*key)


def import_probe(exported: tuple) -> None:
    key, value = exported
    _SCANS[key] = value


def _probe_and_scan(path: str | os.PathLike, slowmo_factor: float | None,
                    check: bool, turn_ccw_deg: int = 0) -> tuple[VideoInfo, _Scan]:
    key = _probe_key(path, slowmo_factor, turn_ccw_deg)
    info, scan = _SCANS.get(key) or _probe_cached(*key)
    if check:
        _check_usable(info)
    return info, scan


def _check_usable(info: VideoInfo) -> None:
    name = Path(info.path).name
    if info.duration_s < MIN_DURATION_S:
        raise ClipTooShortError(
            f"The clip {name} lasts only {info.duration_s:.1f} s; film at least "
            f"{MIN_DURATION_S:.0f} s (ideally {MIN_CLIP_S:.0f} s or more) of running."
        )
    if info.fps_capture < MIN_CAPTURE_FPS:
        raise FrameRateTooLowError(
            f"The clip {name} was filmed at {info.fps_capture:.0f} frames per second; "
            f"film at {MIN_CAPTURE_FPS:.0f} fps or more (60 fps is best)."
        )


def probe(path: str | os.PathLike, *, slowmo_factor: float | None = None,
          turn_ccw_deg: int = 0) -> VideoInfo:
    """Check that a clip can be analysed and describe it.

    Parameters
    ----------
    path : video file (.mp4, .mov, .m4v, .avi, .webm, ...; H.264, HEVC, VP9, ...).
    slowmo_factor : how many times slower than life the clip plays; ``None`` detects it from
        metadata (1.0 when there is none).
    turn_ccw_deg : an extra counter-clockwise quarter turn on top of the rotation metadata
        (a body found upside down or lying sideways, see :mod:`posture.camera.orientation`).

    Returns
    -------
    VideoInfo with sizes after rotation (px), rotation (degrees clockwise, as the common
    ``rotate`` tag states it), frame rates (frames per second), real duration (s).

    Raises
    ------
    UnreadableVideoError : not a video, empty, truncated or corrupt, audio only, or a codec
        that cannot be decoded.
    ClipTooShortError : shorter than 2 real seconds.
    FrameRateTooLowError : capture rate below 20 fps.
    """
    return _probe_and_scan(path, slowmo_factor, check=True, turn_ccw_deg=turn_ccw_deg)[0]


def probe_unchecked(path: str | os.PathLike, *, slowmo_factor: float | None = None) -> VideoInfo:
    """Like :func:`probe` but without the duration and frame-rate limits (for ``posture info``)."""
    return _probe_and_scan(path, slowmo_factor, check=False)[0]


def working_size(width_px: int, height_px: int, max_side_px: int | None) -> tuple[int, int]:
    """(width, height) after shrinking so that the long side is at most ``max_side_px``.

    Sizes stay even (some scalers need it) and never grow.
    """
    if max_side_px is None or max(width_px, height_px) <= max_side_px:
        return width_px, height_px
    s = max_side_px / max(width_px, height_px)
    return max(2, round(width_px * s / 2) * 2), max(2, round(height_px * s / 2) * 2)


def iter_frames(path: str | os.PathLike, *, start_s: float | None = None,
                end_s: float | None = None, slowmo_factor: float | None = None,
                max_side_px: int | None = None, fast_scaling: bool = False,
                turn_ccw_deg: int = 0) -> Iterator[Frame]:
    """Stream the frames of a clip, upright, with real timestamps.

    Parameters
    ----------
    path : video file; checked with :func:`probe` first (raises its errors).
    start_s, end_s : optional window in real seconds from the first frame (inclusive).
    slowmo_factor : see :func:`probe`.
    max_side_px : shrink frames so the long side is at most this many pixels (scaling and
        colour conversion happen in one FFmpeg call, outside the GIL; when shrinking by 1.5x
        or more the H.264/HEVC deblocking filter is skipped). ``Frame.scale`` says by how much.
    fast_scaling : shrink with FFmpeg's fast bilinear filter instead of area averaging: about
        1 ms less per 1080p frame. For the pose model only: on rendered 1080p runners its
        landmarks were as close to the truth as with area averaging (benchmarks/README.md);
        pictures shown to people keep the area filter.
    turn_ccw_deg : see :func:`probe`.

    Yields
    ------
    Frame with ``t_s`` in real seconds (``(pts - first_pts) * time_base / slowmo_factor``).
    """
    info, scan = _probe_and_scan(path, slowmo_factor, check=True, turn_ccw_deg=turn_ccw_deg)
    factor = info.slowmo_factor
    pts0 = int(scan.pts[0])
    tb = scan.time_base
    out_w, out_h = working_size(info.width_px, info.height_px, max_side_px)
    scale = out_w / info.width_px
    lo = -np.inf if start_s is None else float(start_s)
    hi = np.inf if end_s is None else float(end_s)
    # Half a frame of slack so a window edge that falls on a frame keeps it.
    eps = 0.5 * scan.frame_interval_s / factor
    interpolation = "FAST_BILINEAR" if fast_scaling else "AREA"
    with _open(Path(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if scale <= SKIP_DEBLOCK_BELOW_SCALE:
            # Deblocking fixes block edges that shrinking hides anyway: ~20 % of decode time.
            stream.codec_context.options = {"skip_loop_filter": "all"}
        if start_s is not None and start_s > 0:
            target = pts0 + int((lo * factor - scan.frame_interval_s) / tb)
            container.seek(max(target, pts0), stream=stream, backward=True, any_frame=False)
        n_errors = 0
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                # A damaged packet: skip its frame (it stays missing, times stay true).
                n_errors += 1
                if n_errors > 25:
                    raise _fail(
                        f"The file {Path(path).name} is corrupt: too many frames cannot be "
                        "decoded."
                    ) from None
                continue
            for frame in frames:
                ts = frame.pts if frame.pts is not None else frame.dts
                if ts is None:
                    continue
                t_s = (int(ts) - pts0) * tb / factor
                if t_s < lo - eps:
                    continue
                if t_s > hi + eps:
                    return
                yield Frame(t_s=float(t_s), index=int(np.searchsorted(scan.pts, int(ts))),
                            image_rgb=_to_upright_rgb(frame, out_w, out_h, interpolation,
                                                      info.turn_ccw_deg),
                            scale=scale)


def turn_box_px(box_px: tuple[float, float, float, float], turn_ccw_deg: int,
                size_px: tuple[int, int]) -> tuple[float, float, float, float]:
    """A box ``(x, y, w, h)`` drawn on a picture of ``size_px`` (width, height), in the
    pixels of that picture turned ``turn_ccw_deg`` (0/90/180/270) counter-clockwise, as
    :func:`iter_frames` turns it. Pixels (float)."""
    x, y, bw, bh = box_px
    w, h = size_px
    k = (turn_ccw_deg % 360) // 90
    if turn_ccw_deg % 90:
        raise ValueError("turn_ccw_deg must be a multiple of 90")
    if k == 1:  # np.rot90: the right edge becomes the top
        return (y, w - x - bw, bh, bw)
    if k == 2:
        return (w - x - bw, h - y - bh, bw, bh)
    if k == 3:
        return (h - y - bh, x, bh, bw)
    return (x, y, bw, bh)


def _to_upright_rgb(frame: av.VideoFrame, out_w: int, out_h: int,
                    interpolation: str = "AREA", turn_ccw_deg: int = 0) -> np.ndarray:
    rot = (_rotation_ccw_deg(frame) + turn_ccw_deg) % 360
    k = rot // 90
    # Scale in the stored orientation (swap target sizes when the frame is stored sideways).
    stored_w, stored_h = (out_h, out_w) if k % 2 else (out_w, out_h)
    if (stored_w, stored_h) != (frame.width, frame.height) or frame.format.name != "rgb24":
        frame = frame.reformat(width=stored_w, height=stored_h, format="rgb24",
                               interpolation=interpolation)
    img = frame.to_ndarray()
    if k:
        img = np.ascontiguousarray(np.rot90(img, k))
    return img


SEEK_AHEAD_FRAMES = 90
"""When the next wanted frame is further ahead than this, seek instead of decoding on."""


def frames_at(path: str | os.PathLike, indices: Iterator[int] | list[int], *,
              slowmo_factor: float | None = None,
              max_side_px: int | None = None, turn_ccw_deg: int = 0) -> Iterator[Frame]:
    """Only the frames with these stream indices (presentation order), in index order.

    For sampling a few frames of a long clip: it seeks to the keyframe before each wanted
    frame that lies more than ``SEEK_AHEAD_FRAMES`` ahead, instead of decoding everything
    in between. Frames equal those of :func:`iter_frames` with the same arguments.
    Indices outside the clip are ignored.
    """
    info, scan = _probe_and_scan(path, slowmo_factor, check=False, turn_ccw_deg=turn_ccw_deg)
    wanted = sorted({int(i) for i in indices if 0 <= int(i) < scan.pts.size})
    if not wanted:
        return
    out_w, out_h = working_size(info.width_px, info.height_px, max_side_px)
    scale = out_w / info.width_px
    pts0, tb, factor = int(scan.pts[0]), scan.time_base, info.slowmo_factor
    with _open(Path(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if scale <= SKIP_DEBLOCK_BELOW_SCALE:
            stream.codec_context.options = {"skip_loop_filter": "all"}
        decoded = None  # generator of decoded frames from the last seek
        position = -1  # index of the last decoded frame
        for target in wanted:
            if decoded is None or target <= position or target - position > SEEK_AHEAD_FRAMES:
                container.seek(int(scan.pts[target]), stream=stream, backward=True,
                               any_frame=False)
                decoded = container.decode(stream)
            for frame in decoded:
                ts = frame.pts if frame.pts is not None else frame.dts
                if ts is None:
                    continue
                position = int(np.searchsorted(scan.pts, int(ts)))
                if position < target:
                    continue
                if position == target:
                    yield Frame(t_s=float((int(ts) - pts0) * tb / factor), index=target,
                                image_rgb=_to_upright_rgb(frame, out_w, out_h,
                                                          turn_ccw_deg=info.turn_ccw_deg),
                                scale=scale)
                break
