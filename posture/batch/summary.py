"""The batch summary table: one row per clip and one per comparison.

Rows are built from the files a unit wrote (``analysis.json``, ``comparison.json``,
``findings.json``), so the table says exactly what the per-clip folders say, and one-by-one
``analyze --out`` / ``compare --out`` folders give the same rows (the tests check it).

Columns, for every row:

* ``kind`` (``clip``, ``fresh_vs_fatigued`` or ``side_and_rear``), ``runner``, ``date``,
  ``session``, ``role``, ``clip`` (file name; ``A + B`` for a pair), ``path``, ``folder``
  (relative to the batch's ``--out``), ``status`` (``ok``, ``failed``, or ``refused`` for a
  pair whose clips cannot be compared), ``error`` (one line);
* ``view``, ``n_strides`` (clip), ``labels`` (``early/late`` or ``fresh/fatigued``),
  ``strides_a``, ``strides_b`` (strides in each side of the comparison);
* per headline metric ``M`` (:data:`HEADLINE`, unit in the name): ``M`` (clip average, as
  ``analyze`` prints it; empty for pairs), ``M_a``, ``M_b``, ``M_change`` (B - A),
  ``M_ci_low``, ``M_ci_high`` (95 % interval of the change) and ``M_verdict``
  (``changed (worse)``, ``changed (better)``, ``changed (different)``, ``unchanged``,
  ``not enough data``; empty when not measured);
* ``findings`` (titles of the findings shown, ``" | "`` between), ``n_findings``,
  ``n_to_check``, ``warnings`` (``severity: message``, each once, ``" | "`` between).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from posture.batch.plan import ClipEntry, PairEntry
from posture.session import PLOT_ORDER

#: The metrics given columns in the summary, low-back ones first (as in the reports).
HEADLINE: tuple[str, ...] = PLOT_ORDER
ID_COLUMNS = ("kind", "runner", "date", "session", "role", "clip", "path", "folder",
              "status", "error", "view", "n_strides", "labels", "strides_a", "strides_b")
METRIC_PARTS = ("", "_a", "_b", "_change", "_ci_low", "_ci_high", "_verdict")
TAIL_COLUMNS = ("findings", "n_findings", "n_to_check", "warnings")
COLUMNS: tuple[str, ...] = (*ID_COLUMNS, *(m + p for m in HEADLINE for p in METRIC_PARTS),
                            *TAIL_COLUMNS)
TEXT_COLUMNS = frozenset({*ID_COLUMNS[:10], "view", "labels", "findings", "warnings",
                          *(f"{m}_verdict" for m in HEADLINE)})
INT_COLUMNS = frozenset({"n_strides", "strides_a", "strides_b", "n_findings", "n_to_check"})
SEP = " | "


def _blank(**ids: object) -> dict:
    row: dict = {c: ("" if c in TEXT_COLUMNS else math.nan) for c in COLUMNS}
    row.update(ids)
    return row


def clip_row(entry: ClipEntry, folder: str, files: dict[str, str] | None,
             error: str = "") -> dict:
    """The row of one clip from the files ``analyze --out`` wrote (``None``: it failed)."""
    row = _blank(kind="clip", runner=entry.runner, date=entry.date, session=entry.session,
                 role=entry.role, clip=entry.name, path=entry.path, folder=folder)
    if files is None:
        row.update(status="failed", error=error)
        return row
    analysis = json.loads(files["analysis.json"])
    comparison = json.loads(files["comparison.json"])
    findings = json.loads(files["findings.json"])
    row.update(status="ok", view=analysis["view"]["view"], n_strides=len(analysis["strides"]))
    for m in HEADLINE:
        v = analysis["summary"].get(m)
        row[m] = math.nan if v is None else float(v)
    _comparison_columns(row, [comparison])
    _findings_columns(row, findings, [analysis])
    return row


def pair_row(pair: PairEntry, folder: str, files: dict[str, str] | None, error: str = "",
             *, refused: bool = False) -> dict:
    """The row of one pair from the files ``compare --out`` / ``session --out`` wrote."""
    row = _blank(kind=pair.kind, runner=pair.runner, date=pair.date, session=pair.session,
                 role=f"{pair.a.role}+{pair.b.role}", clip=f"{pair.a.name} + {pair.b.name}",
                 path=f"{pair.a.path} + {pair.b.path}", folder=folder)
    if files is None:
        row.update(status="failed", error=error)
        return row
    row.update(status="refused" if refused else "ok", error=error)
    if pair.kind == "fresh_vs_fatigued":
        analyses = [json.loads(files[f"{r}/analysis.json"]) for r in ("fresh", "fatigued")]
        comparisons = [json.loads(files["comparison.json"])]
    else:
        analyses = [json.loads(files[f"{r}/analysis.json"]) for r in ("side", "frontal")]
        comparisons = [json.loads(files[f"{r}/comparison.json"]) for r in ("side", "frontal")]
    row["view"] = "+".join(a["view"]["view"] for a in analyses)
    _comparison_columns(row, comparisons)
    _findings_columns(row, json.loads(files["findings.json"]), analyses)
    return row


def _verdict(change: dict) -> str:
    if change["verdict"] == "changed" and change.get("direction"):
        return f"changed ({change['direction']})"
    return str(change["verdict"])


def _num(v: object) -> float:
    return math.nan if v is None else float(v)


def _comparison_columns(row: dict, comparisons: list[dict]) -> None:
    """A, B, change, interval and verdict of each headline metric; a view pair's two
    comparisons (early versus late in each camera) measure different metrics."""
    first = comparisons[0]
    row["labels"] = f"{first['a']['label']}/{first['b']['label']}"
    row["strides_a"] = sum(len(c["a"]["strides"]) for c in comparisons)
    row["strides_b"] = sum(len(c["b"]["strides"]) for c in comparisons)
    for m in HEADLINE:
        measured = [c["changes"][m] for c in comparisons
                    if m in c["changes"] and (c["changes"][m]["a_n"] or c["changes"][m]["b_n"])]
        if not measured:
            continue
        ch = measured[0]
        row.update({f"{m}_a": _num(ch["a_mean"]), f"{m}_b": _num(ch["b_mean"]),
                    f"{m}_change": _num(ch["change"]), f"{m}_ci_low": _num(ch["ci_low"]),
                    f"{m}_ci_high": _num(ch["ci_high"]), f"{m}_verdict": _verdict(ch)})


def _findings_columns(row: dict, findings: dict, analyses: list[dict]) -> None:
    row["findings"] = SEP.join(f["title"] for f in findings["shown"])
    row["n_findings"] = len(findings["shown"]) + len(findings["more"])
    row["n_to_check"] = len(findings.get("to_check", []))
    flags = [*findings["warnings"], *(q for a in analyses for q in a["quality"])]
    row["warnings"] = SEP.join(dict.fromkeys(f"{q['severity']}: {q['message']}"
                                             for q in flags))


def read_folder(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative name -> text): what a unit wrote."""
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def summary_frame(rows: list[dict]) -> pd.DataFrame:
    """The rows as a table with fixed columns and types, sorted by runner, date, session,
    kind (clips first) and clip, so it does not depend on the order clips finished."""
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    if df.empty:
        return df
    for c in COLUMNS:
        if c in TEXT_COLUMNS:
            df[c] = df[c].fillna("").astype(str)
        elif c in INT_COLUMNS:
            df[c] = pd.to_numeric(df[c]).astype("Int64")
        else:
            df[c] = pd.to_numeric(df[c]).astype(float)
    kind_order = {"clip": 0, "fresh_vs_fatigued": 1, "side_and_rear": 2}
    df["_k"] = df["kind"].map(kind_order)
    df["_r"] = df["runner"].str.casefold()
    df = df.sort_values(["_r", "date", "session", "_k", "clip"], kind="stable")
    return df.drop(columns=["_k", "_r"]).reset_index(drop=True)


def summary_csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False)


def summary_parquet(df: pd.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False, engine="pyarrow")
    return buf.getvalue()
