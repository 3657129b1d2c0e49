from django import forms

from ml.config import FINE_TUNE, TrainConfig, options
from recognizer.services.training import training_config_validate


def config_fields(names: tuple[str, ...], initial: dict | None = None) -> dict[str, forms.Field]:
    """Form fields for these TrainConfig options, generated from ml.config (its help, bounds,
    choices and defaults, or `initial`'s values), so the form never disagrees with the recipe."""
    initial = initial or {}
    fields = {}
    for spec in options(names):
        option = spec.option
        common = {"label": option.label, "help_text": option.help, "initial": initial.get(spec.name, spec.default)}
        if option.choices is not None:
            fields[spec.name] = forms.ChoiceField(choices=[(choice, choice) for choice in option.choices], **common)
        elif spec.kind is bool:
            fields[spec.name] = forms.BooleanField(required=False, **common)
        elif spec.kind in (int, float):
            field_class = forms.IntegerField if spec.kind is int else forms.FloatField
            fields[spec.name] = field_class(min_value=option.minimum, max_value=option.maximum,
                                            required=not spec.optional, **common)
        else:
            raise ValueError(f"{spec.name}: the admin form has no field for a {spec.kind.__name__} option")
    return fields


class _ConfigForm(forms.Form):
    """A form whose first fields are the recipe options CONFIG_FIELDS (generated), checked by TrainConfig."""

    CONFIG_FIELDS: tuple[str, ...] = ()
    CONFIG_INITIAL: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {**config_fields(self.CONFIG_FIELDS, self.CONFIG_INITIAL), **self.fields}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.check(TrainConfig.from_dict(self.config()), cleaned)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return cleaned

    def check(self, config: TrainConfig, cleaned: dict) -> None:
        """Further checks than TrainConfig's own; raise ValueError."""

    def config(self) -> dict:
        return {**self.CONFIG_INITIAL, **{name: self.cleaned_data.get(name) for name in self.CONFIG_FIELDS}}


class TrainingJobLaunchForm(_ConfigForm):
    CONFIG_FIELDS = ("architecture", "epochs", "batch_size", "learning_rate", "augment", "redraw_fraction", "seed",
                     "validation_size", "use_mnist", "train_limit")

    include_user_drawings = forms.BooleanField(required=False, label="Add reviewed user drawings")
    user_drawings_cutoff = forms.DateTimeField(required=False, help_text="only drawings made before this time (default: now)")

    def check(self, config, cleaned):
        # Checked against the data's real size now, so every job this form queues can run.
        training_config_validate(config=config, include_user_drawings=cleaned["include_user_drawings"],
                                 user_drawings_cutoff=cleaned.get("user_drawings_cutoff"))


class FineTuneLaunchForm(_ConfigForm):
    """"Fine-tune the serving model": its weights, the reviewed user drawings and an MNIST replay."""

    CONFIG_FIELDS = ("epochs", "learning_rate", "replay_size", "seed")
    CONFIG_INITIAL = FINE_TUNE


class PromoteForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text="why; required when forcing past the accuracy gate")
    force = forms.BooleanField(required=False, help_text="promote even if MNIST accuracy drops more than 0.2 points")
