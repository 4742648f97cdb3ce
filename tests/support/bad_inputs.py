"""A corpus of bad inputs, generated on the fly (no binary fixtures): malformed files and
odd command-line options, each with the one-line refusal the CLI must give.

``python -m tests.support.bad_inputs`` prints the corpus table (input, message) for docs/privacy.md.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import struct
import wave
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.support import videogen as vg

#: Every refusal must match one of these (a short, fixed list of messages).
MESSAGES: dict[str, str] = {
    "missing": r"does not exist",
    "empty": r"is empty \(0 bytes\)",
    "not_video": r"is not a video this app can read",
    "corrupt": r"is truncated or corrupt and cannot be read",
    "truncated": r"is truncated \(only \d+ of \d+ frames",
    "codec": r"video codec of .* is not supported",
    "damaged": r"is damaged: none of its \w+ frames can be decoded|could not be decoded",
    "too_corrupt": r"is corrupt: too many frames cannot be decoded",
    "audio": r"contains only audio",
    "one_frame": r"holds a single frame",
    "no_frames": r"has no readable video frames",
    "repeated_times": r"the same time as another frame",
    "short": r"lasts only [\d.]+ s",
    "low_fps": r"frames per second",
    "folder": r"is a folder, not a video file",
    "not_regular": r"is not a regular file",
    "dangling": r"is a link that leads nowhere",
    "no_person": r"No person was found|runner was found in only",
    "few_strides": r"clean strides? (?:were|was) found",
    # options
    "range": r"argument --\w+: must be (between|at least)",
    "finite": r"argument --\w+: must be a finite number",
    "number": r"argument --\w+: must be a number",
    "choice": r"argument --view: invalid choice",
    "needs_value": r"argument --\w+: expected one argument",
    "order": r"--start \([\d.]+ s\) must be before --end",
    "out_file": r"--out .* is a file, not a folder",
    "out_cannot": r"--out .* cannot take the results",
    "unknown_option": r"unrecognized arguments",
    "missing_arg": r"the following arguments are required",
    "window": r"window .* is shorter than",
    "after_end": r"--start [\d.]+ s is at or after the end of",
}


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path] | None
    """Writes the input into a folder and returns its path (None: options-only case)."""
    expect: tuple[str, ...]
    """Keys of :data:`MESSAGES`, any of which is right."""
    argv: tuple[str, ...] = ()
    """Extra options; ``{clip}`` is replaced by the input's path, ``{dir}`` by the folder."""
    command: str = "analyze"
    slow: bool = False
    """Reaches the pose model (seconds, not milliseconds): only in the slow tier."""


# ----------------------------------------------------------------------------- makers
def _base(folder: Path, name: str = "base.mp4", **kw) -> Path:
    """A valid 3-s 30 fps clip (a moving marker, no person)."""
    return vg.write_clip(folder / name, vg.regular_times(kw.pop("duration_s", 3.0),
                                                          kw.get("rate", 30)),
                         width=kw.pop("width", 64), height=kw.pop("height", 48), **kw)


def _bytes(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        p = folder / name
        p.write_bytes(data() if callable(data) else data)
        return p
    return make


def _from_base(name: str, edit: Callable[[bytes], bytes], **kw) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        raw = _base(folder, f".src-{name}", **kw).read_bytes()
        p = folder / name
        p.write_bytes(edit(raw))
        return p
    return make


def _truncate(frac: float) -> Callable[[bytes], bytes]:
    return lambda raw: raw[: int(len(raw) * frac)]


def _corrupt(seed: int, n_spots: int, width: int) -> Callable[[bytes], bytes]:
    def edit(raw: bytes) -> bytes:
        rng = np.random.default_rng(seed)
        b = bytearray(raw)
        lo = raw.find(b"mdat") + 8
        for pos in rng.integers(lo, len(b) - width, n_spots):
            b[pos:pos + width] = rng.integers(0, 256, width, dtype=np.uint8).tobytes()
        return bytes(b)
    return edit


def _box_size(box: bytes, size: int) -> Callable[[bytes], bytes]:
    def edit(raw: bytes) -> bytes:
        i = raw.find(box) - 4
        return raw[:i] + struct.pack(">I", size) + raw[i + 4:]
    return edit


def _zero_mdat(raw: bytes) -> bytes:
    i = raw.find(b"mdat") + 8
    j = raw.find(b"moov") - 4 if raw.find(b"moov") > i else len(raw)
    return raw[:i] + bytes(j - i) + raw[j:]


def _wav(seconds: float = 2.0) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(int(8000 * seconds) * 2))
    return buf.getvalue()


