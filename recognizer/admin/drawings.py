from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from recognizer.models import Drawing, LabelChange, Prediction


class PredictionInline(admin.TabularInline):
    model = Prediction
    extra = 0
    can_delete = False
    fields = ("digit", "confidence", "model_version", "latency_ms", "created_at")
    readonly_fields = fields


class LabelChangeInline(admin.TabularInline):
    model = LabelChange
    extra = 0
    can_delete = False
    fields = ("old_label", "new_label", "changed_by", "created_at")
    readonly_fields = fields


@admin.register(Drawing)
class DrawingAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "model_input", "predicted", "user_label", "owner", "source", "created_at")
    list_filter = ("source", "created_at")
    readonly_fields = ("id", "thumbnail", "model_input", "owner", "session_key", "source", "canvas_width",
                       "canvas_height", "user_label", "user_labeled_at", "idempotency_key", "created_at")
    exclude = ("image_png", "pixels")
    inlines = (PredictionInline, LabelChangeInline)
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").prefetch_related("predictions__model_version")

    def has_add_permission(self, request):
        return False  # drawings come from users' canvases

    @admin.display(description="drawing")
    def thumbnail(self, drawing):
        url = reverse("drawing-image", args=[drawing.id])
        return format_html('<img src="{}" alt="drawing" width="56" height="56" style="background:#fff;border:1px solid #ccc">', url)

    @admin.display(description="model saw")
    def model_input(self, drawing):
        url = reverse("drawing-input-image", args=[drawing.id])
        return format_html('<img src="{}" alt="28x28 input" width="56" height="56" style="image-rendering:pixelated">', url)

    @admin.display(description="prediction")
    def predicted(self, drawing):
        prediction = drawing.prediction
        return f"{prediction.digit} ({prediction.confidence:.0%})" if prediction else "-"


@admin.register(LabelChange)
class LabelChangeAdmin(admin.ModelAdmin):
    list_display = ("drawing", "old_label", "new_label", "changed_by", "created_at")
    readonly_fields = ("drawing", "old_label", "new_label", "changed_by", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the audit trail is append-only
