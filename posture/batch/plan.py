"""What a batch has to do: the clips of a folder or a CSV manifest, and how they pair.

A **manifest** is a CSV file with a header row. Columns (any order):

==========  ========  ===========================================================
column      needed    meaning
==========  ========  ===========================================================
runner      yes       who runs (clips of one runner and date are paired)
clip        yes       video file, absolute or relative to the manifest's folder
role        yes       fresh, fatigued, side, rear (rear or front camera) or single
date        no        YYYY-MM-DD of the session (pairs are formed per runner and date)
height_m    no        runner height, m (1-2.5)
tilt_deg    no        camera tilt, degrees, clockwise + (-45 to 45)
slowmo      no        slow-motion factor when the phone did not record it (1-16)
==========  ========  ===========================================================

A **folder** is searched recursively for video files (hidden files and folders are left
out). A clip directly in the folder is its own runner (named by the file) and is analysed
alone. A clip in a subfolder belongs to the runner named by the first subfolder; clips in
the same folder are one session, paired by the first word of their file name (``fresh``,
``fatigued``, ``side``, ``rear`` or ``front``; any other name is analysed alone), and a
session folder named ``YYYY-MM-DD`` gives the date. So ``anna/fresh.mp4`` and
``anna/fatigued.mp4`` are compared, ``anna/2026-11-30/side.mov`` and
``anna/2026-11-30/rear.mov`` make a two-camera session, and ``club/bob.mp4`` is alone.

Every problem is one line (:class:`BatchInputError`), raised before any analysis.
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Literal

from posture.errors import PostureError

Role = Literal["fresh", "fatigued", "side", "rear", "single"]
ROLES: tuple[Role, ...] = ("fresh", "fatigued", "side", "rear", "single")
PairKind = Literal["fresh_vs_fatigued", "side_and_rear"]
#: The two roles of each kind of pair, in the order the CLI command takes them.
PAIR_ROLES: dict[PairKind, tuple[Role, Role]] = {
    "fresh_vs_fatigued": ("fresh", "fatigued"),
    "side_and_rear": ("side", "rear"),
}
PAIR_DIRS: dict[PairKind, str] = {"fresh_vs_fatigued": "fresh-vs-fatigued",
                                  "side_and_rear": "side-and-rear"}
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv", ".mts",
                            ".3gp"})
COLUMNS = ("runner", "clip", "role", "date", "height_m", "tilt_deg", "slowmo")
REQUIRED = ("runner", "clip", "role")
#: First word of a file name in a runner's folder -> role ("front" is the frontal camera).
NAME_ROLES: dict[str, Role] = {"fresh": "fresh", "fatigued": "fatigued", "side": "side",
                               "rear": "rear", "front": "rear"}


class BatchInputError(PostureError):
    """The folder or manifest cannot be used as it is (one line saying where and why)."""


@dataclass(frozen=True)
class ClipEntry:
    """One clip of the batch with what the user said about it."""

    runner: str
    path: str
    """Absolute path of the video."""
    role: Role
    session: str = ""
    """Clips of one runner and session are paired: the date (manifest) or the folder."""
    date: str = ""
    """``YYYY-MM-DD`` or empty."""
    height_m: float | None = None
    tilt_deg: float | None = None
    slowmo: float | None = None
    where: str = ""
    """Where the clip was named (manifest line or relative path), for messages."""

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class PairEntry:
    """Two clips of one runner and session compared as ``compare`` or ``session`` would."""

    kind: PairKind
    runner: str
    session: str
    date: str
    a: ClipEntry
    """fresh, or side."""
    b: ClipEntry
    """fatigued, or rear/front."""


@dataclass(frozen=True)
class Plan:
    clips: list[ClipEntry]
    pairs: list[PairEntry]
    clip_dirs: dict[str, str]
    """Clip path -> its output folder, relative to the batch's ``--out``."""
    pair_dirs: list[str]
    """Output folder of each pair (same order as ``pairs``)."""


def runner_key(name: str) -> str:
    """Runners match ignoring case and repeated spaces (as in the history)."""
    return " ".join(name.split()).casefold()