def _png(w: int, h: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (40, 90, 160)).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="JPEG")
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("clip.txt", "not a video")
    return buf.getvalue()


def _gz_of_base(folder: Path) -> Path:
    p = folder / "clip.mp4.gz.mp4"
    p.write_bytes(gzip.compress(_base(folder, ".src-gz.mp4").read_bytes()))
    return p


def _audio(codec: str, name: str) -> Callable[[Path], Path]:
    return lambda folder: vg.write_audio_only(folder / name, 2.0, codec=codec)


def _clip(name: str, times: Callable[[], np.ndarray], **kw) -> Callable[[Path], Path]:
    return lambda folder: vg.write_clip(folder / name, times(),
                                        width=kw.pop("width", 64), height=kw.pop("height", 48),
                                        **kw)


def _special(kind: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        p = folder / f"{kind}.mp4"
        if kind == "missing":
            return p
        if kind == "folder":
            p.mkdir()
        elif kind == "fifo":
            os.mkfifo(p)
        elif kind == "dangling":
            p.symlink_to(folder / "nowhere.mp4")
        elif kind == "loop":
            p.symlink_to(p)
        return p
    return make


def _repeated_times() -> np.ndarray:
    t = vg.regular_times(4.0, 30)
    return np.repeat(t[::2], 2)  # every frame shares its time with the next


def _renamed(name: str, duration_s: float) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        src = vg.write_clip(folder / ".src.mp4", vg.regular_times(duration_s, 30), width=64,
                            height=48)
        return src.rename(folder / name)
    return make


def _unknown_codec(folder: Path) -> Path:
    return vg.write_unknown_codec(folder / "qqqq_codec.mp4", _base(folder, ".src-q.mp4"))


GARBAGE = np.random.default_rng(7).integers(0, 256, 1 << 16, dtype=np.uint8).tobytes()

FILE_CASES: list[Case] = [
    Case("zero bytes (.mp4)", _bytes("empty.mp4", b""), ("empty",)),
    Case("zero bytes (.mov)", _bytes("empty.mov", b""), ("empty",)),
    Case("zero bytes (.webm)", _bytes("empty.webm", b""), ("empty",)),
    Case("text file named .mp4", _bytes("notes.mp4", b"not a video\n" * 20), ("not_video",)),
    Case("UTF-16 text named .mov", _bytes("u16.mov", "hello".encode("utf-16") * 50),
         ("not_video",)),
    Case("HTML page named .mp4", _bytes("page.mp4", b"<html><body>hi</body></html>" * 20),
         ("not_video",)),
    Case("one byte", _bytes("one.mp4", b"\x00"), ("not_video",)),
    Case("64 KB of random bytes", _bytes("random.mp4", GARBAGE), ("not_video", "corrupt")),
    Case("4 MB of random bytes", _bytes("random_big.mp4", GARBAGE * 64),
         ("not_video", "corrupt")),
    Case("4 MB of zeros", _bytes("zeros.mp4", bytes(1 << 22)), ("not_video", "corrupt")),
    Case("zip archive named .mov", _bytes("archive.mov", _zip), ("not_video",)),
    Case("gzip-compressed clip", _gz_of_base, ("not_video",)),
    Case("PNG picture named .mp4", _bytes("picture.mp4", lambda: _png(64, 48)),
         ("one_frame", "not_video", "no_frames")),
    Case("JPEG picture named .mp4", _bytes("photo.mp4", _jpeg),
         ("one_frame", "not_video", "no_frames")),
    Case("8000 x 8000 PNG named .mov", _bytes("huge_picture.mov", lambda: _png(8000, 8000)),
         ("one_frame", "not_video", "no_frames")),
    Case("WAV audio named .mp4", _bytes("sound.mp4", _wav), ("audio",)),
    Case("AAC audio only (.m4a named .mp4)", _audio("aac", "aac_only.mp4"), ("audio",)),
    Case("FLAC audio only (.mkv)", _audio("flac", "flac_only.mkv"), ("audio",)),
    Case("MP4 magic then garbage", _bytes("ftyp_junk.mp4",
                                          b"\x00\x00\x00\x18ftypisom" + GARBAGE[:4096]),
         ("corrupt", "not_video")),
    Case("Matroska magic then garbage", _bytes("ebml_junk.mkv",
                                               b"\x1a\x45\xdf\xa3" + GARBAGE[:4096]),
         ("corrupt", "not_video")),
    Case("AVI magic then garbage", _bytes("riff_junk.avi", b"RIFF\x00\x10\x00\x00AVI LIST"
                                          + GARBAGE[:4096]), ("corrupt", "not_video")),
    Case("MOV 'moov' box only", _bytes("moov_only.mov", b"\x00\x00\x00\x08moov"),
         ("corrupt", "not_video")),
    Case("MP4 header only (first 32 bytes)", _from_base("head32.mp4", lambda r: r[:32]),
         ("corrupt", "not_video")),
    Case("clip cut at 5 %", _from_base("cut05.mp4", _truncate(0.05)),
         ("corrupt", "truncated", "no_frames")),
    Case("clip cut at 25 %", _from_base("cut25.mp4", _truncate(0.25)),
         ("corrupt", "truncated", "no_frames")),
    Case("clip cut at 50 %", _from_base("cut50.mp4", _truncate(0.50)),
         ("corrupt", "truncated", "no_frames")),
    Case("clip cut at 75 %", _from_base("cut75.mp4", _truncate(0.75)),
         ("corrupt", "truncated", "no_frames")),
    Case("clip cut at 90 %", _from_base("cut90.mp4", _truncate(0.90)),
         ("corrupt", "truncated", "no_frames")),
    Case("clip cut 1 byte short", _from_base("cut_1byte.mp4", lambda r: r[:-1]),
         ("corrupt", "truncated", "no_frames", "no_person"), slow=True),
    Case("index-first clip cut at 50 %", _from_base("fast_cut50.mp4", _truncate(0.5),
                                                    faststart=True),
         ("corrupt", "truncated", "no_frames", "short")),
    Case("index-first clip cut at 80 %", _from_base("fast_cut80.mp4", _truncate(0.8),
                                                    faststart=True),
         ("corrupt", "truncated", "no_frames", "short")),
    Case("frame data zeroed", _from_base("zeroed.mp4", _zero_mdat),
         ("damaged", "too_corrupt", "corrupt")),
    Case("mdat claims 4 GB", _from_base("huge_mdat.mp4", _box_size(b"mdat", 0xFFFFFFF0)),
         ("corrupt", "damaged", "truncated", "no_frames")),
    Case("mdat claims 9 bytes", _from_base("tiny_mdat.mp4", _box_size(b"mdat", 9)),
         ("corrupt", "damaged", "truncated", "no_frames", "not_video")),
    Case("moov claims 4 GB", _from_base("huge_moov.mp4", _box_size(b"moov", 0xFFFFFFF0)),
         ("corrupt", "not_video", "no_frames", "no_person"), slow=True),
    Case("ftyp size 0", _from_base("ftyp0.mp4", _box_size(b"ftyp", 0)),
         ("corrupt", "not_video", "no_frames")),
    Case("unknown codec tag", _unknown_codec, ("codec",)),
    Case("1 frame", _clip("one_frame.mp4", lambda: np.array([0.0])), ("one_frame",)),
    Case("2 frames", _clip("two_frames.mp4", lambda: np.array([0.0, 1 / 30])), ("short",)),
    Case("1.5 s clip", _clip("short.mp4", lambda: vg.regular_times(1.5, 30)), ("short",)),
    Case("1.9 s clip", _clip("almost.mp4", lambda: vg.regular_times(1.9, 30)), ("short",)),
    Case("15 fps clip", _clip("slow15.mp4", lambda: vg.regular_times(3.0, 15), rate=15),
         ("low_fps",)),
    Case("5 fps clip", _clip("slow5.mp4", lambda: vg.regular_times(4.0, 5), rate=5),
         ("low_fps",)),
    Case("1 fps, 10 s clip", _clip("slideshow.mp4", lambda: vg.regular_times(10.0, 1), rate=1),
         ("low_fps",)),
    Case("every timestamp twice", _clip("dup_times.mkv", _repeated_times),
         ("repeated_times",)),
    Case("missing file", _special("missing"), ("missing",)),
    Case("folder named .mp4", _special("folder"), ("folder",)),
    Case("named pipe (FIFO)", _special("fifo"), ("not_regular",)),
    Case("link to nowhere", _special("dangling"), ("dangling",)),
    Case("link to itself", _special("loop"), ("dangling",)),
    Case("name with spaces and markdown", _bytes("my [run] **fast** (1).mp4", b"junk" * 10),
         ("not_video",)),
    Case("name with accents and emoji", _bytes("course à pied 🏃.mov", b"junk" * 10),
         ("not_video",)),
    Case("name starting with '='", _bytes("=cmd()|x.mp4", b"junk" * 10), ("not_video",)),
    Case("200-character name", _bytes("r" * 196 + ".mp4", b"junk" * 10), ("not_video",)),
    Case("name without extension", _bytes("clip", b"junk" * 10), ("not_video",)),
    Case("valid clip named .txt, too short", _renamed("short.txt", 1.0), ("short",)),
    Case("AVI (MPEG-4) cut at 50 %", _from_base("cut.avi", _truncate(0.5), codec="mpeg4"),
         ("corrupt", "truncated", "no_frames", "short")),
    Case("WebM (VP9) cut at 40 %", _from_base("cut.webm", _truncate(0.4), codec="libvpx-vp9"),
         ("corrupt", "truncated", "no_frames", "short")),
    Case("random bytes sprinkled over the frames",
         _from_base("sprinkled.mp4", _corrupt(1, 40, 64)),
         ("damaged", "too_corrupt", "corrupt", "truncated", "no_person", "no_frames")),
    Case("frames overwritten in large blocks", _from_base("blocks.mp4", _corrupt(2, 6, 4096),
                                                          duration_s=4.0),
         ("damaged", "too_corrupt", "corrupt", "truncated", "no_person", "no_frames",
          "short")),
    Case("blank 3 s clip (no person)", _clip("blank.mp4", lambda: vg.regular_times(3.0, 30),
                                             make_frame=vg.blank_frame(64, 48)),
         ("no_person",), slow=True),
    Case("moving square, 3 s (no person)", _clip("marker.mp4",
                                                 lambda: vg.regular_times(3.0, 30)),
         ("no_person",), slow=True),
    Case("16 x 16 px clip", _clip("tiny.mp4", lambda: vg.regular_times(3.0, 30),
                                  width=16, height=16), ("no_person",), slow=True),
    Case("2 x 2 px clip", _clip("two_px.mp4", lambda: vg.regular_times(3.0, 30),
                                width=2, height=2), ("no_person",), slow=True),
    Case("3000 x 16 px clip", _clip("strip.mp4", lambda: vg.regular_times(2.5, 30),
                                    width=3000, height=16), ("no_person",), slow=True),
]

#: Option edge cases, run on a valid short clip (``{clip}``).
OPTION_CASES: list[Case] = [
    *[Case(f"--tilt {v}", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)), (key,),
           ("--tilt", v)) for v, key in (("46", "range"), ("-90", "range"), ("1e9", "range"),
                                         ("nan", "finite"), ("inf", "finite"),
                                         ("ten", "number"), ("", "number"))],
    # argparse reads "-inf" as an option: "expected one argument" (write --tilt=-inf).
    Case("--tilt -inf", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)), ("needs_value",),
         ("--tilt", "-inf")),
    Case("--tilt=-inf", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)), ("finite",),
         ("--tilt=-inf",)),
    *[Case(f"--height {v}", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)), (key,),
           ("--height", v)) for v, key in (("-1.75", "range"), ("0", "range"),
                                           ("175", "range"), ("0.99", "range"),
                                           ("nan", "finite"), ("1,75", "number"))],
    *[Case(f"--slowmo {v}", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)), (key,),
           ("--slowmo", v)) for v, key in (("0", "range"), ("-1", "range"), ("0.5", "range"),
                                           ("17", "range"), ("nan", "finite"),
                                           ("x8", "number"))],
    *[Case(f"--start {a} --end {b}", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)),
           keys, ("--start", a, "--end", b))
      for a, b, keys in (("nan", "2", ("finite",)), ("1", "inf", ("finite",)),
                         ("-1", "2", ("range",)), ("2", "2", ("order",)),
                         ("3", "1", ("order",)), ("0", "1", ("window",)),
                         ("10", "20", ("after_end",)))],
    Case("--view up", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)), ("choice",),
         ("--view", "up")),
    Case("--tilt without a value", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)),
         ("needs_value",), ("--tilt",)),
    Case("--out is a file", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)), ("out_file",),
         ("--out", "{clip}")),
    Case("--out below a file", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)),
         ("out_file",), ("--out", "{clip}/sub")),
    Case("--out in /proc", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)),
         ("out_cannot",), ("--out", "/proc/posture-test/out")),
    Case("unknown option", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)),
         ("unknown_option",), ("--speed", "12")),
    Case("info --slowmo 0", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)), ("range",),
         ("--slowmo", "0"), command="info"),
    Case("compare with one clip", _clip("ok.mp4", lambda: vg.regular_times(3.0, 30)),
         ("missing_arg",), command="compare"),
]


