"""Charts for print: one style for every briefing (set once by ``apply_style``), Cyrillic fonts.

Each chart function takes ready data and returns a matplotlib ``Figure``; nothing here reads
data or changes global state except ``apply_style``. The matplotlib backend is not forced: in a
kernel (JupyterLab, papermill) it is the inline one, so an analyst's plain ``df.plot()`` or
seaborn call shows in the notebook and in the briefing (SVG for HTML/PDF, PNG for the Excel
workbook); without a kernel matplotlib picks a non-interactive backend by itself.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from helpers.vocabulary import STATUSES, fmt_date_short, fmt_int, fmt_percent

# Status colours (colour-blind safe) — always paired with a word or a marker shape.
STATUS_COLORS = {code: status.chart for code, status in STATUSES.items()}
PRIMARY, MUTED, TARGET = "#2166ac", "#9e9e9e", "#b2182b"
FIGURE_WIDTH_CM = 16.5  # the text width of an A4 page with ГОСТ margins


@dataclass(frozen=True)
class Chart:
    """One chart block: the figure, its numbered caption and a description in words (alt text)."""

    figure: Figure
    caption: str
    description: str = ""
    workbook: bool = False  # also a picture on the workbook's «Графики» sheet


DESCRIBED = 5  # values a description names, first and last kept


def describe(title: str, labels: Sequence[object], values: Sequence[float], *,
             percent: bool = True) -> str:
    """A chart in words, from its data: «Заголовок: A — 26,0 %; B — 24,1 %; …; Z — 3,2 %»."""
    shown = [(str(label), value) for label, value in zip(labels, values, strict=True)]
    if len(shown) > DESCRIBED:
        shown = [*shown[:DESCRIBED - 1], ("…", float("nan")), shown[-1]]
    fmt = fmt_percent if percent else fmt_int
    parts = [label if label == "…" else f"{label} — {fmt(value)}" for label, value in shown]
    return f"{title}: " + "; ".join(parts) if parts else title


def describe_trend(title: str, dates: Sequence[object], values: Sequence[float]) -> str:
    """A line over dates in words: where it starts and where it ends."""
    points = [(pd.Timestamp(d).date(), v) for d, v in zip(dates, values, strict=True) if pd.notna(v)]
    if not points:
        return title
    (first, start), (last, end) = points[0], points[-1]
    return (f"{title}: {fmt_percent(start)} на {fmt_date_short(first)}, "
            f"{fmt_percent(end)} на {fmt_date_short(last)}")


def apply_style() -> None:
    """The briefing style: DejaVu/Liberation fonts with Cyrillic, print sizes, light grid; in a
    kernel, inline figures as SVG (sharp in print) and PNG (for the Excel workbook).

    Text is never parsed as mathtext: names come from exports, and a «$» in a school's name
    («Школа № 1 $$») would otherwise be typeset as a formula or fail the whole chart."""
    sns.set_theme(context="paper", style="whitegrid")
    _inline_formats()
    plt.rcParams.update({
        "figure.figsize": (FIGURE_WIDTH_CM / 2.54, 8 / 2.54),
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "PT Astra Sans"],
        "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
        "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8,
        "figure.dpi": 110, "savefig.dpi": 200, "savefig.bbox": "tight",
        "axes.spines.top": False, "axes.spines.right": False,
        "axes.formatter.use_locale": False, "svg.fonttype": "none",
        "text.parse_math": False,
    })


def _inline_formats() -> None:
    """SVG and PNG for figures a notebook cell leaves open (inline backend only)."""
    if "inline" not in matplotlib.get_backend():
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg", "png")


def _figure(height_cm: float) -> tuple[Figure, plt.Axes]:
    figure, axes = plt.subplots(figsize=(FIGURE_WIDTH_CM / 2.54, height_cm / 2.54))
    return figure, axes


def _percent_axis(axis: matplotlib.axis.Axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: fmt_percent(v, 0)))


def trend_chart(trend: pd.DataFrame, *, value: str, target: float | None, title: str,
                highlight: pd.DataFrame | None = None, highlight_label: str = "",
                label: str = "Россия") -> Figure:
    """A share over snapshot dates (``snapshot_date``, ``value``), with the target as a line.

    The main line is ``label`` (the country, or a region); a highlighted territory is drawn over
    it with a marker shape of its own, so the legend reads without colour.
    """
    figure, axes = _figure(7)
    axes.plot(trend["snapshot_date"], trend[value], color=PRIMARY, marker="o", markersize=3,
              label=label)
    shown = highlight if highlight is not None and not highlight.empty else None
    if shown is not None:
        axes.plot(shown["snapshot_date"], shown[value], color="#e08214", marker="s",
                  markersize=3, linewidth=1.8, label=highlight_label)
    if target is not None:
        axes.axhline(target, color=TARGET, linestyle="--", linewidth=1)
        axes.annotate(f"цель {fmt_percent(target, 0)}", (trend["snapshot_date"].iloc[0], target),
                      xytext=(0, 3), textcoords="offset points", color=TARGET, fontsize=8)
    axes.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: fmt_date_short(mdates.num2date(v).date())[:5]))
    _percent_axis(axes.yaxis)
    values = [trend[value].max(), target or 0] + ([shown[value].max()] if shown is not None else [])
    axes.set_ylim(0, max(v for v in values if pd.notna(v)) * 1.2 or 1)
    axes.set_title(title, loc="left")
    axes.legend(loc="lower right", frameon=False)
    return figure


def category_bars(frame: pd.DataFrame, *, label: str, value: str, title: str,
                  target: float | None = None, status: str | None = None) -> Figure:
    """Horizontal bars of a share by category (districts, regions), target line, status markers."""
    ordered = frame.sort_values(value)
    figure, axes = _figure(max(5.0, 0.55 * len(ordered) + 1.5))
    colors = ([STATUS_COLORS[s] for s in ordered[status]] if status else PRIMARY)
    axes.barh(ordered[label], ordered[value], color=colors)
    states = ordered[status] if status else [None] * len(ordered)
    for y, (share, state) in enumerate(zip(ordered[value], states, strict=True)):
        symbol = f" {STATUSES[state].symbol}" if state else ""
        axes.annotate(fmt_percent(share) + symbol, (share, y), xytext=(3, 0),
                      textcoords="offset points", va="center", fontsize=8)
    if target is not None:
        axes.axvline(target, color=TARGET, linestyle="--", linewidth=1)
    _percent_axis(axes.xaxis)
    axes.set_title(title, loc="left")
    axes.grid(axis="y", visible=False)
    return figure


def plan_fact_chart(rows: pd.DataFrame, *, title: str) -> Figure:
    """Fact against plan for each share KPI (``label``, ``fact``, ``plan``, ``status``)."""
    figure, axes = _figure(1.3 * len(rows) + 2)
    positions = range(len(rows))
    axes.barh(list(positions), [1.0] * len(rows), color="#eeeeee")
    axes.barh(list(positions), rows["fact"], color=[STATUS_COLORS[s] for s in rows["status"]],
              height=0.5)
    for y, (fact, plan) in enumerate(zip(rows["fact"], rows["plan"], strict=True)):
        axes.plot([plan, plan], [y - 0.4, y + 0.4], color="black", linewidth=2)
        axes.annotate(f"факт {fmt_percent(fact)} · план {fmt_percent(plan, 0)}", (1.0, y),
                      xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    axes.set_yticks(list(positions), rows["label"])
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    _percent_axis(axes.xaxis)
    axes.set_title(title, loc="left")
    axes.grid(axis="y", visible=False)
    return figure


def chart(figure: Figure, caption: str, description: str) -> Chart:
    """The chart block of a figure (``description`` from :func:`describe` or :func:`describe_trend`)."""
    return Chart(figure, caption, description)


def show(figure: Figure, caption: str, description: str = "", *, png: bool = False) -> None:
    """Display a chart as SVG (sharp in print, text kept as text) with its caption and its
    description (the alt text), then free it; ``png``: a PNG beside it, for the workbook."""
    from io import BytesIO, StringIO

    from IPython.display import SVG, display

    buffer = StringIO()
    figure.savefig(buffer, format="svg")
    bundle: dict[str, str] = {"image/svg+xml": str(SVG(buffer.getvalue()).data)}
    if png:
        picture = BytesIO()
        figure.savefig(picture, format="png")
        bundle["image/png"] = base64.b64encode(picture.getvalue()).decode("ascii")
    plt.close(figure)
    metadata = {"caption": caption, "description": description} if description else {"caption": caption}
    display(bundle, raw=True, metadata=metadata)


# --- charts for analysts: one call from a frame to a captioned, described chart block -----------

def _values_axis(axes: plt.Axes, axis: matplotlib.axis.Axis, percent: bool) -> None:
    if percent:
        _percent_axis(axis)
    else:
        axis.set_major_formatter(FuncFormatter(lambda v, _: fmt_int(v)))


def bars(frame: pd.DataFrame, *, label: str, value: str, title: str, caption: str,
         percent: bool = True, target: float | None = None) -> Chart:
    """Horizontal bars of ``value`` by ``label`` (largest on top), each bar's value written
    beside it, a percent axis for shares, the target as a dashed line."""
    ordered = frame.sort_values(value)
    figure, axes = _figure(max(5.0, 0.55 * len(ordered) + 1.5))
    axes.barh([str(v) for v in ordered[label]], ordered[value], color=PRIMARY)
    written = fmt_percent if percent else fmt_int
    for y, number in enumerate(ordered[value]):
        axes.annotate(written(number), (number, y), xytext=(3, 0), textcoords="offset points",
                      va="center", fontsize=8)
    if target is not None:
        axes.axvline(target, color=TARGET, linestyle="--", linewidth=1)
    _values_axis(axes, axes.xaxis, percent)
    axes.set_title(title, loc="left")
    axes.grid(axis="y", visible=False)
    description = describe(title, list(ordered[label])[::-1], list(ordered[value])[::-1],
                           percent=percent)
    return Chart(figure, caption, description, workbook=True)


def line(frame: pd.DataFrame, *, date: str, value: str, title: str, caption: str,
         percent: bool = True, target: float | None = None) -> Chart:
    """``value`` over the dates of ``date`` as a line with markers, dates as ДД.ММ, a percent
    axis for shares from 0, the target as a dashed line."""
    figure, axes = _figure(7)
    axes.plot(frame[date], frame[value], color=PRIMARY, marker="o", markersize=3)
    if target is not None:
        axes.axhline(target, color=TARGET, linestyle="--", linewidth=1)
    axes.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: fmt_date_short(mdates.num2date(v).date())[:5]))
    _values_axis(axes, axes.yaxis, percent)
    axes.set_ylim(0, max(frame[value].max(), target or 0) * 1.2 or 1)
    axes.set_title(title, loc="left")
    description = (describe_trend(title, frame[date], frame[value]) if percent
                   else describe(title, [fmt_date_short(pd.Timestamp(d).date()) for d in frame[date]],
                                 frame[value], percent=False))
    return Chart(figure, caption, description, workbook=True)


def plan_vs_fact(frame: pd.DataFrame, *, label: str, fact: str, plan: str, status: str,
                 title: str, caption: str) -> Chart:
    """Fact against plan of shares, one bar each (``status``: a key of the vocabulary's
    statuses, coloured and worded), the plan as a black tick."""
    rows = pd.DataFrame({"label": frame[label], "fact": frame[fact], "plan": frame[plan],
                         "status": frame[status]})
    described = [f"{row.label} — факт {fmt_percent(row.fact)}, план {fmt_percent(row.plan, 0)}"
                 for row in rows.itertuples()]
    return Chart(plan_fact_chart(rows, title=title), caption, f"{title}: " + "; ".join(described),
                 workbook=True)


def funnel_chart(steps: pd.DataFrame, *, label: str, value: str, share: str, title: str,
                 comparison: str | None = None, comparison_label: str = "") -> Figure:
    """A funnel as horizontal bars, first step on top: each step's share of the first (``share``)
    with its count (``value``) written beside it; optionally another territory's share of each
    step (``comparison``, e.g. the region's) as a black tick, named in the legend."""
    figure, axes = _figure(0.8 * len(steps) + 2)
    positions = list(range(len(steps)))
    axes.barh(positions, [1.0] * len(steps), color="#eeeeee")
    axes.barh(positions, steps[share], color=PRIMARY, height=0.6)
    for y, (part, count) in enumerate(zip(steps[share], steps[value], strict=True)):
        axes.annotate(f"{fmt_percent(part)} · {fmt_int(count)}", (1.0, y), xytext=(4, 0),
                      textcoords="offset points", va="center", fontsize=8)
    if comparison is not None:
        for y, part in enumerate(steps[comparison]):
            axes.plot([part, part], [y - 0.38, y + 0.38], color="black", linewidth=2,
                      label=comparison_label if y == 0 else None)
        axes.legend(loc="lower left", frameon=False, bbox_to_anchor=(0, 1.0), ncols=1)
    axes.set_yticks(positions, steps[label])
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    _percent_axis(axes.xaxis)
    axes.set_title(title, loc="left", pad=18 if comparison is not None else 6)
    axes.grid(axis="y", visible=False)
    return figure


def age_histogram(frame: pd.DataFrame, *, title: str, active_label: str) -> Figure:
    """Shares of members by days since their last visit (``chat``, ``bin``, ``order``, ``active``,
    ``share``): grouped bars, one colour and hatch per chat, the activity window shaded and named."""
    figure, axes = _figure(7.5)
    bins = frame.drop_duplicates("order").sort_values("order")
    groups = list(dict.fromkeys(frame["chat"]))
    width = 0.8 / max(len(groups), 1)
    colors, hatches = [PRIMARY, "#e08214", "#5aae61", MUTED], ["", "//", "..", "xx"]
    for i, group in enumerate(groups):
        rows = frame[frame["chat"] == group].set_index("order").reindex(bins["order"])
        positions = [p + (i - (len(groups) - 1) / 2) * width for p in range(len(bins))]
        axes.bar(positions, rows["share"].fillna(0), width=width, color=colors[i % len(colors)],
                 hatch=hatches[i % len(hatches)], edgecolor="white", linewidth=0.3, label=f"«{group}»")
    within = int(bins["active"].sum())
    if within:
        axes.axvspan(-0.5, within - 0.5, color="#dcefd6", zorder=0)
        axes.annotate(active_label, (-0.5, 1), xycoords=("data", "axes fraction"),
                      xytext=(3, -3), textcoords="offset points", ha="left", va="top", fontsize=8)
    axes.set_xticks(range(len(bins)), [str(b).replace(" ", "\n", 1) for b in bins["bin"]], fontsize=7)
    axes.set_xlabel("полных дней с последнего визита до выгрузки")
    _percent_axis(axes.yaxis)
    axes.set_ylim(0, frame["share"].max() * 1.25 if frame["share"].notna().any() else 1)
    axes.set_title(title, loc="left")
    axes.grid(axis="x", visible=False)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=len(groups), frameon=False)
    return figure
