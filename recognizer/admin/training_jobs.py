from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from recognizer.admin.columns import datetime_column
from recognizer.admin.forms import FineTuneLaunchForm, TrainingJobLaunchForm
from recognizer.charts import confusion_heatmap, line_chart
from recognizer.formatting import DASH
from recognizer.models import TrainingJob
from recognizer.selectors import retraining_status_get
from recognizer.services.training import (
    BrokerUnavailable,
    JobStateError,
    training_job_cancel,
    training_job_create,
    training_job_retry,
)


def progress_bar(job: TrainingJob):
    # The fill's width is set from data-percent by admin-training.js (no inline style: CSP).
    return format_html(
        '<div class="job-progress" data-job-id="{}" data-status="{}" data-percent="{}" role="progressbar" '
        'aria-valuemin="0" aria-valuemax="100" aria-valuenow="{}" aria-label="Job {} progress">'
        '<div class="job-progress-fill status-{}"></div>'
        '<span class="job-progress-text">{}</span></div>',
        job.pk, job.status, f"{job.percent:g}", f"{job.percent:g}", job.pk, job.status, job.progress_text,
    )  # :g writes 75.0 as "75", as the page's JavaScript does, so a refresh changes no attribute for nothing


def live_field(job: TrainingJob, field: str):
    """One value of job.progress_json() in an element admin-training.js refreshes with the bar."""
    live = job.progress_json()
    css = f"job-{field}" + (f" status-{job.status}" if field == "status" else "")
    key = "status_display" if field == "status" else field
    return format_html('<span class="{}" data-job-id="{}" data-job-field="{}">{}</span>', css, job.pk, field, live[key])


