"""Charts and numbers in the admin read like a person wrote them: axes name what they plot, titles
clear the legend, digits with no examples read "—" with their count, and no raw float is shown
(issue 20, item 5)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from recognizer.charts import confusion_heatmap, line_chart, per_digit_cells
from recognizer.formatting import ms_text, percent_text
from recognizer.models import Drawing, ModelVersion, Prediction
from recognizer.selectors import model_version_get_active
from recognizer.services.drawings import drawing_create_with_prediction
from recognizer.services.reviews import drawing_review_label
from tests.canvases import seven_png

RAW_FLOAT = re.compile(r"\b\d+\.\d{5,}\b")  # 0.9999169111251831, 1.64476299994476


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-9"))
    return client


def svg_texts(svg: str) -> list[tuple[float, str]]:
    return [(float(y), text) for y, text in re.findall(r'<text [^>]*y="([\d.]+)"[^>]*>([^<]*)</text>', svg)]


@pytest.mark.parametrize("value, text", [(0.9999169111251831, "99.99%"), (1.0, "100.00%"), (None, "—")])
def test_percentages(value, text):
    assert percent_text(value) == text


@pytest.mark.parametrize("value, text", [(1.64476299994476, "1.6 ms"), (164.4, "164 ms"), (2350, "2.4 s"), (None, "—")])
def test_milliseconds(value, text):
    assert ms_text(value) == text


def test_a_chart_by_day_names_its_days_and_its_title_clears_the_legend():
    chart = line_chart({"accuracy at the time": [0.5, 0.75, 1.0]}, title="Accuracy by day of drawing",
                       y_range=(0, 1), percent=True, x_labels=["2026-11-29", "2026-11-30", "2026-12-01"])
    texts = [text for _, text in svg_texts(chart)]
    assert "epoch" not in chart and "2026-11-29" in texts and "2026-12-01" in texts
    assert "100.00%" in texts and "0.00%" in texts  # the axis in percent, not 1 and 0
    title_y = next(y for y, text in svg_texts(chart) if text == "Accuracy by day of drawing")
    legend_y = float(re.search(r'y="([\d.]+)" font-size="11" class="chart-legend"', chart).group(1))
    assert legend_y - title_y >= 14  # its own row: a long title can no longer run into it
    assert "2026-11-30: 75.00%" in chart  # the point's tooltip


def test_a_single_day_is_labelled_once_not_epoch_1_to_epoch_1():
    chart = line_chart({"accuracy": [0.8]}, title="Accuracy by day of drawing", x_labels=["2026-12-01"], percent=True)
    assert [text for _, text in svg_texts(chart)].count("2026-12-01") == 1 and "epoch" not in chart


def test_epoch_charts_keep_their_epochs():
    chart = line_chart({"loss": [0.5, 0.3, 0.2]}, title="Loss per epoch")
    assert "epoch 1" in chart and "epoch 3" in chart


def test_charts_and_heatmaps_have_no_inline_style():
    assert "style=" not in line_chart({"a": [1, 2]}, title="t")
    heatmap = confusion_heatmap([[5 if i == j else (1 if j == 0 else 0) for j in range(10)] for i in range(10)])
    assert "style=" not in heatmap and 'class="heat-diag-10"' in heatmap


def test_digits_with_no_examples_read_a_dash_with_their_count():
    confusion = [[0] * 10 for _ in range(10)]
    confusion[7][7], confusion[1][7] = 3, 1
    cells = per_digit_cells([0.0, 0.0, 0, 0, 0, 0, 0, 1.0, 0, 0], confusion)
    assert cells[7] == {"digit": 7, "count": 3, "accuracy": "100.00%"}
    assert cells[1] == {"digit": 1, "count": 1, "accuracy": "0.00%"}  # a real 0%: one example, wrong
    assert cells[3] == {"digit": 3, "count": 0, "accuracy": "—"}


@pytest.mark.django_db
def test_model_version_page_shows_held_out_digits_without_examples_as_a_dash(admin_client):
    version = model_version_get_active()
    confusion = [[0] * 10 for _ in range(10)]
    confusion[7][7] = 4
    version.metrics["user_holdout"] = {"count": 4, "accuracy": 1.0, "confusion_matrix": confusion,
                                       "per_digit_accuracy": [0.0] * 7 + [1.0] + [0.0] * 2}
    ModelVersion.objects.filter(pk=version.pk).update(metrics=version.metrics)
    page = admin_client.get(reverse("admin:recognizer_modelversion_change", args=[version.pk])).content.decode()
    held_out = page[page.index("Held-out user drawings"):]
    held_out = held_out[:held_out.index("</table>")]
    assert "<td>0.00%</td>" not in held_out and held_out.count("<td>—</td>") == 9
    assert "<th scope=\"row\">examples</th><td>0</td>" in held_out and "<td>4</td>" in held_out
    # Every number outside the artifact's metadata.json (shown as data, folded away) is for people.
    assert not RAW_FLOAT.search(re.sub(r'<pre class="json">.*?</pre>', "", page, flags=re.S))


@pytest.mark.django_db
def test_drawing_page_shows_confidence_and_latency_for_people(admin_client):
    drawing, _ = drawing_create_with_prediction(image=seven_png())
    Prediction.objects.filter(drawing=drawing).update(confidence=0.9999169111251831, latency_ms=1.64476299994476)
    page = admin_client.get(reverse("admin:recognizer_drawing_change", args=[drawing.pk])).content.decode()
    assert "99.99%" in page and "1.6 ms" in page
    assert "0.9999169111251831" not in page and "1.64476299994476" not in page


@pytest.mark.django_db
def test_statistics_page_plots_days_and_formats_every_number(admin_client, django_user_model):
    root = django_user_model.objects.get(username="root")
    days = []
    for age in (2, 1, 0):
        drawing, _ = drawing_create_with_prediction(image=seven_png())
        created = timezone.now() - timedelta(days=age)
        Drawing.objects.filter(pk=drawing.pk).update(created_at=created)
        drawing_review_label(drawing=drawing, reviewed_by=root, label=7 if age else 1)
        days.append(timezone.localdate(created).isoformat())
    response = admin_client.get(reverse("admin:recognizer_drawing_stats"))
    page = response.content.decode()
    chart = page[page.index('<svg role="img"'):]
    chart = chart[:chart.index("</svg>")]
    assert "epoch" not in chart and days[0] in chart and days[-1] in chart
    assert "66.67%" in page  # the serving model: 2 of 3 right
    per_digit = page[page.index("Accuracy per digit"):]
    per_digit = per_digit[:per_digit.index("</table>")]
    assert per_digit.count("<td>—</td>") == 8  # only 1 and 7 have examples
    assert not RAW_FLOAT.search(page) and "style=" not in page[page.index('id="content"'):]