def load_plan(source: str | os.PathLike, *, out: str | os.PathLike | None = None) -> Plan:
    """The clips and pairs of a folder or a ``.csv`` manifest (see the module docstring).

    ``out``: the batch's output folder, left out of a folder search.
    """
    src = Path(source)
    if not src.exists():
        raise BatchInputError(f"{src} does not exist; give a folder of clips or a .csv "
                              "manifest.")
    if src.is_dir():
        clips = _scan_folder(src, out)
    elif src.suffix.lower() == ".csv":
        clips = _read_manifest(src)
    else:
        raise BatchInputError(f"{src.name} is neither a folder nor a .csv manifest; for one "
                              "clip use 'posture analyze'.")
    return _plan(clips)


# ---------------------------------------------------------------------------- manifest
def _read_manifest(path: Path) -> list[ClipEntry]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BatchInputError(f"{path.name} is not a UTF-8 text file; save the manifest as "
                              "CSV (UTF-8).") from None
    except OSError as exc:
        raise BatchInputError(f"{path.name} cannot be read ({exc.strerror or exc}).") from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(c.strip() for c in rows[0]):
        raise BatchInputError(f"{path.name} is empty; the first line must name the columns "
                              f"({', '.join(COLUMNS)}).")
    header = [c.strip().lower() for c in rows[0]]
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise BatchInputError(f"{path.name}: unknown column {unknown[0]!r} (the columns are "
                              f"{', '.join(COLUMNS)}).")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BatchInputError(f"{path.name}: the column {missing[0]!r} is missing (needed: "
                              f"{', '.join(REQUIRED)}).")
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise BatchInputError(f"{path.name}: the column {dupes[0]!r} appears twice.")
    clips = []
    for line_no, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines are allowed
        where = f"{path.name} line {line_no}"
        if len(cells) > len(header):
            raise BatchInputError(f"{where}: {len(cells)} cells for {len(header)} columns "
                                  "(a comma inside a name needs quotes).")
        row = {k: (cells[i].strip() if i < len(cells) else "") for i, k in enumerate(header)}
        clips.append(_manifest_clip(row, path.parent, where))
    if not clips:
        raise BatchInputError(f"{path.name} lists no clips.")
    return clips


def _manifest_clip(row: dict[str, str], base: Path, where: str) -> ClipEntry:
    from posture.options import HEIGHT_RANGE_M, SLOWMO_RANGE, TILT_RANGE_DEG

    runner = " ".join(row["runner"].split())
    if not runner:
        raise BatchInputError(f"{where}: the runner is empty.")
    if not row["clip"]:
        raise BatchInputError(f"{where}: the clip is empty.")
    role = row["role"].lower()
    if role not in ROLES:
        raise BatchInputError(f"{where}: unknown role {row['role']!r} (use "
                              f"{', '.join(ROLES[:-1])} or {ROLES[-1]}).")
    clip = Path(row["clip"]).expanduser()
    clip = clip if clip.is_absolute() else base / clip
    if not clip.exists():
        raise BatchInputError(f"{where}: the clip {row['clip']} does not exist.")
    if not clip.is_file():
        raise BatchInputError(f"{where}: the clip {row['clip']} is not a file.")
    day = row.get("date", "")
    if day:
        try:
            day = date.fromisoformat(day).isoformat()
        except ValueError:
            raise BatchInputError(f"{where}: the date {day!r} is not YYYY-MM-DD.") from None
    return ClipEntry(
        runner=runner, path=os.path.abspath(clip), role=role, session=day, date=day,
        height_m=_number(row, "height_m", HEIGHT_RANGE_M, " m", where),
        tilt_deg=_number(row, "tilt_deg", TILT_RANGE_DEG, " deg", where),
        slowmo=_number(row, "slowmo", SLOWMO_RANGE, "", where), where=where)


