"""The batch report page: one self-contained HTML file (pictures inline, no web fonts, no
scripts), drawn from the summary table only.

* counts, and every failed clip or pair with its one-line error;
* the distribution of each headline metric over the clips: the clip average of each clip
  that measured it, one dot per clip, grouped by role, with a box of the quartiles and the
  typical range of the metric shaded where the project has one;
* the fatigue changes: for every fresh-versus-fatigued comparison, the change of each metric
  with its 95 % interval, coloured by verdict, and how many runners got worse, better or
  stayed the same.
"""

from __future__ import annotations

import base64
import html
import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from posture.batch.summary import HEADLINE
from posture.report import plots

ROLE_ORDER = ("single", "fresh", "fatigued", "side", "rear")
VERDICT_COLOURS = {"changed (worse)": "#d62728", "changed (better)": "#2ca02c",
                   "changed (different)": "#9467bd", "unchanged": "#7f7f7f",
                   "not enough data": "#c7c7c7"}
MAX_LABELLED_RUNNERS = 40
CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;padding:.2em .5em}
th{background:#eee}td.n{text-align:right}img{max-width:100%}h2{margin-top:1.6em}
.note{color:#555;font-size:.9em}"""


def _img(fig: Figure) -> str:
    data = base64.b64encode(plots.figure_png(fig, dpi=100)).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def _grid(n: int, height_in: float) -> tuple[Figure, np.ndarray]:
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(9.0, height_in * nrows), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False).ravel()


def distribution_figure(clips: pd.DataFrame) -> Figure | None:
    """Clip averages of each headline metric, one dot per clip, grouped by role."""
    metrics = [m for m in HEADLINE if clips[m].notna().any()]
    if not metrics:
        return None
    bands = plots.load_bands()
    fig, axes = _grid(len(metrics), 1.9)
    rng = np.random.default_rng(0)  # fixed jitter: the same table draws the same page
    for ax, m in zip(axes, metrics, strict=False):
        groups = [(r, clips.loc[(clips["role"] == r) & clips[m].notna(), m].to_numpy(float))
                  for r in ROLE_ORDER]
        groups = [(r, v) for r, v in groups if v.size]
        band = bands.get(m)
        if band is not None:
            _shade(ax, band.good, np.concatenate([v for _, v in groups]))
        ax.boxplot([v for _, v in groups], orientation="horizontal", widths=0.5,
                   showfliers=False)
        for k, (_, v) in enumerate(groups, start=1):
            ax.plot(v, k + rng.uniform(-0.15, 0.15, v.size), "o", ms=3.5, alpha=0.7,
                    color="#333333")
        ax.set_yticks(range(1, len(groups) + 1),
                      [f"{r} ({v.size})" for r, v in groups], fontsize=7)
        ax.invert_yaxis()  # roles read top-down in ROLE_ORDER
        ax.set_title(plots.metric_label(m), fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25, axis="x")
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    return fig


def _shade(ax, good: tuple[float, float], values: np.ndarray) -> None:
    """The typical range, open ends drawn to just past the data."""
    span = float(np.ptp(values)) or 1.0
    lo = good[0] if np.isfinite(good[0]) else min(values.min(), good[1]) - span
    hi = good[1] if np.isfinite(good[1]) else max(values.max(), good[0]) + span
    if np.isfinite(lo) and np.isfinite(hi):
        ax.axvspan(lo, hi, color=plots.GOOD_COLOUR, alpha=0.15, lw=0)
    ax.set_xlim(min(values.min(), lo) - 0.1 * span, max(values.max(), hi) + 0.1 * span)


def fatigue_figure(pairs: pd.DataFrame) -> Figure | None:
    """Change (fatigued - fresh) of each metric per runner, 95 % interval, verdict colour."""
    metrics = [m for m in HEADLINE if pairs[f"{m}_change"].notna().any()]
    if not metrics:
        return None
    n_rows = len(pairs)
    fig, axes = _grid(len(metrics), max(1.6, 0.5 + 0.16 * min(n_rows, 60)))
    for ax, m in zip(axes, metrics, strict=False):
        d = pairs[pairs[f"{m}_change"].notna()].sort_values(f"{m}_change")
        y = np.arange(len(d))
        lo = (d[f"{m}_change"] - d[f"{m}_ci_low"]).clip(lower=0).fillna(0).to_numpy(float)
        hi = (d[f"{m}_ci_high"] - d[f"{m}_change"]).clip(lower=0).fillna(0).to_numpy(float)
        colours = [VERDICT_COLOURS.get(v, "#333333") for v in d[f"{m}_verdict"]]
        ax.errorbar(d[f"{m}_change"].to_numpy(float), y, xerr=[lo, hi], fmt="none",
                    ecolor="#999999", lw=0.8)
        ax.scatter(d[f"{m}_change"].to_numpy(float), y, c=colours, s=14, zorder=3)
        ax.axvline(0, color="#333333", lw=0.8)
        if len(d) <= MAX_LABELLED_RUNNERS:
            ax.set_yticks(y, list(d["runner"]), fontsize=6)
        else:
            ax.set_yticks([])
        ax.set_title(f"{plots.metric_label(m)}: change", fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25, axis="x")
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    return fig


def verdict_counts(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per metric: how many comparisons ended in each verdict."""
    rows = []
    for m in HEADLINE:
        v = pairs[f"{m}_verdict"]
        v = v[v != ""]
        if v.empty:
            continue
        rows.append({"metric": plots.metric_label(m),
                     **{k: int((v == k).sum()) for k in VERDICT_COLOURS}})
    return pd.DataFrame(rows)


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for _, r in df.iterrows():
        cells = []
        for v in r:
            if isinstance(v, float | np.floating):
                text, cls = ("" if not np.isfinite(v) else f"{v:.1f}"), ' class="n"'
            elif isinstance(v, int | np.integer):
                text, cls = str(v), ' class="n"'
            else:
                text, cls = ("" if v is None or v is pd.NA else str(v)), ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def report_html(summary: pd.DataFrame, *, title: str = "Batch report") -> str:
    """The report page for a summary table (:func:`posture.batch.summary.summary_frame`)."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"]
    if summary.empty:
        parts.append("<p>No clips.</p></body></html>")
        return "".join(parts)
    clips = summary[summary["kind"] == "clip"]
    pairs = summary[summary["kind"] == "fresh_vs_fatigued"]
    ok = clips[clips["status"] == "ok"]
    bad = summary[summary["status"].isin(["failed", "refused"])]
    parts.append(f"<p>{len(clips)} clips of {clips['runner'].str.casefold().nunique()} "
                 f"runners: {len(ok)} analysed, {int((clips['status'] == 'failed').sum())} "
                 f"failed. {len(summary) - len(clips)} comparisons "
                 f"({len(pairs)} fresh versus fatigued).</p>")
    if not bad.empty:
        parts.append("<h2>Failed</h2>" + _table(bad[["folder", "clip", "status", "error"]]))
    fig = distribution_figure(ok)
    if fig is not None:
        parts.append("<h2>Each metric over the runners</h2><p class='note'>Clip averages, "
                     "one dot per clip; box: quartiles; green: typical range.</p>" + _img(fig))
    pairs_ok = pairs[pairs["status"] == "ok"]
    fig = fatigue_figure(pairs_ok) if not pairs_ok.empty else None
    if fig is not None:
        parts.append("<h2>Fatigue changes</h2><p class='note'>Fatigued minus fresh, one row "
                     "per runner, bar: 95 % interval; red: worse, green: better, grey: no "
                     "clear change.</p>" + _img(fig))
        parts.append("<h3>Verdicts</h3>" + _table(verdict_counts(pairs_ok)))
    cols = ["runner", "date", "role", "clip", "view", "n_strides",
            *[m for m in HEADLINE if m in ok and ok[m].notna().any()], "findings"]
    parts.append("<h2>Clips</h2>" + _table(ok[cols]))
    parts.append("<p class='note'>Every number, interval and warning: summary.csv (or "
                 "summary.parquet); each clip's strides and findings: its folder.</p>")
    parts.append("</body></html>")
    return "".join(parts)
