import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html

from recognizer.admin.columns import datetime_column
from recognizer.admin.forms import PromoteForm
from recognizer.charts import confusion_difference, confusion_heatmap, per_digit_cells
from recognizer.formatting import percent_text
from recognizer.models import ModelVersion, ModelVersionChange
from recognizer.selectors import model_version_previous_get
from recognizer.services.model_versions import PromotionRefused, model_version_promote, model_version_rollback


EVALUATION_TITLES = {
    "mnist_test": "MNIST test set",
    "canvas_style": "Canvas-style set (MNIST test digits redrawn as canvas drawings)",
    "user_holdout": "Held-out user drawings",
    "real_writers": "Real writers held out (pendigits)",
}


def percent(value):
    return percent_text(value)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "mnist_accuracy", "canvas_accuracy", "user_holdout_accuracy", "verdict", "job_link",
                    "parent", "created")
    list_filter = ("is_active",)
    list_select_related = ("parent", "job")
    change_form_template = "admin/recognizer/modelversion/change_form.html"
    created = datetime_column()
    readonly_fields = ("name", "is_active", "mnist_accuracy", "canvas_accuracy", "user_holdout_accuracy", "artifact_path", "sha256",
                       "job_link", "parent", "data_snapshot", "created_at", "activated_at", "metadata_display")
    exclude = ("metrics", "job", "metadata", "gate")

    def has_add_permission(self, request):
        return False  # versions come from training jobs

    def has_change_permission(self, request, obj=None):
        return False  # immutable: only promoted or rolled back, through the buttons

    def has_delete_permission(self, request, obj=None):
        return False  # predictions point at their version forever

    @admin.display(description="MNIST test")
    def mnist_accuracy(self, version):
        return percent(version.mnist_test_accuracy)

    @admin.display(description="canvas-style")
    def canvas_accuracy(self, version):
        return percent(version.canvas_style_accuracy)

    @admin.display(description="user drawings (held out)")
    def user_holdout_accuracy(self, version):
        holdout = version.metrics.get("user_holdout")
        return f"{percent(holdout['accuracy'])} of {holdout['count']}" if holdout else "-"

    @admin.display(description="metadata")
    def metadata_display(self, version):
        # The artifact's own record, as data (the figures above are its numbers for people).
        return format_html('<details><summary>metadata.json</summary><pre class="json">{}</pre></details>',
                           json.dumps(version.metadata, indent=2, sort_keys=True))

    @admin.display(description="gate")
    def verdict(self, version):
        if version.is_blessed is None:
            return "-"
        return f"blessed against {version.gate.get('baseline')}" if version.is_blessed else f"refused against {version.gate.get('baseline')}"

    @admin.display(description="training job")
    def job_link(self, version):
        if version.job_id is None:
            return "shipped with the code"
        return format_html('<a href="{}">job {}</a>', reverse("admin:recognizer_trainingjob_change", args=[version.job_id]), version.job_id)

    def get_urls(self):
        own = [
            path("<int:version_id>/promote/", self.admin_site.admin_view(self.promote_view), name="recognizer_modelversion_promote"),
            path("rollback/", self.admin_site.admin_view(self.rollback_view), name="recognizer_modelversion_rollback"),
        ]
        return own + super().get_urls()

    def _check_promote_permission(self, request):
        if request.method != "POST" or not request.user.has_perm("recognizer.promote_modelversion"):
            raise PermissionDenied

    def promote_view(self, request, version_id):
        self._check_promote_permission(request)
        version = get_object_or_404(ModelVersion, pk=version_id)
        form = PromoteForm(request.POST)
        if form.is_valid():
            try:
                model_version_promote(version=version, by=request.user, reason=form.cleaned_data["reason"],
                                      force=form.cleaned_data["force"])
                self.message_user(request, f"{version.name} is now serving.", messages.SUCCESS)
            except PromotionRefused as exc:
                self.message_user(request, f"Not promoted: {exc}", messages.ERROR)
        return redirect("admin:recognizer_modelversion_change", version.pk)

    def rollback_view(self, request):
        self._check_promote_permission(request)
        try:
            version = model_version_rollback(by=request.user, reason=request.POST.get("reason", ""))
            self.message_user(request, f"Rolled back: {version.name} is serving again.", messages.SUCCESS)
            return redirect("admin:recognizer_modelversion_change", version.pk)
        except PromotionRefused as exc:
            self.message_user(request, f"Not rolled back: {exc}", messages.ERROR)
            return redirect("admin:recognizer_modelversion_changelist")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, unquote(object_id))
        if version is None:  # no such version, or not an id at all: the stock admin's redirect
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        context = {
            "version": version,
            "can_promote": request.user.has_perm("recognizer.promote_modelversion"),
            "promote_form": PromoteForm(),
            "previous": model_version_previous_get() if version.is_active else None,
            "evaluations": [
                (title, percent(version.metrics[key]["accuracy"]), version.metrics[key]["count"],
                 per_digit_cells(version.metrics[key]["per_digit_accuracy"],
                                 version.metrics[key].get("confusion_matrix")),
                 confusion_heatmap(version.metrics[key]["confusion_matrix"]))
                for key, title in EVALUATION_TITLES.items() if key in version.metrics
            ],
            "changes": ModelVersionChange.objects.filter(to_version=version).select_related("from_version", "changed_by")[:20],
            "comparison": self._comparison(version),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)


    @staticmethod
    def _comparison(version):
        """The gate's record as the page shows it: candidate vs serving on every metric it
        checked, per digit, and the confusion-matrix difference."""
        gate = version.gate
        if not gate:
            return None
        baseline_metrics = gate.get("baseline_metrics", {})
        rows = []
        for check in gate.get("checks", []):
            key = check["metric"]
            ours = version.metrics.get(key, {}).get("per_digit_accuracy") or []
            theirs = baseline_metrics.get(key, {}).get("per_digit_accuracy") or []
            per_digit = [(digit, percent(a), percent(b), f"{(a - b) * 100:+.2f}")
                         for digit, (a, b) in enumerate(zip(ours, theirs))]
            rows.append({
                "title": EVALUATION_TITLES.get(key, key), "key": key, "count": check["count"],
                "candidate": percent(check["candidate"]), "baseline": percent(check["baseline"]),
                "delta": f"{check['delta'] * 100:+.2f}",
                "allowed": "none" if check["allowed_loss"] == 0 else f"-{check['allowed_loss'] * 100:.1f}",
                "passed": check["passed"], "per_digit": per_digit,
                "confusion": confusion_difference(check.get("confusion_delta")),
            })
        return {"baseline": gate.get("baseline"), "blessed": gate.get("blessed"), "summary": gate.get("summary"),
                "rows": rows, "unmatched": gate.get("unmatched", [])}


@admin.register(ModelVersionChange)
class ModelVersionChangeAdmin(admin.ModelAdmin):
    list_display = ("created", "kind", "from_version", "to_version", "changed_by", "automatic", "forced", "reason")
    list_filter = ("kind", "automatic", "forced")
    readonly_fields = ("created_at", *list_display[1:])
    created = datetime_column()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the audit log is append-only
