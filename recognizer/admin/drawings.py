"""The review queue: drawings worst-first, filters, bulk labelling, the statistics page; the
keyboard review page and its JSON endpoints are recognizer/admin/review.py."""

import io

import numpy as np
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, json_script

from ml.dataset_io import write_npz
from ml.evaluate import evaluate
from recognizer.admin.columns import datetime_column
from recognizer.admin.review import ReviewPageMixin
from recognizer.charts import confusion_heatmap, line_chart, per_digit_cells
from recognizer.formatting import ms_text, percent_text
from recognizer.models import Drawing, LabelChange, ModelVersion, Prediction
from recognizer.selectors import (
    drawing_list_for_review,
    prediction_list_for_drawing,
    review_accuracy_by_day,
    review_accuracy_by_version,
    reviewed_drawing_sample_get,
)
from recognizer.services.reviews import drawing_review_label, drawing_review_reject
from recognizer.services.predictors import ModelUnavailable, predictor_get_serving

STATS_LIMIT = 20_000  # drawings re-predicted by the live model for the statistics page: bounds its cost


class PredictionInline(admin.TabularInline):
    model = Prediction
    extra = 0
    can_delete = False
    fields = ("digit", "confidence_display", "is_final", "stroke_count", "model_version", "latency_display",
              "created_at")
    readonly_fields = fields
    ordering = ("created_at", "id")  # the drawing's history, in the order it was answered

    @admin.display(description="confidence")
    def confidence_display(self, prediction):
        return percent_text(prediction.confidence)

    @admin.display(description="latency")
    def latency_display(self, prediction):
        return ms_text(prediction.latency_ms)


class LabelChangeInline(admin.TabularInline):
    model = LabelChange
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "changed_by", "old_label", "new_label", "old_status", "new_status")
    readonly_fields = fields


class UserSaidWrongFilter(admin.SimpleListFilter):
    title = "user's word"
    parameter_name = "user_says"

    def lookups(self, request, model_admin):
        return (("wrong", "said it was wrong"), ("right", "confirmed it"), ("nothing", "said nothing"))

    def queryset(self, request, queryset):
        if self.value() == "wrong":
            return queryset.filter(said_wrong=True)
        if self.value() == "right":
            return queryset.filter(user_label__isnull=False, said_wrong=False)
        if self.value() == "nothing":
            return queryset.filter(user_label__isnull=True, user_says_not_a_digit=False)
        return queryset


class ModelVersionFilter(admin.SimpleListFilter):
    title = "model version"
    parameter_name = "model_version"

    def lookups(self, request, model_admin):
        return [(str(version.pk), version.name) for version in ModelVersion.objects.all()[:50]]

    def queryset(self, request, queryset):
        if self.value():
            # A SimpleListFilter's own values are not validated by the admin: a non-id would
            # raise in the query. Refused like any bad lookup (the admin redirects with ?e=1).
            value = self.value()
            if not (value.isascii() and value.isdigit() and int(value) < 2**63):
                raise IncorrectLookupParameters(f"model_version must be a model version id, not {value!r}")
            return queryset.filter(predictions__model_version_id=int(value)).distinct()
        return queryset


class OwnerFilter(admin.SimpleListFilter):
    title = "user"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return (("signed-in", "signed-in users"), ("anonymous", "anonymous"))

    def queryset(self, request, queryset):
        if self.value() == "signed-in":
            return queryset.filter(owner__isnull=False)
        if self.value() == "anonymous":
            return queryset.filter(owner__isnull=True)
        return queryset


def _label_action(digit):
    def action(modeladmin, request, queryset):
        modeladmin.review_all(request, queryset, drawing_review_label, label=digit)

    action.__name__ = f"label_as_{digit}"
    return admin.action(description=f"Label as {digit}", permissions=["review"])(action)


