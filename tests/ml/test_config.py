"""ml.config states the training options once: TrainConfig's checks and the command-line options
are generated from each field's Option (the admin form's fields: tests/recognizer/test_admin_training_launch_form.py)."""

import argparse
import dataclasses

import pytest

from ml.config import FINE_TUNE, TrainConfig, add_arguments, from_arguments, options


def parsed(*argv: str) -> dict:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return from_arguments(parser.parse_args(list(argv)))


def test_every_option_but_warm_start_is_on_the_command_line_and_nothing_is_set_unless_given():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    destinations = {action.dest for action in parser._actions} - {"help"}
    assert destinations == {field.name for field in dataclasses.fields(TrainConfig)} - {"warm_start"}
    assert parsed() == {}  # the defaults are TrainConfig's, not restated by the parser


def test_switches_turn_the_default_around_and_values_take_their_kind():
    given = parsed("--no-augment", "--augment-pen", "--no-mnist", "--no-stroke-jitter", "--class-balance",
                   "--epochs", "3", "--learning-rate", "0.001", "--architecture", "cnn-original",
                   "--pendigits-writers", "1-3,7", "--init-from", "models/digitsite-v3")
    assert given == {"augment": False, "augment_pen": True, "use_mnist": False, "stroke_jitter": False,
                     "class_balance": True, "epochs": 3, "learning_rate": 0.001, "architecture": "cnn-original",
                     "pendigits_writers": (1, 2, 3, 7), "init_from": "models/digitsite-v3"}
    config = TrainConfig(**given)
    assert config.pendigits_writers == (1, 2, 3, 7) and not config.use_mnist


@pytest.mark.parametrize("argv", [["--epochs", "many"], ["--architecture", "resnet"], ["--pendigits-writers", "a-b"],
                                  ["--warm-start"]])
def test_the_command_line_refuses_what_it_cannot_parse(argv):
    with pytest.raises(SystemExit):
        parsed(*argv)


@pytest.mark.parametrize("options_, message", [
    ({"epochs": 0}, "epochs must be between 1 and 200"),
    ({"epochs": "7"}, "epochs must be a whole number"),
    ({"epochs": True}, "epochs must be a whole number"),
    ({"learning_rate": 0.0}, "learning_rate must be between 1e-06 and 1"),
    ({"redraw_fraction": 1.5}, "redraw_fraction must be between 0 and 1"),
    ({"validation_size": -1}, "validation_size must not be negative"),
    ({"train_limit": 99}, "train_limit must be at least 100"),
    ({"precision": "float16"}, "precision must be one of auto, mixed_bfloat16, float32"),
    ({"augment": "yes"}, "augment must be true or false"),
    ({"replay_size": 10}, "replay_size is for fine-tuning"),
    ({"pendigits_writers": [0]}, "pendigits_writers must be between 1 and 30"),
])
def test_each_option_is_checked_against_its_own_rules(options_, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        TrainConfig(**options_)


def test_the_rules_come_from_the_options_so_a_bound_is_stated_once():
    epochs = options(["epochs"])[0].option
    assert (epochs.minimum, epochs.maximum) == (1, 200)
    TrainConfig(epochs=200)
    with pytest.raises(ValueError):
        TrainConfig(epochs=201)
    assert all(spec.option.help for spec in options())  # every option says what it is


def test_the_data_size_check_names_the_largest_validation_size_that_fits():
    TrainConfig(validation_size=49).check_data_size(100)
    with pytest.raises(ValueError, match="at most 49"):
        TrainConfig(validation_size=50).check_data_size(100)


def test_the_fine_tune_recipe_is_a_valid_config_and_round_trips():
    config = TrainConfig.from_dict(FINE_TUNE)
    assert config.warm_start and TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown training options: colour"):
        TrainConfig.from_dict({"colour": "red"})


def test_auto_precision_is_bfloat16_only_where_the_cpu_computes_it():
    from ml.fitting import compute_precision

    assert compute_precision("auto", {"avx2", "fma"}) == "float32"
    assert compute_precision("auto", {"avx512f", "avx512_bf16"}) == "mixed_bfloat16"
    assert compute_precision("auto", {"amx_bf16"}) == "mixed_bfloat16"
    assert compute_precision("mixed_bfloat16", {"avx2"}) == "mixed_bfloat16"  # asked for: kept
    assert TrainConfig().precision == "auto"