@admin.register(TrainingJob)
class TrainingJobAdmin(admin.ModelAdmin):
    # Who started a job (staff or the review trigger) is a filter and on the job page, not a column:
    # the list fits 1,400 px next to its filters.
    list_display = ("id", "status_display", "progress_display", "data_summary", "requested_by", "created", "duration",
                    "version")
    list_filter = ("status", "trigger")
    list_select_related = ("requested_by",)
    ordering = ("-created_at",)
    actions = ("cancel_selected", "retry_selected")
    change_list_template = "admin/recognizer/trainingjob/change_list.html"
    created = datetime_column()
    change_form_template = "admin/recognizer/trainingjob/change_form.html"
    # Status, duration and heartbeat are shown live above the form (change_form.html), not here,
    # where they would go stale while the job runs.
    readonly_fields = ("config", "include_user_drawings", "user_drawings_cutoff", "requested_by",
                       "created_at", "started_at", "finished_at", "worker", "celery_task_id", "attempts",
                       "error", "retry_of", "trigger", "version")
    exclude = ("status", "progress", "history", "log_tail", "cancel_requested", "heartbeat_at")

    class Media:
        css = {"all": ("css/admin-training.css",)}
        js = ("js/admin-training.js",)

    def has_change_permission(self, request, obj=None):
        return False  # jobs are changed only through Launch, Cancel and Retry

    def has_delete_permission(self, request, obj=None):
        return False  # the job list is the history of every model version

    @admin.display(description="status", ordering="status")
    def status_display(self, job):
        return live_field(job, "status")

    @admin.display(description="progress")
    def progress_display(self, job):
        return progress_bar(job)

    @admin.display(description="data")
    def data_summary(self, job):
        return job.data_summary

    @admin.display(description="duration")
    def duration(self, job):
        return live_field(job, "duration")

    @admin.display(description="model version")
    def version(self, job):
        version = getattr(job, "model_version", None)
        if version is None:
            return DASH
        return format_html('<a href="{}">{}</a>', reverse("admin:recognizer_modelversion_change", args=[version.pk]), version.name)

    def get_urls(self):
        own = [
            path("launch/", self.admin_site.admin_view(self.launch_view), name="recognizer_trainingjob_launch"),
            path("progress/", self.admin_site.admin_view(self.progress_view), name="recognizer_trainingjob_progress"),
            path("<int:job_id>/cancel/", self.admin_site.admin_view(self.cancel_view), name="recognizer_trainingjob_cancel"),
            path("<int:job_id>/retry/", self.admin_site.admin_view(self.retry_view), name="recognizer_trainingjob_retry"),
        ]
        return own + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:recognizer_trainingjob_launch")

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"retraining": retraining_status_get(), **(extra_context or {})})

    def launch_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        fine_tuning = request.method == "POST" and "fine_tune" in request.POST
        form = TrainingJobLaunchForm(request.POST if request.method == "POST" and not fine_tuning else None)
        fine_tune_form = FineTuneLaunchForm(request.POST if fine_tuning else None, prefix="fine_tune")
        submitted = fine_tune_form if fine_tuning else form
        if request.method == "POST" and submitted.is_valid():
            try:
                if fine_tuning:
                    job = training_job_create(requested_by=request.user, config=fine_tune_form.config(),
                                              include_user_drawings=True)
                else:
                    job = training_job_create(
                        requested_by=request.user,
                        config=form.config(),
                        include_user_drawings=form.cleaned_data["include_user_drawings"],
                        user_drawings_cutoff=form.cleaned_data["user_drawings_cutoff"],
                    )
            except BrokerUnavailable as exc:
                submitted.add_error(None, f"Training needs Redis: {exc}")
            except ValueError as exc:
                submitted.add_error(None, str(exc))
            else:
                self.message_user(request, f"Training job {job.pk} queued.", messages.SUCCESS)
                return redirect("admin:recognizer_trainingjob_change", job.pk)
        context = {**self.admin_site.each_context(request), "title": "Launch training", "form": form,
                   "fine_tune_form": fine_tune_form, "retraining": retraining_status_get(),
                   "opts": self.model._meta, "media": self.media + form.media}
        return TemplateResponse(request, "admin/recognizer/trainingjob/launch.html", context)

    def progress_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.isdigit()][:100]
        jobs = TrainingJob.objects.filter(pk__in=ids)
        return JsonResponse({"jobs": [job.progress_json() for job in jobs]})

    def _change_job(self, request, job_id, change):
        if request.method != "POST":
            return redirect("admin:recognizer_trainingjob_change", job_id)
        if not request.user.has_perm("recognizer.change_trainingjob"):
            raise PermissionDenied
        job = get_object_or_404(TrainingJob, pk=job_id)
        try:
            result = change(job)
        except (JobStateError, BrokerUnavailable, ValueError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect("admin:recognizer_trainingjob_change", job.pk)
        return redirect("admin:recognizer_trainingjob_change", result.pk)

    def cancel_view(self, request, job_id):
        def cancel(job):
            job = training_job_cancel(job=job)
            self.message_user(request, f"Job {job.pk}: " + ("cancelled." if job.is_finished else "cancelling..."))
            return job

        return self._change_job(request, job_id, cancel)

    def retry_view(self, request, job_id):
        def retry(job):
            new_job = training_job_retry(job=job, requested_by=request.user)
            self.message_user(request, f"Job {job.pk} retried as job {new_job.pk}.", messages.SUCCESS)
            return new_job

        return self._change_job(request, job_id, retry)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, unquote(object_id))
        if job is None:  # no such job, or not an id at all: the stock admin's redirect
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        version = getattr(job, "model_version", None)
        history = job.history or []
        series = lambda key: [epoch.get(key) for epoch in history]  # noqa: E731
        context = {
            "job": job,
            "can_change": request.user.has_perm("recognizer.change_trainingjob"),
            "loss_chart": line_chart({"loss": series("loss"), "val_loss": series("val_loss")}, title="Loss per epoch")
            if history else "",
            "accuracy_chart": line_chart(
                {"accuracy": series("accuracy"), "val_accuracy": series("val_accuracy")}, title="Accuracy per epoch",
                percent=True,
            ) if history else "",
            "confusion": confusion_heatmap(version.metrics.get("mnist_test", {}).get("confusion_matrix")) if version else "",
            "version": version,
            "progress_bar": progress_bar(job),
            "live_status": live_field(job, "status"),
            "live_duration": live_field(job, "duration"),
            "live_heartbeat": live_field(job, "heartbeat"),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    @admin.action(description="Cancel selected jobs")
    def cancel_selected(self, request, queryset):
        if not request.user.has_perm("recognizer.change_trainingjob"):
            raise PermissionDenied
        done, finished = 0, []
        for job in queryset.filter(status__in=(TrainingJob.Status.QUEUED, TrainingJob.Status.RUNNING)):
            try:
                training_job_cancel(job=job)
            except JobStateError:  # it finished between the list being read and now
                finished.append(str(job.pk))
                continue
            done += 1
        self.message_user(request, f"Cancel requested for {done} job(s).")
        if finished:
            self.message_user(request, f"Already finished, not cancelled: job(s) {', '.join(finished)}.", messages.WARNING)

    @admin.action(description="Retry selected failed or cancelled jobs")
    def retry_selected(self, request, queryset):
        if not request.user.has_perm("recognizer.change_trainingjob"):
            raise PermissionDenied
        try:
            for job in queryset.filter(status__in=(TrainingJob.Status.FAILED, TrainingJob.Status.CANCELLED)):
                training_job_retry(job=job, requested_by=request.user)
        except BrokerUnavailable as exc:
            self.message_user(request, str(exc), messages.ERROR)
