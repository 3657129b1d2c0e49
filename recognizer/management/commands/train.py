"""manage.py train: a training job from the command line, run here with a progress bar, or
queued for the Celery workers with --enqueue. Either way it is recorded like an admin job and
yields a model version (not promoted)."""

from django.core.management.base import BaseCommand, CommandError

from ml.__main__ import print_progress
from ml.model import ARCHITECTURES
from recognizer.services.training import BrokerUnavailable, training_job_create, training_job_run

CONFIG_OPTIONS = ("architecture", "epochs", "batch_size", "learning_rate", "seed", "train_limit", "validation_size")


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="queue for the Celery training workers instead")
        parser.add_argument("--architecture", choices=ARCHITECTURES)
        parser.add_argument("--epochs", type=int)
        parser.add_argument("--batch-size", type=int)
        parser.add_argument("--learning-rate", type=float)
        parser.add_argument("--seed", type=int)
        parser.add_argument("--train-limit", type=int)
        parser.add_argument("--validation-size", type=int)
        parser.add_argument("--no-augment", dest="augment", action="store_false", default=None)
        parser.add_argument("--no-mnist", dest="use_mnist", action="store_false", default=None)
        parser.add_argument("--include-user-drawings", action="store_true")

    def handle(self, *args, **options):
        config = {key: options[key] for key in (*CONFIG_OPTIONS, "augment", "use_mnist") if options[key] is not None}
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
            f"\nmodel version {version.name}: MNIST test accuracy {version.mnist_test_accuracy:.2%}; "
            "promote it in the admin to serve it"))
