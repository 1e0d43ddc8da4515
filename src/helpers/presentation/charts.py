"""Charts for print: one style for every briefing (set once by ``apply_style``), Cyrillic fonts.

Each chart function takes ready data and returns a matplotlib ``Figure``; nothing here reads
data or changes global state except ``apply_style``. The matplotlib backend is not forced: in a
kernel (JupyterLab, papermill) it is the inline one, so an analyst's plain ``df.plot()`` or
seaborn call shows in the notebook and in the briefing (SVG for HTML/PDF, PNG for the Excel
workbook); without a kernel matplotlib picks a non-interactive backend by itself.

Every chart has a Russian description for readers who cannot see it (the HTML ``alt``, the PDF
``/Alt``): each chart function derives it from the data it plots (``describe_*``: what the chart
shows, the highest and lowest values, the target line) and :func:`show` displays it with the
figure; a figure made elsewhere is described from what it plots (:func:`describe_figure`).
"""

from __future__ import annotations

import base64
import html
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from helpers.presentation.display import WORKBOOK_ONLY, next_number, show_lab_only
from helpers.vocabulary import STATUSES, fmt_date, fmt_date_short, fmt_decimal, fmt_int, fmt_percent, plural

# Status colours (colour-blind safe) — always paired with a word or a marker shape.
STATUS_COLORS = {code: status.chart for code, status in STATUSES.items()}
PRIMARY, MUTED, TARGET = "#2166ac", "#9e9e9e", "#b2182b"
FIGURE_WIDTH_CM = 16.5  # the text width of an A4 page with ГОСТ margins
# The Russian description of each chart made here (what a screen reader says instead of the picture:
# the HTML ``alt``, the PDF ``/Alt``), kept beside its figure until :func:`show` displays it.
_DESCRIPTIONS: weakref.WeakKeyDictionary[Figure, str] = weakref.WeakKeyDictionary()
DESCRIPTION_KEY = "description"  # the display metadata key the HTML template reads


@dataclass(frozen=True)
class Chart:
    """One chart block: the figure, its caption and its description in words (by default the
    one its chart function derived, :func:`description_of`)."""

    figure: Figure
    caption: str
    description: str = ""
    workbook: bool = False  # also a picture on the workbook's «Графики» sheet
    excel_only: bool = False  # only there: its cell is tagged remove_output, the page leaves it out

    def __post_init__(self) -> None:
        if not self.description:
            object.__setattr__(self, "description", description_of(self.figure))


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
    _describe_inline_figures()


