"""The training recipe's options, stated once.

`TrainConfig` is the recipe. Each field carries an `Option`: what it means, its bounds or choices.
From these, and from nothing else, come
- the checks (`TrainConfig.__post_init__`, and `check_data_size` once the data is counted),
- the command-line options of `python -m ml`, `manage.py train` and bench/train_speed.py
  (`add_arguments` / `from_arguments`),
- the admin launch forms' fields (recognizer/admin/forms.py reads `options()`),
so none of them restates a default, a bound or a help text.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field

from ml.model import ARCHITECTURES

PRECISIONS = ("auto", "mixed_bfloat16", "float32")
PENDIGITS_WRITERS = range(1, 31)


@dataclass(frozen=True)
class Option:
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    label: str | None = None  # the form's label, when the field name does not read well
    flag: str | None = None  # the command-line flag, when it is not generated from the name
    command_line: bool = True  # False: the callers give it (warm_start names where training starts)


def _option(default, help: str, **rules):
    return field(default=default, metadata={"option": Option(help=help, **rules)})


@dataclass(frozen=True)
class TrainConfig:
    architecture: str = _option("cnn-bn-deep", "the network (ml/model.py)", choices=ARCHITECTURES)
    epochs: int = _option(7, "passes over the training data, under a warm-up + cosine schedule", minimum=1, maximum=200)
    batch_size: int = _option(128, "examples per step", minimum=8, maximum=4096)
    learning_rate: float = _option(3e-3, "peak of the warm-up + cosine schedule (Adam)", minimum=1e-6, maximum=1.0)
    augment: bool = _option(True, "random rotation, zoom and shift, and pen redraws (below); off: no augmentation at all")
    augment_pen: bool = _option(False, "also jitter pen thickness and hardness with grey morphology "
                                       "(an ablation: it measured no gain, docs/model.md)")
    redraw_fraction: float = _option(0.75, "share of each batch redrawn from its skeleton with a random pen, "
                                           "so the model learns canvas-style strokes (0: none)", minimum=0, maximum=1)
    elastic: float = _option(0.0, "largest elastic distortion of the training images: the alpha of "
                                   "keras.ops.image.elastic_transform with a 4 px smoothing (1: displacements of "
                                   "about 0.3 px; 0: none)", minimum=0, maximum=8)
    ema_momentum: float = _option(0.0, "export an exponential moving average of the weights, updated every step "
                                       "with this momentum (0: the last step's weights; e.g. 0.999 averages about "
                                       "the last 1,000 steps)", minimum=0, maximum=0.9999, flag="--ema")
    precision: str = _option("auto", "compute dtype while training: bfloat16 is faster on CPUs with AVX512-BF16 "
                                     "or AMX and many times slower without them; auto picks it only there. The "
                                     "exported model is float32 either way", choices=PRECISIONS)
    seed: int = _option(0, "same config + seed = same model", minimum=0)
    train_limit: int | None = _option(None, "only the first N MNIST training images (quick runs)", minimum=100)
    use_mnist: bool = _option(True, "train on MNIST's training images", label="Train on MNIST", flag="--no-mnist")
    validation_size: int = _option(0, "images held out to plot validation accuracy per epoch (0: none)", minimum=0)
    # Fine-tuning: start from an earlier model's weights (train(initial_model=...), the serving
    # version's model.keras) instead of random ones, and replay a sample of this many of its
    # earlier examples (ml/training_data.py) so the model keeps what it knew while it learns the
    # new drawings.
    warm_start: bool = _option(False, "start from the initial model's weights (fine-tuning)", command_line=False)
    replay_size: int = _option(0, "earlier training examples mixed in when fine-tuning: a seeded random sample "
                                  "of MNIST and of the parent's real writers and non-digits, each in proportion "
                                  "(0: all of them)", minimum=0)
    # MNIST's training digits also redrawn through the page's own canvas pipeline (ml/canvas_style.py),
    # beside the in-batch pen redraw (redraw_fraction), which only approximates it.
    mnist_canvas_renders: int = _option(0, "times each MNIST training digit is also drawn as a canvas and "
                                           "preprocessed like the site's drawings (0: none)", minimum=0, maximum=4)
    # Real writers (ml/pen_trajectories.py) whose digits join the training data; the others are the
    # writer-independent test.
    pendigits_writers: tuple[int, ...] = _option((), "real writers to train on, e.g. 1-30 or 1,4,9 "
                                                     "(the others are the writer-independent test)")
    pendigits_renders: int = _option(4, "times each real digit is drawn as a canvas", minimum=1, maximum=20)
    stroke_jitter: bool = _option(True, "draw real digits with a random pen, speed, affine and elastic jitter "
                                        "(off: as written, an ablation)")
    non_digits: int = _option(0, "generated non-digits (ml/non_digits.py) to train an eleventh class, "
                                 "\"not a digit\", on (0: ten classes)", minimum=0, maximum=200_000)
    class_balance: bool = _option(False, "weight examples so that every class counts the same")
    init_from: str | None = _option(None, "an artifact folder whose trained weights this run starts from")

    def __post_init__(self):
        for spec in options():
            _check(spec, getattr(self, spec.name))
        if self.replay_size and not self.warm_start:
            raise ValueError("replay_size is for fine-tuning (warm_start); use train_limit otherwise")
        try:
            writers = tuple(sorted({int(w) for w in self.pendigits_writers}))
        except (TypeError, ValueError):
            raise ValueError("pendigits_writers must be a list of writer numbers") from None
        if any(w not in PENDIGITS_WRITERS for w in writers):
            raise ValueError("pendigits_writers must be between 1 and 30")
        object.__setattr__(self, "pendigits_writers", writers)  # JSON lists come back as tuples

    @property
    def classes(self) -> int:
        return 11 if self.non_digits else 10

    def check_data_size(self, examples: int) -> None:
        """Raise ValueError if `examples` (the training data's size, once counted) cannot take this
        recipe: training holds out validation_size of them, and half or more leaves too little."""
        if self.validation_size and self.validation_size >= examples // 2:
            raise ValueError(f"validation_size must be less than half the training data: {examples} examples here, "
                             f"so at most {max(0, examples // 2 - 1)}")

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["pendigits_writers"] = list(self.pendigits_writers)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {spec.name for spec in options()}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown training options: {', '.join(sorted(unknown))}")
        return cls(**data)


# The fine-tuning recipe (manage.py train --warm-start active, the admin's "fine-tune the serving
# model", the retraining trigger): a few epochs at a tenth of the from-scratch learning rate on
# the new drawings plus a replay sample of MNIST (docs/benchmarks.md, "Learning loop").
FINE_TUNE = {"warm_start": True, "epochs": 2, "learning_rate": 3e-4, "replay_size": 15000, "validation_size": 0}


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: type  # bool, int, float, str, or tuple for a list of writers
    default: object
    option: Option

    @property
    def optional(self) -> bool:
        return self.default is None


def options(names: typing.Iterable[str] | None = None) -> list[OptionSpec]:
    """The recipe's options in TrainConfig's order (or `names`' order), with their kinds."""
    specs = _specs()
    return list(specs.values()) if names is None else [specs[name] for name in names]


@functools.cache
def _specs() -> dict[str, OptionSpec]:
    hints = typing.get_type_hints(TrainConfig)
    return {item.name: OptionSpec(item.name, _kind(hints[item.name]), item.default, item.metadata["option"])
            for item in dataclasses.fields(TrainConfig)}


def _kind(hint) -> type:
    if isinstance(hint, types.UnionType):  # `int | None`: an optional int
        (hint,) = (arg for arg in typing.get_args(hint) if arg is not type(None))
    return typing.get_origin(hint) or hint


def _check(spec: OptionSpec, value) -> None:
    name, option = spec.name, spec.option
    if value is None and spec.optional:
        return
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return
    if option.choices is not None:
        if value not in option.choices:
            raise ValueError(f"{name} must be one of {', '.join(option.choices)}")
        return
    if spec.kind in (int, float):
        number_types = (int,) if spec.kind is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, number_types):
            raise ValueError(f"{name} must be {'a whole number' if spec.kind is int else 'a number'}")
        low, high = option.minimum, option.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(_out_of_bounds(name, low, high))


def _out_of_bounds(name: str, low, high) -> str:
    if high is not None:
        return f"{name} must be between {low:g} and {high:g}"
    return f"{name} must not be negative" if low == 0 else f"{name} must be at least {low:g}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every command-line option of the recipe: --kebab-case, a switch (--x, or --no-x where it
    is on by default) for each true/false one. Unset ones stay None (see from_arguments)."""
    for spec in options():
        option = spec.option
        if not option.command_line:
            continue
        flag = option.flag or "--" + ("no-" if spec.kind is bool and spec.default else "") + spec.name.replace("_", "-")
        if spec.kind is bool:
            parser.add_argument(flag, dest=spec.name, action="store_false" if spec.default else "store_true",
                                default=None, help=option.help)
        elif spec.kind is tuple:
            parser.add_argument(flag, dest=spec.name, type=writer_list, help=option.help)
        else:
            parser.add_argument(flag, dest=spec.name, type=spec.kind, choices=option.choices, help=option.help)


def from_arguments(arguments: argparse.Namespace | dict) -> dict:
    """The recipe's options set on the command line (the rest keep their defaults)."""
    given = vars(arguments) if isinstance(arguments, argparse.Namespace) else arguments
    return {spec.name: given[spec.name] for spec in options()
            if spec.option.command_line and given.get(spec.name) is not None}


def writer_list(text: str) -> tuple[int, ...]:
    """"1-30" or "1,4,9" (or both: "1-5,9") -> sorted writer numbers."""
    writers = set()
    try:
        for part in text.split(","):
            if "-" in part:
                first, last = part.split("-", 1)
                writers.update(range(int(first), int(last) + 1))
            elif part.strip():
                writers.add(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of writers such as 1-30 or 1,4,9") from None
    return tuple(sorted(writers))
