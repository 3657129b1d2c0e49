"""manage.py train: a training job from the command line, run here with a progress bar, or
queued for the Celery workers with --enqueue. Either way it is recorded like an admin job and
yields a model version (not promoted)."""

from django.core.management.base import BaseCommand, CommandError

from ml.__main__ import print_progress
from ml.config import FINE_TUNE, add_arguments, from_arguments
from recognizer.services.training import BrokerUnavailable, training_job_create
from recognizer.services.training_runs import training_job_run


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="queue for the Celery training workers instead")
        add_arguments(parser)
        parser.add_argument("--include-user-drawings", action="store_true")
        parser.add_argument("--warm-start", choices=["active"],
                            help="fine-tune the serving version on the reviewed user drawings plus a replay sample "
                                 f"of MNIST (defaults {FINE_TUNE}; the options above override them)")

    def handle(self, *args, **options):
        config = from_arguments(options)
        if options["warm_start"]:
            config = {**FINE_TUNE, **config}
            options["include_user_drawings"] = True
        try:
            job = training_job_create(requested_by=None, config=config, enqueue=options["enqueue"],
                                      include_user_drawings=options["include_user_drawings"])
        except (ValueError, BrokerUnavailable) as exc:
            raise CommandError(str(exc)) from None
        if options["enqueue"]:
            self.stdout.write(f"training job {job.pk} queued; follow it in the admin")
            return
        self.stdout.write(f"training job {job.pk}: {job.config}")
        job = training_job_run(job_id=job.pk, worker="manage.py train", on_progress=print_progress)
        if job.status != job.Status.SUCCEEDED:
            raise CommandError(f"training job {job.pk} {job.status}: {job.error}")
        version = job.model_version
        self.stdout.write(self.style.SUCCESS(
            f"\nmodel version {version.name}: MNIST test accuracy {version.mnist_test_accuracy:.2%}, "
            f"canvas-style {version.canvas_style_accuracy:.2%}"
            + (f", real writers {version.real_writer_accuracy:.2%}" if version.real_writer_accuracy is not None else "")
            + "; promote it in the admin to serve it"))
