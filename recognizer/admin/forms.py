import dataclasses

from django import forms

from ml.model import ARCHITECTURES
from ml.train import FINE_TUNE, TrainConfig
from recognizer.services.training import training_config_validate

DEFAULTS = TrainConfig()


class TrainingJobLaunchForm(forms.Form):
    architecture = forms.ChoiceField(choices=[(a, a) for a in ARCHITECTURES])
    epochs = forms.IntegerField(min_value=1, max_value=200)
    batch_size = forms.IntegerField(min_value=8, max_value=4096)
    learning_rate = forms.FloatField(min_value=1e-6, max_value=1.0,
                                     help_text="peak of the warm-up + cosine schedule (Adam)")
    augment = forms.BooleanField(required=False,
                                 help_text="random rotation, zoom and shift, and pen redraws (below)")
    redraw_fraction = forms.FloatField(min_value=0, max_value=1,
                                       help_text="share of each batch redrawn from its skeleton with a random pen, "
                                                 "so the model learns canvas-style strokes (0: none)")
    seed = forms.IntegerField(min_value=0, help_text="same config + seed = same model")
    validation_size = forms.IntegerField(min_value=0, help_text="images held out to plot validation accuracy per epoch (0: none)")
    use_mnist = forms.BooleanField(required=False, label="Train on MNIST")
    train_limit = forms.IntegerField(min_value=100, required=False, help_text="only the first N MNIST training images (quick runs)")
    include_user_drawings = forms.BooleanField(required=False, label="Add reviewed user drawings")
    user_drawings_cutoff = forms.DateTimeField(required=False, help_text="only drawings made before this time (default: now)")

    CONFIG_FIELDS = ("architecture", "epochs", "batch_size", "learning_rate", "augment", "redraw_fraction", "seed",
                     "validation_size", "use_mnist", "train_limit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The shipped recipe's values, read from TrainConfig itself so the form never disagrees with it.
        defaults = dataclasses.asdict(DEFAULTS)
        for name in self.CONFIG_FIELDS:
            self.fields[name].initial = defaults[name]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            # Checked against the data's real size now, so every job this form queues can run.
            training_config_validate(config=TrainConfig.from_dict(self.config()),
                                     include_user_drawings=cleaned["include_user_drawings"],
                                     user_drawings_cutoff=cleaned.get("user_drawings_cutoff"))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return cleaned

    def config(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.CONFIG_FIELDS}


class FineTuneLaunchForm(forms.Form):
    """"Fine-tune the serving model": its weights, the reviewed user drawings and an MNIST replay."""

    epochs = forms.IntegerField(min_value=1, max_value=200, initial=FINE_TUNE["epochs"])
    learning_rate = forms.FloatField(min_value=1e-6, max_value=1.0, initial=FINE_TUNE["learning_rate"],
                                     help_text="peak of the schedule: a tenth of a from-scratch run's, to keep what it knows")
    replay_size = forms.IntegerField(min_value=0, initial=FINE_TUNE["replay_size"],
                                     help_text="MNIST training images mixed in (a seeded random sample; 0: all 60,000)")
    seed = forms.IntegerField(min_value=0, initial=DEFAULTS.seed)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                TrainConfig.from_dict(self.config())
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return cleaned

    def config(self) -> dict:
        return {**FINE_TUNE, **{name: self.cleaned_data.get(name) for name in ("epochs", "learning_rate", "replay_size", "seed")}}


class PromoteForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text="why; required when forcing past the accuracy gate")
    force = forms.BooleanField(required=False, help_text="promote even if MNIST accuracy drops more than 0.2 points")