def _describe_inline_figures() -> None:
    """Figures the inline backend shows (an analyst's plain plot) carry their description in the
    display metadata, as :func:`show` does for the charts made here."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["image/svg+xml"]
    draw = formatter.lookup_by_type(Figure)  # set_matplotlib_formats' printer, new on every call
    formatter.for_type(Figure, lambda figure: (draw(figure), {DESCRIPTION_KEY: description_of(figure)}))


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
    series = [(label, trend)] + ([(highlight_label, shown)] if shown is not None else [])
    return _described(figure, describe_trend(series, value=value, target=target, title=title))


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
    return _described(figure, describe_bars(frame, label=label, value=value, title=title, target=target))


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
    return _described(figure, describe_plan_fact(rows, title=title))


def show(figure: Figure, caption: str, description: str | None = None, *, png: bool = False,
         numbered: bool = True) -> None:
    """Display a chart as SVG (sharp in print, text kept as text) with its caption and its
    description (by default the one its chart function derived, :func:`description_of`), then
    free it; ``png``: a PNG beside it, for the workbook's «Графики» sheet. JupyterLab shows the
    caption with the number the page gives it (``numbered``: the page shows the chart)."""
    from io import BytesIO, StringIO

    from IPython.display import display

    said = description or description_of(figure)
    buffer = StringIO()
    figure.savefig(buffer, format="svg")
    bundle = {"image/svg+xml": buffer.getvalue()}
    if png:
        picture = BytesIO()
        figure.savefig(picture, format="png")
        bundle["image/png"] = base64.b64encode(picture.getvalue()).decode("ascii")
    plt.close(figure)
    display(bundle, raw=True, metadata={"caption": caption, DESCRIPTION_KEY: said})
    if caption:  # the page numbers the captioned figures only
        number = html.escape(next_number("figure") if numbered else WORKBOOK_ONLY)
        show_lab_only(f'<p class="lab-figure-caption" data-number="{number}">{html.escape(caption)}</p>')


# --- charts for analysts: one call from a frame to a captioned, described chart block -----------

def _values_axis(axis: matplotlib.axis.Axis, percent: bool) -> None:
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
    _values_axis(axes.xaxis, percent)
    axes.set_title(title, loc="left")
    axes.grid(axis="y", visible=False)
    description = describe_bars(frame, label=label, value=value, title=title, target=target,
                                fmt=written)
    return Chart(figure, caption, description, workbook=True)


def line(frame: pd.DataFrame, *, date: str, value: str, title: str, caption: str,
         percent: bool = True, target: float | None = None, label: str = "") -> Chart:
    """``value`` over the dates of ``date`` as a line with markers, dates as ДД.ММ, a percent
    axis for shares from 0, the target as a dashed line."""
    figure, axes = _figure(7)
    axes.plot(frame[date], frame[value], color=PRIMARY, marker="o", markersize=3)
    if target is not None:
        axes.axhline(target, color=TARGET, linestyle="--", linewidth=1)
    axes.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: fmt_date_short(mdates.num2date(v).date())[:5]))
    _values_axis(axes.yaxis, percent)
    axes.set_ylim(0, max(frame[value].max(), target or 0) * 1.2 or 1)
    axes.set_title(title, loc="left")
    series = [(label or title, frame.rename(columns={date: "snapshot_date"}))]
    description = describe_trend(series, value=value, target=target, title=title,
                                 fmt=fmt_percent if percent else fmt_int)
    return Chart(figure, caption, description, workbook=True)


def plan_vs_fact(frame: pd.DataFrame, *, label: str, fact: str, plan: str, status: str,
                 title: str, caption: str) -> Chart:
    """Fact against plan of shares, one bar each (``status``: a key of the vocabulary's
    statuses, coloured and worded), the plan as a black tick."""
    rows = pd.DataFrame({"label": frame[label], "fact": frame[fact], "plan": frame[plan],
                         "status": frame[status]})
    return Chart(plan_fact_chart(rows, title=title), caption, workbook=True)


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
    return _described(figure, describe_funnel(steps, label=label, value=value, share=share, title=title,
                                              comparison=comparison, comparison_label=comparison_label))


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
    return _described(figure, describe_histogram(frame, title=title, active_label=active_label))


# --- descriptions: what a reader who cannot see the chart is told, from the chart's own data ---

def _described(figure: Figure, text: str) -> Figure:
    _DESCRIPTIONS[figure] = text
    return figure


def _sentence(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


def _target_value(target: float, fmt: Callable[[float], str]) -> str:
    """A target as the charts write it: a share without decimals («75 %»), else as ``fmt``."""
    return fmt_percent(target, 0) if fmt is fmt_percent else fmt(target)


def _target_phrase(target: float | None, values: Iterable[float],
                   fmt: Callable[[float], str] = fmt_percent) -> str:
    """«Пунктир — цель 75 %; её достигли 3 из 12.» (empty without a target)."""
    if target is None or pd.isna(target):
        return ""
    shown = [v for v in values if pd.notna(v)]
    reached = sum(v >= target for v in shown)
    return f"Пунктир — цель {_target_value(target, fmt)}; её достигли {reached} из {len(shown)}."


def _extremes(names: Iterable[object], values: Iterable[float], fmt: Callable[[float], str]) -> str:
    """«Наибольшее значение — Name (20,5 %), наименьшее — Other (3,1 %).»"""
    pairs = [(str(n), float(v)) for n, v in zip(names, values, strict=True) if pd.notna(v)]
    if not pairs:
        return "Значений нет."
    high = max(pairs, key=lambda pair: pair[1])
    low = min(pairs, key=lambda pair: pair[1])
    if len(pairs) == 1:
        return f"Значение — {high[0]} ({fmt(high[1])})."
    return f"Наибольшее значение — {high[0]} ({fmt(high[1])}), наименьшее — {low[0]} ({fmt(low[1])})."


HIGHLIGHT_MARK = "▶ "  # how a bar chart's label marks the briefing's own territory


def describe_bars(frame: pd.DataFrame, *, label: str, value: str, title: str,
                  target: float | None = None, fmt: Callable[[float], str] = fmt_percent) -> str:
    """The description of :func:`category_bars`: what it shows, the highlighted bar, the highest
    and lowest, the target."""
    labels = frame[label].astype(str)
    marked = labels.str.startswith(HIGHLIGHT_MARK)
    names = labels.str.removeprefix(HIGHLIGHT_MARK)
    count = len(frame)
    highlighted = "".join(f"Выделено: {name} ({fmt(share)})."
                          for name, share in zip(names[marked], frame[value][marked], strict=True))
    bars = plural(count, "столбец", "столбца", "столбцов")
    return _sentence(f"Столбчатая диаграмма: {title}; {count} {bars}.",
                     highlighted, _extremes(names, frame[value], fmt),
                     _target_phrase(target, frame[value], fmt))


def describe_trend(series: list[tuple[str, pd.DataFrame]], *, value: str, target: float | None,
                   title: str, fmt: Callable[[float], str] = fmt_percent) -> str:
    """The description of :func:`trend_chart`: each line from its first to its last date, its
    highest and lowest points when they lie between, and the target against the last point."""
    parts = [f"Линейный график: {title}."]
    for name, frame in series:
        rows = frame.dropna(subset=[value]).sort_values("snapshot_date")
        if rows.empty:
            continue
        dates = [fmt_date(pd.Timestamp(day).date()) for day in rows["snapshot_date"]]
        values = rows[value].tolist()
        line = f"{name}: с {fmt(values[0])} ({dates[0]}) до {fmt(values[-1])} ({dates[-1]})"
        high, low = values.index(max(values)), values.index(min(values))
        if {high, low} - {0, len(values) - 1}:
            line += (f"; наибольшее значение {fmt(values[high])} ({dates[high]}), "
                     f"наименьшее {fmt(values[low])} ({dates[low]})")
        if target is not None and pd.notna(target):
            line += "; цель достигнута" if values[-1] >= target else "; ниже цели"
        parts.append(line + ".")
    if target is not None and pd.notna(target):
        parts.append(f"Пунктир — цель {_target_value(target, fmt)}.")
    return _sentence(*parts)


def describe_plan_fact(rows: pd.DataFrame, *, title: str) -> str:
    """The description of :func:`plan_fact_chart`: fact against plan for every indicator."""
    items = [f"{name}: факт {fmt_percent(fact)}, план {fmt_percent(plan, 0)}, "
             f"{STATUSES[status].word if status in STATUSES else status}"
             for name, fact, plan, status in zip(rows["label"], rows["fact"], rows["plan"], rows["status"],
                                                 strict=True)]
    return _sentence(f"Диаграмма «факт и план»: {title}.", "; ".join(items) + ".",
                     _extremes(rows["label"], rows["fact"], fmt_percent))


def describe_funnel(steps: pd.DataFrame, *, label: str, value: str, share: str, title: str,
                    comparison: str | None = None, comparison_label: str = "") -> str:
    """The description of :func:`funnel_chart`: every step's share of the first and its count."""
    items = []
    for _, row in steps.iterrows():
        compared = (f", {comparison_label} {fmt_percent(row[comparison])}"
                    if comparison is not None and pd.notna(row[comparison]) else "")
        items.append(f"{row[label]}: {fmt_percent(row[share])} ({fmt_int(row[value])}){compared}")
    what = title if title.lower().startswith("воронка") else f"Воронка: {title}"
    return _sentence(f"{what}; доля каждого шага от первого.", "; ".join(items) + ".",
                     _extremes(steps[label], steps[share], fmt_percent))