def expected_pattern(case: Case) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{MESSAGES[k]})" for k in case.expect))


def argv_of(case: Case, path: Path | None, folder: Path) -> list[str]:
    extra = [a.replace("{clip}", str(path)).replace("{dir}", str(folder)) for a in case.argv]
    head = [case.command] + ([str(path)] if path is not None else [])
    return [*head, *extra] + (["--quiet"] if case.command != "info" else [])


def table(folder: Path) -> str:
    """The corpus as a markdown table: input and the message the CLI gave."""
    import contextlib

    from posture import cli

    rows = ["| input | exit | message |", "|---|---|---|"]
    for k, case in enumerate(FILE_CASES + OPTION_CASES):
        sub = folder / f"c{k:03d}"
        sub.mkdir(parents=True)
        path = case.make(sub) if case.make else None
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli.main(argv_of(case, path, sub))
        line = err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else ""
        line = line.replace(str(sub) + "/", "").replace("|", "\\|")
        name = case.name.replace("|", "\\|")
        rows.append(f"| {name} | {code} | {line} |")
    return "\n".join(rows)


if __name__ == "__main__":
    import tempfile

    os.environ.setdefault("POSTURE_CACHE_DIR", tempfile.mkdtemp(prefix="posture-corpus-"))
    with tempfile.TemporaryDirectory() as tmp:
        print(table(Path(tmp)))
