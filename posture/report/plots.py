"""Matplotlib figures: each metric per stride over the run, and a compact summary table.

Figures are built with the object API (no pyplot state), so they are safe in Streamlit's
threads; callers close nothing. Colours: early/fresh blue, late/fatigued orange, reference
band green (good) and amber (watch).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from posture.metrics.registry import spec

EARLY_COLOUR = "#1f77b4"
LATE_COLOUR = "#ff7f0e"
GOOD_COLOUR = "#2ca02c"
WATCH_COLOUR = "#f2b705"


@dataclass(frozen=True)
class Series:
    """One clip's per-stride values to draw."""

    label: str
    strides: pd.DataFrame
    colour: str = "#333333"


@dataclass(frozen=True)
class Window:
    """A shaded time window (e.g. early or late), real seconds."""

    label: str
    t_start_s: float
    t_end_s: float
    colour: str


@dataclass(frozen=True)
class Mark:
    """A moment marked on the time axis (e.g. a live cue), real seconds."""

    t_s: float
    label: str
    colour: str = "#d62728"


@dataclass(frozen=True)
class Band:
    """Reference band of a metric: good range, optional wider watch range."""

    good: tuple[float, float]
    watch: tuple[float, float] | None = None
    source: str = ""


def _edge(v: object) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return f


def load_bands(path: str | None = None) -> dict[str, Band]:
    """Reference bands from ``posture/data/reference_ranges.csv`` (open edges become +-inf).

    Metrics with no good edge at all (e.g. the experimental arch index) get no band: they are
    judged only as change within the runner.
    """
    if path is None:
        from importlib.resources import files

        path = str(files("posture") / "data" / "reference_ranges.csv")
    df = pd.read_csv(path)
    bands: dict[str, Band] = {}
    for _, r in df.iterrows():
        g = (_edge(r.get("good_min")), _edge(r.get("good_max")))
        w = (_edge(r.get("watch_min")), _edge(r.get("watch_max")))
        if not any(np.isfinite(g)):
            continue
        good = (g[0] if np.isfinite(g[0]) else -np.inf, g[1] if np.isfinite(g[1]) else np.inf)
        watch = None
        if any(np.isfinite(w)):
            watch = (min(w[0], good[0]) if np.isfinite(w[0]) else -np.inf,
                     max(w[1], good[1]) if np.isfinite(w[1]) else np.inf)
        bands[str(r["metric"])] = Band(good, watch, str(r.get("source", "")))
    return bands


def _span(ax: object, lo: float, hi: float, ylim: tuple[float, float], **kw: object) -> None:
    """Horizontal band clipped to the axis range (open edges run off the plot)."""
    lo, hi = max(lo, ylim[0]), min(hi, ylim[1])
    if hi > lo:
        ax.axhspan(lo, hi, **kw)


def metric_label(metric: str) -> str:
    s = spec(metric)
    tag = " [experimental]" if s.experimental and "experimental" not in s.label else ""
    return f"{s.label} ({s.unit}){tag}"


def draw_metric(ax: object, series: list[Series], metric: str, *,
                windows: tuple[Window, ...] = (), band: Band | None = None,
                marks: tuple[Mark, ...] = (), fontsize_pt: float = 9.0) -> None:
    """Per-stride values of ``metric`` against stride start time on ``ax``; the title is
    ``fontsize_pt``, labels and ticks one and two points smaller."""
    for k, m in enumerate(marks):
        ax.axvline(m.t_s, color=m.colour, lw=1.2, ls="--",
                   label=m.label if k == 0 else None)
    for w in windows:
        ax.axvspan(w.t_start_s, w.t_end_s, color=w.colour, alpha=0.10, lw=0)
        ax.text((w.t_start_s + w.t_end_s) / 2, 1.0, w.label, transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=fontsize_pt - 1, color=w.colour)
    for s in series:
        if metric not in s.strides.columns:
            continue
        t = s.strides["t_start_s"].to_numpy(dtype=float)
        v = s.strides[metric].to_numpy(dtype=float)
        ax.plot(t, v, "o-", ms=3.5, lw=1.0, color=s.colour, label=s.label)
        for w in windows:
            inside = (t >= w.t_start_s) & (t <= w.t_end_s) & np.isfinite(v)
            if inside.any():
                m = float(np.median(v[inside]))
                ax.hlines(m, w.t_start_s, w.t_end_s, colors=w.colour, lw=2.2)
    if band is not None:
        _draw_band(ax, band, series, metric)
    width_in = ax.figure.get_figwidth() * ax.get_position().width
    chars = max(20, int(width_in * 72 / (0.55 * fontsize_pt)))  # what fits on one line
    ax.set_title(textwrap.fill(metric_label(metric), chars), fontsize=fontsize_pt, loc="left",
                 pad=fontsize_pt * 1.4 if windows else 4)
    ax.set_xlabel("time in clip (s)", fontsize=fontsize_pt - 1)
    ax.tick_params(labelsize=fontsize_pt - 2)
    ax.grid(alpha=0.25)


