"""The files of one analysis, as ``posture analyze/compare/session --out`` write them.

Texts are built by :func:`clip_files` and :func:`comparison_files` (file name -> text), so the
CLI and ``posture batch`` write the same bytes; :func:`write_atomic` writes one file whole or
not at all.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def clip_files(analysis) -> dict[str, str]:  # ClipAnalysis
    """One clip's own outputs (file name -> text): its stride table and its analysis."""
    return {"strides.csv": analysis.strides.to_csv(index=False),
            "analysis.json": analysis.to_json()}


def comparison_files(comparison, findings) -> dict[str, str]:
    """What was compared (CSV and JSON) and, when given, the findings drawn from it
    (file name -> text)."""
    files = {}
    if comparison is not None:
        files["comparison.csv"] = comparison.table().to_csv()
        files["comparison.json"] = comparison.to_json()
    if findings is not None:
        files["findings.json"] = findings.to_json()
    return files


def write_files(out: Path, files: dict[str, str]) -> None:
    """Write each text to ``out / name`` (atomically, folders created as needed)."""
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out / name, text)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place: a full
    disk or a crash leaves the old file (or none), never a half-written one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc  # name the result file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
