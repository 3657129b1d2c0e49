"""Server-side SVG/HTML charts for the admin: no JavaScript library, no CDN, no inline styles
(a 'self'-only Content-Security-Policy): colours are SVG attributes or classes in admin-site.css."""

from dataclasses import dataclass
from typing import Callable

from django.utils.html import format_html, format_html_join, mark_safe

from recognizer.formatting import percent_text

COLOURS = ("#0b5fff", "#d9480f", "#2b8a3e", "#862e9c")
HEAT_STEPS = 10  # shades of the confusion matrix (classes heat-diag-0..10 and heat-off-0..10)


def line_chart(
    series: dict[str, list[float]],
    *,
    title: str,
    width: int = 420,
    height: int = 220,
    y_range=None,
    x_labels: list[str] | None = None,
    percent: bool = False,
) -> str:
    """A line chart of one or more series, as inline SVG. Points are at x_labels (default
    "epoch 1".."epoch N"); the axis names the first and the last. The legend has its own row
    under the title, so a long title never runs into it. percent: values are fractions, shown as %."""
    points = [value for values in series.values() for value in values if value is not None]
    if not points:
        return format_html('<p class="help">{}: no data yet</p>', title)
    count = max(len(values) for values in series.values())
    labels = list(x_labels) if x_labels is not None else [f"epoch {i + 1}" for i in range(count)]
    if len(labels) != count:
        raise ValueError("x_labels needs one label per point")
    show: Callable[[float], str] = (lambda v: percent_text(v)) if percent else (lambda v: f"{v:.4g}")
    low, high = y_range or (min(points), max(points))
    plot = _Plot(width=width, height=height, count=count, low=low, high=low + 1 if high == low else high)
    return format_html(
        '<svg role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" class="chart">'
        '<text x="{}" y="16" font-size="12" font-weight="bold" class="chart-title">{}</text>'
        '<text x="{}" y="34" font-size="11" class="chart-legend">{}</text>'
        '{}{}</svg>',
        title, width, height, width, height, 8, title, 8, _legend(series), _axes(plot, labels, show),
        _series_lines(plot, series, labels, show),
    )


@dataclass(frozen=True)
class _Plot:
    """Where a line chart's values land: `count` points across, `low` to `high` up, inside margins
    that leave room for the y axis's values (left), the title and legend (top) and the x axis's
    labels (bottom)."""

    width: int
    height: int
    count: int
    low: float
    high: float
    left, right, top, bottom = 52, 12, 44, 28

    @property
    def inner_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> int:
        return self.height - self.top - self.bottom

    def x(self, i: int) -> float:
        # A single point sits in the middle, under its one label.
        return self.left + (self.inner_width * i / (self.count - 1) if self.count > 1 else self.inner_width / 2)

    def y(self, v: float) -> float:
        return self.top + self.inner_height * (1 - (v - self.low) / (self.high - self.low))


def _series_lines(plot: _Plot, series: dict[str, list[float]], labels: list[str], show) -> str:
    """Each series as a polyline with a circle per point; both say their values on hover."""
    lines = []
    for colour, (name, values) in zip(COLOURS, series.items()):
        coords = " ".join(f"{plot.x(i):.1f},{plot.y(v):.1f}" for i, v in enumerate(values) if v is not None)
        lines.append(format_html(
            '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"><title>{}</title></polyline>'
            '{}', colour, coords, name,
            format_html_join("", '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}, {}: {}</title></circle>',
                             ((f"{plot.x(i):.1f}", f"{plot.y(v):.1f}", colour, name, labels[i], show(v))
                              for i, v in enumerate(values) if v is not None)),
        ))
    return mark_safe("".join(lines))


def _legend(series: dict[str, list[float]]) -> str:
    return format_html_join(
        "", '<tspan fill="{}" dx="{}">■</tspan><tspan dx="4">{}</tspan>',
        ((colour, 0 if i == 0 else 14, name) for i, (colour, name) in enumerate(zip(COLOURS, series))),
    )