def _draw_band(ax: object, band: Band, series: list[Series], metric: str) -> None:
    vals = np.concatenate([s.strides[metric].to_numpy(dtype=float) for s in series
                           if metric in s.strides.columns] or [np.array([np.nan])])
    edges = [e for e in (*band.good, *(band.watch or ())) if np.isfinite(e)]
    pool = np.concatenate([vals[np.isfinite(vals)], np.array(edges, dtype=float)])
    if pool.size == 0:
        return
    lo, hi = float(pool.min()), float(pool.max())
    pad = 0.08 * (hi - lo) if hi > lo else 1.0
    ylim = (lo - pad, hi + pad)
    if band.watch is not None:
        _span(ax, *band.watch, ylim, color=WATCH_COLOUR, alpha=0.15, lw=0,
              label="watch range")
    _span(ax, *band.good, ylim, color=GOOD_COLOUR, alpha=0.18, lw=0, label="typical range")
    ax.set_ylim(*ylim)


def metric_figure(series: list[Series], metric: str, *, windows: tuple[Window, ...] = (),
                  band: Band | None = None, size_in: tuple[float, float] = (6.4, 2.6),
                  marks: tuple[Mark, ...] = (), fontsize_pt: float = 9.0,
                  legend: bool = True) -> Figure:
    """One metric per stride over the run, windows shaded, reference band drawn, marked
    moments (live cues) as dashed lines; without ``legend`` the caption beside the figure
    must say what the colours mean."""
    fig = Figure(figsize=size_in, dpi=110, layout="constrained")
    ax = fig.add_subplot()
    draw_metric(ax, series, metric, windows=windows, band=band, marks=marks,
                fontsize_pt=fontsize_pt)
    if legend and (len(series) > 1 or band is not None or marks):
        ax.legend(fontsize=fontsize_pt - 2, loc="best", framealpha=0.7)
    return fig


def metrics_grid_figure(series: list[Series], metrics: list[str], *,
                        windows: tuple[Window, ...] = (),
                        bands: dict[str, Band] | None = None, ncols: int = 2,
                        marks: tuple[Mark, ...] = ()) -> Figure:
    """Several metrics in a grid (for the PDF and the overview)."""
    n = max(1, len(metrics))
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(7.2, 2.3 * nrows), dpi=110, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, m in zip(axes, metrics, strict=False):
        draw_metric(ax, series, m, windows=windows, band=(bands or {}).get(m), marks=marks)
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig


def summary_table_figure(table: pd.DataFrame, *, title: str = "") -> Figure:
    """A table figure (e.g. metric, early, late, change, 95% CI, verdict) for the PDF."""
    n = len(table)
    fig = Figure(figsize=(7.2, 0.35 * (n + 1) + (0.3 if title else 0.1)), dpi=110)
    ax = fig.add_axes((0, 0, 1, 0.92 if title else 1))
    ax.axis("off")
    cells = table.astype(str).to_numpy().tolist()
    tab = ax.table(cellText=cells or [[""] * len(table.columns)],
                   colLabels=list(table.columns), loc="upper center", cellLoc="center")
    tab.auto_set_font_size(False)
    tab.set_fontsize(7.5)
    tab.auto_set_column_width(list(range(len(table.columns))))
    for (r, _c), cell in tab.get_celld().items():
        cell.set_height(1 / (n + 1.5))
        if r == 0:
            cell.set_facecolor("#e8e8e8")
            cell.set_text_props(weight="bold")
    if title:
        fig.suptitle(title, fontsize=10, x=0.01, ha="left")
    return fig


def figure_png(fig: Figure, *, dpi: int = 130) -> bytes:
    """PNG bytes of a figure."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def history_figure(sessions: pd.DataFrame, metrics: list[str]) -> Figure:
    """A runner's stored clips over the weeks: one panel per metric, one dot per clip.

    ``sessions`` is :meth:`posture.history.History.sessions` output (``session_date`` and
    one column per metric); fresh/early clips blue, fatigued orange, single clips grey.
    """
    metrics = [m for m in metrics if m in sessions.columns and sessions[m].notna().any()]
    n = max(1, len(metrics))
    fig = Figure(figsize=(7.2, 1.9 * int(np.ceil(n / 2))), dpi=110, layout="constrained")
    axes = fig.subplots(int(np.ceil(n / 2)), 2, squeeze=False).ravel()
    colours = {"fresh": EARLY_COLOUR, "fatigued": LATE_COLOUR}
    dates = pd.to_datetime(sessions["session_date"])
    # the axis spans the data: a few days around one date, 10% more than weeks of visits
    pad = max(pd.Timedelta(days=3), (dates.max() - dates.min()) * 0.1)
    for ax, m in zip(axes, metrics, strict=False):
        for role, grp in sessions.assign(_d=dates).groupby("role"):
            ax.plot(grp["_d"], grp[m], "o", ms=6, color=colours.get(str(role), "#555555"),
                    label=str(role))
        ax.set_title(metric_label(m), fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25)
        ax.margins(y=0.25)
        ax.set_xlim(dates.min() - pad, dates.max() + pad)
        locator = mdates.AutoDateLocator(minticks=2, maxticks=5)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    if metrics:
        axes[0].legend(fontsize=7)
    return fig