def _number(row: dict[str, str], column: str, span: tuple[float, float], unit: str,
            where: str) -> float | None:
    text = row.get(column, "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BatchInputError(f"{where}: {column} must be a number, not {text!r}.") from None
    if not math.isfinite(value) or not span[0] <= value <= span[1]:
        raise BatchInputError(f"{where}: {column} must be between {span[0]:g} and "
                              f"{span[1]:g}{unit}, not {text}.")
    return value


# ---------------------------------------------------------------------------- folder
def _scan_folder(root: Path, out: str | os.PathLike | None) -> list[ClipEntry]:
    skip = Path(out).resolve() if out is not None else None
    clips = []
    for path in sorted(_videos(root, skip)):
        rel = path.relative_to(root)
        if len(rel.parts) == 1:  # a clip at the top: its own runner, alone
            clips.append(ClipEntry(runner=path.stem, path=os.path.abspath(path),
                                   role="single", where=str(rel)))
            continue
        session = "/".join(rel.parts[1:-1])
        last = rel.parts[-2] if len(rel.parts) > 2 else ""
        day = last if re.fullmatch(r"\d{4}-\d{2}-\d{2}", last) and _is_date(last) else ""
        words = re.split(r"[^a-z0-9]+", path.stem.lower())
        clips.append(ClipEntry(runner=rel.parts[0], path=os.path.abspath(path),
                               role=NAME_ROLES.get(words[0], "single"), session=session,
                               date=day, where=str(rel)))
    if not clips:
        raise BatchInputError(f"no video files ({', '.join(sorted(VIDEO_SUFFIXES))}) in "
                              f"{root} or its subfolders.")
    return clips


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _videos(root: Path, skip: Path | None) -> Iterable[Path]:
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and (skip is None or (here / d).resolve() != skip))
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in VIDEO_SUFFIXES:
                yield here / name


# ---------------------------------------------------------------------------- pairing
def _plan(clips: list[ClipEntry]) -> Plan:
    # one spelling per runner (the first met), as the history matches names
    spelling: dict[str, str] = {}
    clips = [replace(c, runner=spelling.setdefault(runner_key(c.runner), c.runner))
             for c in clips]
    seen: dict[str, ClipEntry] = {}
    for c in clips:
        if c.path in seen:
            raise BatchInputError(f"{c.where}: the clip {c.name} is listed twice (also at "
                                  f"{seen[c.path].where}).")
        seen[c.path] = c
    sessions: dict[tuple[str, str], list[ClipEntry]] = defaultdict(list)
    for c in clips:
        sessions[(runner_key(c.runner), c.session)].append(c)
    pairs = []
    for group in sessions.values():
        pairs += _session_pairs(group)
    clip_dirs = _unique_dirs({c.path: _clip_dir(c) for c in clips})
    pair_dirs = list(_unique_dirs({str(k): _pair_dir(p) for k, p in enumerate(pairs)})
                     .values())
    return Plan(clips=clips, pairs=pairs, clip_dirs=clip_dirs, pair_dirs=pair_dirs)


def _session_pairs(group: list[ClipEntry]) -> list[PairEntry]:
    first = group[0]
    who = f"runner {first.runner!r}" + (f" on {first.session}" if first.session else "")
    by_role: dict[str, ClipEntry] = {}
    for c in group:
        if c.role == "single":
            continue
        if c.role in by_role:
            raise BatchInputError(f"{c.where}: {who} has two {c.role} clips "
                                  f"({by_role[c.role].name} and {c.name}); give one of them "
                                  "another runner, date or role.")
        by_role[c.role] = c
    pairs = []
    for kind, (ra, rb) in PAIR_ROLES.items():
        a, b = by_role.get(ra), by_role.get(rb)
        if a is None and b is None:
            continue
        if a is None or b is None:
            have, lack = (a or b), (rb if a else ra)
            raise BatchInputError(f"{have.where}: {who} has a {have.role} clip but no "
                                  f"{lack} clip to pair it with; add it or make the role "
                                  "single.")
        pairs.append(PairEntry(kind, a.runner, a.session, a.date or b.date, a, b))
    return pairs


def slug(text: str) -> str:
    """A folder name made of letters, digits, ``.``, ``_`` and ``-``."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", text.strip()).strip("._")
    return s or "_"


def _clip_dir(c: ClipEntry) -> str:
    parts = [slug(c.runner), *(slug(p) for p in c.session.split("/") if p),
             slug(Path(c.path).stem)]
    return "/".join(["clips", *parts])


def _pair_dir(p: PairEntry) -> str:
    parts = [slug(p.runner), *(slug(s) for s in p.session.split("/") if s), PAIR_DIRS[p.kind]]
    return "/".join(["comparisons", *parts])


def _unique_dirs(dirs: dict[str, str]) -> dict[str, str]:
    """Same folder names (e.g. ``fresh.mp4`` and ``fresh.mov``) get ``-2``, ``-3``..."""
    used: set[str] = set()
    out = {}
    for key, d in dirs.items():
        name, n = d, 1
        while name.casefold() in used:
            n += 1
            name = f"{d}-{n}"
        used.add(name.casefold())
        out[key] = name
    return out