def _axes(plot: _Plot, labels: list[str], show) -> str:
    """The y axis with its lowest and highest value; the x axis with its first and last label
    (a single point's label under it)."""
    left, right, top, bottom = plot.left, plot.left + plot.inner_width, plot.top, plot.top + plot.inner_height
    if plot.count > 1:
        x_axis = format_html(
            '<text x="{}" y="{}" font-size="11" text-anchor="start">{}</text>'
            '<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>',
            left, plot.height - 8, labels[0], right, plot.height - 8, labels[-1])
    else:
        x_axis = format_html('<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>',
                             f"{plot.x(0):.1f}", plot.height - 8, labels[0])
    return format_html(
        '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#999"/><line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>'
        '<text x="{lx}" y="{ty}" font-size="11" text-anchor="end">{high}</text>'
        '<text x="{lx}" y="{by}" font-size="11" text-anchor="end">{low}</text>{x_axis}',
        l=left, t=top, b=bottom, r=right, lx=left - 4, ty=top + 4, by=bottom,
        high=show(plot.high), low=show(plot.low), x_axis=x_axis,
    )


def confusion_heatmap(matrix: list[list[int]] | None) -> str:
    """Rows: true digit; columns: predicted. Cell shade by share of its row, in HEAT_STEPS classes.
    Focusable: on a phone it scrolls sideways inside itself, which keyboard users must reach too."""
    if not matrix:
        return format_html('<p class="help">{}</p>', "no confusion matrix")
    header = format_html_join("", "<th scope='col'>{}</th>", ((d,) for d in range(10)))
    rows = []
    for true_digit, row in enumerate(matrix):
        total = sum(row) or 1
        cells = []
        for predicted, count in enumerate(row):
            share = count / total
            if predicted == true_digit:
                css = f"heat-diag-{round(share * HEAT_STEPS)}"
            else:  # mistakes are rare: eight times the shade, so a few of them still show
                css = f"heat-off-{round(min(1, share * 8) * HEAT_STEPS)}"
            cells.append(format_html('<td class="{}" title="true {}, predicted {}: {}">{}</td>',
                                     css, true_digit, predicted, count, count or ""))
        rows.append(format_html("<tr><th scope='row'>{}</th>{}</tr>", true_digit, mark_safe("".join(cells))))
    return format_html(
        '<table class="confusion" tabindex="0">'
        "<caption>Confusion matrix (rows: true digit, columns: predicted)</caption>"
        "<thead><tr><th></th>{}</tr></thead><tbody>{}</tbody></table>",
        header, mark_safe("".join(rows)),
    )


def per_digit_cells(per_digit_accuracy: list[float], confusion_matrix: list[list[int]] | None) -> list[dict]:
    """For a per-digit table: each digit's accuracy as a percentage and its number of examples;
    a digit with no examples reads "—", never 0.00%."""
    counts = [sum(row) for row in confusion_matrix] if confusion_matrix else [None] * len(per_digit_accuracy)
    return [{"digit": digit, "count": count, "accuracy": percent_text(accuracy) if count != 0 else "—"}
            for digit, (accuracy, count) in enumerate(zip(per_digit_accuracy, counts))]


def confusion_difference(delta: list[list[int]] | None) -> str:
    """Candidate minus serving, per cell: green where the candidate is better (more right on the
    diagonal, fewer mistakes off it), red where it is worse; blank where they agree."""
    if not delta:
        return format_html('<p class="help">{}</p>', "no confusion matrices to compare")
    header = format_html_join("", "<th scope='col'>{}</th>", ((d,) for d in range(10)))
    rows = []
    for true_digit, row in enumerate(delta):
        cells = []
        for predicted, change in enumerate(row):
            better = change > 0 if predicted == true_digit else change < 0
            colour = "" if change == 0 else ("rgba(43,138,62,0.25)" if better else "rgba(217,72,15,0.3)")
            cells.append(format_html(
                '<td style="background:{}" title="true {}, predicted {}: {}">{}</td>',
                colour, true_digit, predicted, f"{change:+d}", f"{change:+d}" if change else "",
            ))
        rows.append(format_html("<tr><th scope='row'>{}</th>{}</tr>", true_digit, mark_safe("".join(cells))))
    return format_html(
        '<table class="confusion confusion-difference"><caption>Confusion matrix, candidate minus serving '
        "(rows: true digit, columns: predicted)</caption><thead><tr><th></th>{}</tr></thead><tbody>{}</tbody></table>",
        header, mark_safe("".join(rows)),
    )
