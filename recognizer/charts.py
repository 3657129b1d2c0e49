"""Server-side SVG/HTML charts for the admin: no JavaScript library, no CDN."""

from django.utils.html import format_html, format_html_join, mark_safe

COLOURS = ("#0b5fff", "#d9480f", "#2b8a3e", "#862e9c")


def line_chart(series: dict[str, list[float]], *, title: str, width: int = 420, height: int = 220, y_range=None) -> str:
    """A line chart of one or more series over epochs 1..N, as inline SVG."""
    points = [value for values in series.values() for value in values if value is not None]
    if not points:
        return format_html('<p class="help">{}: no data yet</p>', title)
    low, high = y_range or (min(points), max(points))
    if high == low:
        high = low + 1
    left, right, top, bottom = 48, 12, 24, 28
    inner_w, inner_h = width - left - right, height - top - bottom
    epochs = max(len(values) for values in series.values())

    def x(i):
        return left + (inner_w * i / max(1, epochs - 1))

    def y(v):
        return top + inner_h * (1 - (v - low) / (high - low))

    lines = []
    for colour, (name, values) in zip(COLOURS, series.items()):
        coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if v is not None)
        lines.append(format_html(
            '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"><title>{}</title></polyline>'
            '{}', colour, coords, name,
            format_html_join("", '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} epoch {}: {}</title></circle>',
                             ((f"{x(i):.1f}", f"{y(v):.1f}", colour, name, i + 1, f"{v:.4f}")
                              for i, v in enumerate(values) if v is not None)),
        ))
    legend = format_html_join(
        "", '<tspan fill="{}" dx="10">■ {}</tspan>', ((colour, name) for colour, name in zip(COLOURS, series))
    )
    axis = format_html(
        '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#999"/><line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>'
        '<text x="{lx}" y="{ty}" font-size="11" text-anchor="end">{high}</text>'
        '<text x="{lx}" y="{by}" font-size="11" text-anchor="end">{low}</text>'
        '<text x="{l}" y="{ey}" font-size="11">epoch 1</text>'
        '<text x="{r}" y="{ey}" font-size="11" text-anchor="end">epoch {epochs}</text>',
        l=left, t=top, b=top + inner_h, r=left + inner_w, lx=left - 4, ty=top + 4, by=top + inner_h,
        ey=height - 8, high=f"{high:.4g}", low=f"{low:.4g}", epochs=epochs,
    )
    return format_html(
        '<svg role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" class="chart">'
        '<text x="{}" y="14" font-size="12" font-weight="bold">{}</text><text x="{}" y="14" font-size="11">{}</text>'
        '{}{}</svg>',
        title, width, height, width, height, left, title, left + 150, legend, axis, mark_safe("".join(lines)),
    )


def confusion_heatmap(matrix: list[list[int]] | None) -> str:
    """Rows: true digit; columns: predicted. Cell shade by share of its row."""
    if not matrix:
        return format_html('<p class="help">{}</p>', "no confusion matrix")
    header = format_html_join("", "<th scope='col'>{}</th>", ((d,) for d in range(10)))
    rows = []
    for true_digit, row in enumerate(matrix):
        total = sum(row) or 1
        cells = []
        for predicted, count in enumerate(row):
            share = count / total
            colour = f"rgba(11,95,255,{share:.3f})" if predicted == true_digit else f"rgba(217,72,15,{min(1, share * 8):.3f})"
            text = "#fff" if share > 0.5 else "#111"
            cells.append(format_html(
                '<td style="background:{};color:{}" title="true {}, predicted {}: {}">{}</td>',
                colour, text, true_digit, predicted, count, count or "",
            ))
        rows.append(format_html("<tr><th scope='row'>{}</th>{}</tr>", true_digit, mark_safe("".join(cells))))
    return format_html(
        '<table class="confusion"><caption>Confusion matrix (rows: true digit, columns: predicted)</caption>'
        "<thead><tr><th></th>{}</tr></thead><tbody>{}</tbody></table>",
        header, mark_safe("".join(rows)),
    )


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