def describe_histogram(frame: pd.DataFrame, *, title: str, active_label: str) -> str:
    """The description of :func:`age_histogram`: per chat, the commonest bin and the share within
    the activity window."""
    parts = [f"Гистограмма: {title}; доля участников каждого чата по давности последнего визита."]
    for chat, rows in frame.groupby("chat", sort=False):
        rows = rows.sort_values("order")
        top = rows.loc[rows["share"].idxmax()] if rows["share"].notna().any() else None
        active = rows.loc[rows["active"].astype(bool), "share"].sum()
        most = f" больше всего — {top['bin']} ({fmt_percent(top['share'])});" if top is not None else ""
        parts.append(f"«{chat}»:{most} {active_label} — {fmt_percent(active)}.")
    return _sentence(*parts)


def describe_figure(figure: Figure) -> str:
    """A description read from a figure made elsewhere (an analyst's ``df.plot()``): its titles
    and, for bars and lines, the highest and lowest values as plotted."""
    parts = []
    for axes in figure.get_axes():
        title = axes.get_title(loc="left") or axes.get_title() or axes.get_ylabel()
        parts.append(f"График: {title}." if title else "График.")
        bars = [patch for container in axes.containers for patch in container]
        if bars:
            horizontal = all(bar.get_x() == bars[0].get_x() for bar in bars) and len(bars) > 1
            values = [bar.get_width() if horizontal else bar.get_height() for bar in bars]
            ticks = axes.get_yticklabels() if horizontal else axes.get_xticklabels()
            names = [tick.get_text() for tick in ticks][: len(values)]
            if len(names) == len(values):
                parts.append(_extremes(names, values, _plotted))
        for line in axes.get_lines():
            ys = pd.to_numeric(pd.Series(line.get_ydata()), errors="coerce").dropna()
            name = str(line.get_label())
            if len(ys) > 1 and not name.startswith("_"):
                parts.append(f"{name}: от {_plotted(ys.min())} до {_plotted(ys.max())}.")
    return _sentence(*parts) or "График."


def _plotted(value: float) -> str:
    """A plotted value: an integer as such, else two decimals (Russian comma)."""
    return fmt_int(value) if float(value).is_integer() else fmt_decimal(value, 2)


def description_of(figure: Figure) -> str:
    """The description of a chart: the one its chart function derived, else read from it."""
    return _DESCRIPTIONS.get(figure) or describe_figure(figure)