@admin.register(Drawing)
class DrawingAdmin(ReviewPageMixin, admin.ModelAdmin):
    list_display = ("thumbnail", "model_input", "predicted", "user_label", "review_status", "label", "owner",
                    "created")
    list_filter = ("review_status", UserSaidWrongFilter, "predicted_digit", "label", ModelVersionFilter,
                   "created_at", OwnerFilter, "source")
    search_fields = ("owner__username", "=id")
    list_per_page = 50
    readonly_fields = ("id", "thumbnail", "model_input", "stroke_replay", "predicted", "answer_history", "owner",
                       "source", "canvas_width", "canvas_height", "user_label", "user_labeled_at", "review_status", "label",
                       "reviewed_by", "reviewed_at", "label_version", "idempotency_key", "sequence", "created_at",
                       "updated_at", "withdrawn_at")
    # The visitor id is never shown; the strokes are shown replayed, not as JSON.
    exclude = ("image_png", "pixels", "predicted_digit", "confidence", "visitor_id", "strokes")
    inlines = (PredictionInline, LabelChangeInline)
    date_hierarchy = "created_at"
    actions = ["confirm_predictions", "reject_as_junk", *[_label_action(d) for d in range(10)], "download_reviewed"]
    change_list_template = "admin/recognizer/drawing/change_list.html"
    created = datetime_column()

    class Media:
        js = ("js/admin-stroke-replay.js",)
        css = {"all": ("css/admin-stroke-replay.css",)}

    def get_queryset(self, request):
        return drawing_list_for_review().select_related("owner").defer("image_png", "pixels", "strokes")

    def get_ordering(self, request):
        # The review-queue order sorts on an annotation, which the `ordering` attribute cannot name.
        return ["-said_wrong", "confidence", "created_at"]

    def has_add_permission(self, request):
        return False  # drawings come from users' canvases

    def has_change_permission(self, request, obj=None):
        return False  # labels change only through review, so every change is audited

    def has_review_permission(self, request):
        return request.user.has_perm("recognizer.review_drawing")

    @admin.display(description="drawing")
    def thumbnail(self, drawing):
        return format_html('<img src="{}" alt="drawing" width="56" height="56" loading="lazy" class="admin-thumb">',
                           drawing.image_url)

    @admin.display(description="model saw")
    def model_input(self, drawing):
        return format_html('<img src="{}" alt="28x28 input" width="56" height="56" loading="lazy" '
                           'class="admin-thumb-input">', drawing.input_url)

    @admin.display(description="strokes")
    def stroke_replay(self, drawing):
        """The strokes replayed in order and at their pace by static/js/admin-stroke-replay.js."""
        if not drawing.strokes:
            return "stored without strokes"
        element_id = f"strokes-{drawing.id}"
        return format_html('<div class="stroke-replay" data-strokes-id="{}"><canvas role="img" aria-label="{}">'
                           '</canvas><button type="button">Replay</button><span class="stroke-replay-status"></span>'
                           '</div>{}', element_id, f"the {drawing.stroke_count} strokes replayed",
                           json_script(drawing.strokes, element_id))

    @admin.display(description="answers while drawn")
    def answer_history(self, drawing):
        """What the model said after each update, e.g. "6 (96%) after 1 stroke, then 4 (99%) after 2"."""
        answers = [f"{p.digit} ({p.confidence:.0%})" + (f" after {p.stroke_count} stroke{'s' * (p.stroke_count != 1)}"
                                                        if p.stroke_count is not None else "")
                   for p in prediction_list_for_drawing(drawing=drawing)]
        return ", then ".join(answers) or "-"

    @admin.display(description="prediction", ordering="confidence")
    def predicted(self, drawing):
        if drawing.predicted_digit is None:
            return "-"
        return f"{drawing.predicted_digit} ({drawing.confidence:.0%})"

    def review_all(self, request, queryset, review, **decision):
        """`review` is one of the drawing_review_* services, applied to each selected drawing."""
        done = 0
        for drawing in queryset:
            review(drawing=drawing, reviewed_by=request.user, **decision)
            done += 1
        self.message_user(request, f"Reviewed {done} drawing(s).", messages.SUCCESS)

    @admin.action(description="Confirm the prediction", permissions=["review"])
    def confirm_predictions(self, request, queryset):
        done = 0
        for drawing in queryset.filter(predicted_digit__isnull=False):
            drawing_review_label(drawing=drawing, reviewed_by=request.user, label=drawing.predicted_digit)
            done += 1
        self.message_user(request, f"Confirmed {done} prediction(s).", messages.SUCCESS)

    @admin.action(description="Reject as not a digit", permissions=["review"])
    def reject_as_junk(self, request, queryset):
        self.review_all(request, queryset, drawing_review_reject)

    @admin.action(description="Download the reviewed ones (MNIST-format .npz)")
    def download_reviewed(self, request, queryset):
        reviewed = queryset.filter(review_status__in=Drawing.TRAINABLE).values_list("label", "pixels")
        labels = np.array([label for label, _ in reviewed], dtype=np.uint8)
        images = Drawing.pixels_stack(p for _, p in reviewed)
        buffer = io.BytesIO()
        write_npz(buffer, images, labels)
        response = HttpResponse(buffer.getvalue(), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="digitsite-reviewed-{len(labels)}.npz"'
        return response

    # The statistics page, and the keyboard review page and its endpoints (ReviewPageMixin).
    def get_urls(self):
        own = [
            path("stats/", self.admin_site.admin_view(self.stats_view), name="recognizer_drawing_stats"),
            *self.review_urls(),
        ]
        return own + super().get_urls()

    def stats_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        images, labels = reviewed_drawing_sample_get(limit=STATS_LIMIT)
        live = None
        try:
            version, predictor = predictor_get_serving()
            if len(labels):
                live = {"version": version, **evaluate(predictor.probabilities, images, labels)}
        except ModelUnavailable as exc:
            self.message_user(request, str(exc), messages.ERROR)
        by_version = [{**row, "accuracy": row["right"] / row["total"]} for row in review_accuracy_by_version()]
        by_day = review_accuracy_by_day()
        context = {
            **self.admin_site.each_context(request), "title": "Accuracy on reviewed drawings", "opts": self.model._meta,
            "live": live, "by_version": by_version,
            "per_digit": per_digit_cells(live["per_digit_accuracy"], live["confusion_matrix"]) if live else [],
            "confusion": confusion_heatmap(live["confusion_matrix"]) if live else "",
            "over_time": line_chart({"accuracy at the time": [row["right"] / row["total"] for row in by_day]},
                                    title="Accuracy by day of drawing", y_range=(0, 1), percent=True,
                                    x_labels=[row["day"].isoformat() for row in by_day]) if by_day else "",
            "days": by_day,
        }
        return TemplateResponse(request, "admin/recognizer/drawing/stats.html", context)


@admin.register(LabelChange)
class LabelChangeAdmin(admin.ModelAdmin):
    list_display = ("created", "drawing_link", "kind", "changed_by", "old_label", "new_label", "old_status",
                    "new_status")
    list_filter = ("kind", "created_at")
    list_select_related = ("changed_by",)
    readonly_fields = ("created_at", "drawing", *list_display[2:])
    created = datetime_column()

    @admin.display(description="drawing", ordering="drawing")
    def drawing_link(self, change):
        # The first 8 hex digits name it well enough in a list; a full UUID took a third of the table.
        url = reverse("admin:recognizer_drawing_change", args=[change.drawing_id])
        return format_html('<a href="{}" title="{}">{}…</a>', url, change.drawing_id, str(change.drawing_id)[:8])

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the audit trail is append-only

    def has_delete_permission(self, request, obj=None):
        return False
