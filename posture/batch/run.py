"""Run a batch: plan, skip what is done, analyse the rest, write results, summarise.

Output folder (``--out``)::

    clips/<runner>/[<session>/]<clip>/      what ``analyze CLIP --out`` writes, per clip
    comparisons/<runner>/[<session>/]fresh-vs-fatigued/   what ``compare --out`` writes
    comparisons/<runner>/[<session>/]side-and-rear/       what ``session --out`` writes
    summary.csv, summary.parquet             one row per clip and per comparison
    report.html                              distributions over the runners, fatigue changes
    batch-state.json                         the work done: key, status, error, rows per unit

A unit (a clip or a pair) is done when ``batch-state.json`` holds it with the same key: the
SHA-256 of the video content(s), the analysis settings, the runner, role and date, and the
code versions. A rerun skips it; a failed unit is skipped too (it would fail the same way)
unless ``retry_failed``. Only this process writes: each unit's files go to a temporary
folder that is renamed into place, then the state is replaced (write then rename), so a
Ctrl-C or a crash leaves finished units and nothing half-written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from posture.batch.plan import ClipEntry, PairEntry, Plan, load_plan
from posture.batch.summary import clip_row, pair_row, read_folder, summary_frame
from posture.batch.work import ClipJob, ClipOutcome, compare_pair, error_line, session_pair

STATE_FILE = "batch-state.json"
STATE_FORMAT = "stride-posture/batch-state-v1"
TMP_PREFIX = ".tmp-batch-"


@dataclass(frozen=True)
class BatchSettings:
    """Options of a whole batch; per-clip values of a manifest take precedence."""

    engine: Literal["local", "ray"] = "local"
    workers: int | None = None
    """Processes (local) or CPUs of the local Ray; ``None``: one per core."""
    address: str | None = None
    """Ray cluster to join (``"auto"`` or ``HOST:PORT``); ``None`` starts a local one."""
    view: Literal["auto", "side", "rear", "front"] = "auto"
    height_m: float | None = None
    tilt_deg: float | None = None
    slowmo: float | None = None
    use_cache: bool = True
    history: bool = False
    """Store every result in the SQLite history (``POSTURE_DB`` or the default file)."""
    retry_failed: bool = False
    quiet: bool = False


@dataclass
class BatchResult:
    n_clips: int = 0
    n_pairs: int = 0
    done: int = 0
    """Units analysed in this run."""
    skipped: int = 0
    """Units already done (or failed) with the same key."""
    failed: list[str] = field(default_factory=list)
    """``folder: error`` of every failed or refused unit (this run's and earlier ones)."""
    saved: int = 0
    """Sessions stored in the history in this run."""


def options_for(entry: ClipEntry, s: BatchSettings):  # -> AnalysisOptions
    from posture.pipeline import AnalysisOptions

    return AnalysisOptions(
        runner_height_m=entry.height_m if entry.height_m is not None else s.height_m,
        view=s.view, use_cache=s.use_cache,
        slowmo_factor=entry.slowmo if entry.slowmo is not None else s.slowmo,
        camera_roll_deg=entry.tilt_deg if entry.tilt_deg is not None else s.tilt_deg)


def _code_versions() -> dict[str, str]:
    from posture import __version__
    from posture.pose.extract import EXTRACTION_VERSION

    return {"posture": __version__, "pose": EXTRACTION_VERSION}


def clip_key(entry: ClipEntry, s: BatchSettings) -> str:
    """Content hash + settings + what the row says about the clip + code versions."""
    from posture.io.cache import content_hash

    opts = asdict(options_for(entry, s))
    opts.pop("use_cache")  # where the landmarks come from does not change the result
    doc = {"sha256": content_hash(entry.path), "options": opts, "runner": entry.runner,
           "role": entry.role, "date": entry.date, "session": entry.session,
           "code": _code_versions()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def pair_key(pair: PairEntry, keys: dict[str, str]) -> str:
    doc = {"kind": pair.kind, "a": keys[pair.a.path], "b": keys[pair.b.path]}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------- state
def load_state(out: Path) -> dict[str, dict]:
    """Units recorded as done in ``out`` (an unreadable state file counts as none)."""
    try:
        doc = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
        return {}
    units = doc.get("units")
    return units if isinstance(units, dict) else {}


def _save_state(out: Path, units: dict[str, dict]) -> None:
    from posture.report.files import write_atomic

    write_atomic(out / STATE_FILE, json.dumps({"format": STATE_FORMAT, "units": units},
                                              indent=1, allow_nan=True))


def _put_folder(out: Path, rel: str, files: dict[str, str]) -> None:
    """Write a unit's files into a temporary folder, then rename it into place (replacing
    an older result), so the folder is either complete or absent."""
    final = out / rel
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=TMP_PREFIX))
    try:
        for name, text in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text, encoding="utf-8")
        if final.exists():
            old = Path(tempfile.mkdtemp(dir=out, prefix=TMP_PREFIX))
            os.replace(final, old / "old")
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _sweep(out: Path) -> None:
    """Remove temporary folders and files left by a run that was killed."""
    for p in out.glob(f"{TMP_PREFIX}*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in out.glob(".*.tmp"):
        p.unlink(missing_ok=True)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """A ``kill`` (SIGTERM) stops the batch as cleanly as Ctrl-C."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


# ---------------------------------------------------------------------------- the run
@dataclass
class _Unit:
    folder: str
    key: str
    clip: ClipEntry | None = None
    pair: PairEntry | None = None


def run_batch(source: str | os.PathLike, out: str | os.PathLike,
              settings: BatchSettings = BatchSettings(), *,
              log: Callable[[str], None] | None = None) -> BatchResult:
    """Analyse every clip of a folder or manifest into ``out`` (module docstring).

    ``log`` receives one line per event worth telling (skips, failures); default stderr.
    Raises :class:`~posture.batch.plan.BatchInputError` (before any analysis) for a bad
    folder or manifest, and lets ``KeyboardInterrupt`` through after stopping the workers.
    """
    say = log or (lambda text: print(text, file=sys.stderr))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plan = load_plan(source, out=out)
    _sweep(out)
    state = load_state(out)
    keys = {c.path: clip_key(c, settings) for c in plan.clips}
    units = [_Unit(plan.clip_dirs[c.path], keys[c.path], clip=c) for c in plan.clips]
    units += [_Unit(d, pair_key(p, keys), pair=p) for p, d in zip(plan.pairs, plan.pair_dirs,
                                                                    strict=True)]
    # forget units no longer in the input: the summary is of this input only
    state = {u.folder: state[u.folder] for u in units if u.folder in state}
    todo = [u for u in units if not _is_done(u, state.get(u.folder), out, settings)]
    result = BatchResult(n_clips=len(plan.clips), n_pairs=len(plan.pairs),
                         skipped=len(units) - len(todo))
    if result.skipped:
        say(f"{result.skipped} of {len(units)} results already in {out} with the same "
            "clips and settings: skipped.")
    with _sigterm_as_interrupt():
        _analyse(plan, todo, state, out, settings, result, say)
        if settings.history:
            result.saved = _save_history(units, state, out, say)
    _write_summary(out, units, state, result)
    return result


def _is_done(u: _Unit, rec: dict | None, out: Path, s: BatchSettings) -> bool:
    if not rec or rec.get("key") != u.key:
        return False
    if rec.get("status") == "failed":
        return not s.retry_failed
    return (out / u.folder).is_dir()


def _analyse(plan: Plan, todo: list[_Unit], state: dict[str, dict], out: Path,
             s: BatchSettings, result: BatchResult, say: Callable[[str], None]) -> None:
    """Run the clips that are needed (their own unit, or a pair's that is not done)."""
    todo_clips = {u.clip.path for u in todo if u.clip is not None}
    todo_pairs = [u for u in todo if u.pair is not None]
    members = {c.path for u in todo_pairs for c in (u.pair.a, u.pair.b)}
    entries = {c.path: c for c in plan.clips}
    # pair members next to each other, so a pair is finished (and its tracks freed) early
    order = sorted(todo_clips | members, key=lambda p: (entries[p].runner.casefold(),
                                                       entries[p].session, p))
    jobs = [ClipJob(p, options_for(entries[p], s), keep=p in members) for p in order]
    if not jobs:
        return
    units = {u.clip.path: u for u in todo if u.clip is not None}
    waiting = {id(u): u for u in todo_pairs}
    got: dict[str, ClipOutcome] = {}
    bar = _bar(len(jobs), s.quiet)
    try:
        for outcome in _engine(jobs, s):
            bar.update(1)
            if outcome.path in units:
                u = units[outcome.path]
                _finish_clip(u, outcome, state, out)
                result.done += 1
            if outcome.error and not s.quiet:  # the final report lists them again
                bar.write(f"failed: {entries[outcome.path].where}: {outcome.error}",
                          file=sys.stderr)
            if outcome.path in members:
                got[outcome.path] = outcome
            for key, u in list(waiting.items()):
                if u.pair.a.path in got and u.pair.b.path in got:
                    del waiting[key]
                    _finish_pair(u, got, state, out, s)
                    result.done += 1
            # a clip no waiting pair needs any more frees its track
            needed = {c.path for u in waiting.values() for c in (u.pair.a, u.pair.b)}
            for p in [p for p in got if p not in needed]:
                del got[p]
    finally:
        bar.close()


def _bar(total: int, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="clip", desc="batch", disable=quiet, file=sys.stderr,
                smoothing=0.1)


def _engine(jobs: list[ClipJob], s: BatchSettings) -> Iterator[ClipOutcome]:
    from posture.batch import engines

    if s.engine == "ray":
        return engines.ray_results(jobs, address=s.address, workers=s.workers)
    return engines.local_results(jobs, s.workers or engines.default_workers())


def _finish_clip(u: _Unit, o: ClipOutcome, state: dict[str, dict], out: Path) -> None:
    if o.error:
        rec = {"key": u.key, "status": "failed", "error": o.error,
               "rows": [clip_row(u.clip, u.folder, None, o.error)]}
    else:
        _put_folder(out, u.folder, o.files)
        rec = {"key": u.key, "status": "ok", "error": "",
               "rows": [clip_row(u.clip, u.folder, o.files)]}
    rec.update(seconds=round(o.seconds, 2), cpu_s=round(o.cpu_s, 2), host=o.host)
    state[u.folder] = rec
    _save_state(out, state)


def _finish_pair(u: _Unit, got: dict[str, ClipOutcome], state: dict[str, dict], out: Path,
                 s: BatchSettings) -> None:
    p = u.pair
    a, b = got[p.a.path], got[p.b.path]
    failed = [f"{c.name}: {o.error}" for c, o in ((p.a, a), (p.b, b)) if o.error]
    files, refusal, error = None, "", ""
    if failed:
        error = "; ".join(failed)
    else:
        try:
            if p.kind == "fresh_vs_fatigued":
                files, refusal = compare_pair(a, b, options_for(p.a, s), options_for(p.b, s))
            else:
                files = session_pair(a, b)
        except Exception as exc:  # one pair's problem (e.g. two side views) is its own
            error = error_line(exc)
    if files is not None:
        _put_folder(out, u.folder, files)
    status = "failed" if files is None else ("refused" if refusal else "ok")
    state[u.folder] = {"key": u.key, "status": status, "error": error or refusal,
                       "rows": [pair_row(p, u.folder, files, error or refusal,
                                         refused=bool(refusal))]}
    _save_state(out, state)


# ---------------------------------------------------------------------------- history
def _save_history(units: list[_Unit], state: dict[str, dict], out: Path,
                  say: Callable[[str], None]) -> int:
    """Store each session of the batch in the history once: clips analysed alone
    (role single) and pairs (not failed or refused ones). Units already stored in this
    history file are left alone."""
    from posture.history import History, default_db_path

    db = str(default_db_path())
    history = History(db)
    n = 0
    try:
        for u in units:
            rec = state.get(u.folder)
            if not rec or rec.get("status") != "ok" or db in rec.get("history", []):
                continue
            if u.clip is not None and u.clip.role != "single":
                continue  # stored with its pair
            _store(history, u, out / u.folder)
            rec.setdefault("history", []).append(db)
            _save_state(out, state)
            n += 1
    finally:
        history.close()
    if n:
        say(f"{n} sessions stored in the history {db}.")
    return n


def _store(history, u: _Unit, folder: Path) -> None:
    from posture.history import StoredClip
    from posture.io.cache import content_hash
    from posture.results import ClipAnalysis

    files = read_folder(folder)

    def clip(entry: ClipEntry, prefix: str, role: str) -> StoredClip:
        a = ClipAnalysis.from_dict(json.loads(files[f"{prefix}analysis.json"]))
        return StoredClip(entry.name, role, a, content_hash(entry.path))

    if u.clip is not None:
        entry = u.clip
        clips = [clip(entry, "", "single")]
        comparison = json.loads(files["comparison.json"])
    elif u.pair.kind == "fresh_vs_fatigued":
        entry = u.pair.a
        clips = [clip(u.pair.a, "fresh/", "fresh"), clip(u.pair.b, "fatigued/", "fatigued")]
        comparison = json.loads(files["comparison.json"])
    else:  # a view pair, stored as the app stores it: {"pair": {view: comparison}}
        entry = u.pair.a
        clips = [clip(u.pair.a, "side/", "side"), clip(u.pair.b, "frontal/", "frontal")]
        comparison = {"pair": {c.analysis.view.view: json.loads(files[f"{r}/comparison.json"])
                               for c, r in zip(clips, ("side", "frontal"), strict=True)}}
    day = date.fromisoformat(entry.date) if entry.date else None
    history.save_session(entry.runner, clips, session_date=day, label="batch",
                         comparison=comparison, findings=json.loads(files["findings.json"]),
                         height_m=clips[0].analysis.runner_height_m)


# ---------------------------------------------------------------------------- summary
SUMMARY_FILES = ("summary.csv", "summary.parquet", "report.html")


def _write_summary(out: Path, units: list[_Unit], state: dict[str, dict],
                   result: BatchResult) -> None:
    from posture.batch.report import report_html
    from posture.batch.summary import summary_csv, summary_parquet
    from posture.report.files import write_atomic

    rows = [r for u in units if u.folder in state for r in state[u.folder]["rows"]]
    df = summary_frame(rows)
    result.failed = [f"{r['folder']}: {r['error']}" for r in rows
                     if r["status"] in ("failed", "refused")]
    write_atomic(out / "summary.csv", summary_csv(df))
    _write_bytes_atomic(out / "summary.parquet", summary_parquet(df))
    write_atomic(out / "report.html", report_html(df))


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
