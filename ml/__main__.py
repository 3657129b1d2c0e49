"""Command line: python -m ml train | evaluate | predict FILE.png | canvas-set"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

DEFAULT_MNIST_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mnist"
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "digitsite-v3"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / "var" / "cache"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train_parser = commands.add_parser("train", help="train a model and write its artifact")
    train_parser.add_argument("--name", required=True, help="artifact folder name, e.g. digitsite-v3")
    train_parser.add_argument("--output-dir", type=Path, default=Path("models"))
    train_parser.add_argument("--mnist-dir", type=Path, default=_default_mnist_dir())
    train_parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR,
                              help="where the canvas-style evaluation set is kept once built")
    add_config_arguments(train_parser)

    evaluate_parser = commands.add_parser("evaluate", help="accuracy and confusion matrix on MNIST test")
    evaluate_parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    evaluate_parser.add_argument("--mnist-dir", type=Path, default=_default_mnist_dir())
    evaluate_parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR,
                                 help="where the canvas-style set is kept once built")

    predict_parser = commands.add_parser("predict", help="predict the digit in a PNG file")
    predict_parser.add_argument("file", type=Path)
    predict_parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)

    canvas_parser = commands.add_parser(
        "canvas-set", help="build the canvas-style evaluation set (MNIST test digits redrawn as canvas PNGs)"
    )
    canvas_parser.add_argument("--output", type=Path, required=True, help="an .npz of the preprocessed images and labels")
    canvas_parser.add_argument("--mnist-dir", type=Path, default=_default_mnist_dir())
    canvas_parser.add_argument("--limit", type=int, help="only the first N test digits")
    canvas_parser.add_argument("--seed", type=int, default=0)
    canvas_parser.add_argument("--png-dir", type=Path, help="also save every canvas as it would be sent, as PNG files")

    args = parser.parse_args(argv)
    commands = {"train": run_train, "evaluate": run_evaluate, "predict": run_predict, "canvas-set": run_canvas_set}
    return commands[args.command](args)


def add_config_arguments(parser) -> None:
    """The TrainConfig options, for this CLI and manage.py train alike."""
    from ml.model import ARCHITECTURES
    from ml.train import PRECISIONS

    parser.add_argument("--architecture", choices=ARCHITECTURES)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--train-limit", type=int)
    parser.add_argument("--validation-size", type=int)
    parser.add_argument("--no-augment", dest="augment", action="store_false", default=None,
                        help="no augmentation at all (affine jitter, pen redraws)")
    parser.add_argument("--redraw-fraction", type=float,
                        help="share of each batch redrawn from its skeleton with a random pen (0 turns it off)")
    parser.add_argument("--precision", choices=PRECISIONS,
                        help="compute dtype while training (the exported model is float32 either way)")
    parser.add_argument("--augment-pen", dest="augment_pen", action="store_true", default=None,
                        help="also jitter pen thickness and hardness with grey morphology (an ablation; off by default)")
    parser.add_argument("--no-mnist", dest="use_mnist", action="store_false", default=None)


def config_from_arguments(options: dict) -> dict:
    """The TrainConfig fields the user set on the command line (the rest keep their defaults)."""
    from ml.train import TrainConfig

    fields = TrainConfig.__dataclass_fields__
    return {key: value for key, value in options.items() if key in fields and value is not None}


def _default_mnist_dir() -> Path:
    return Path(os.environ.get("MNIST_DIR") or DEFAULT_MNIST_DIR)


def run_train(args) -> int:
    from ml.canvas_style import canvas_style_test_set
    from ml.train import TrainConfig, train

    config = TrainConfig(**config_from_arguments(vars(args)))
    print(f"training {args.name}: {json.dumps(config.to_dict())}", flush=True)
    canvas_style = canvas_style_test_set(args.mnist_dir, cache_dir=args.cache_dir)
    metadata = train(config, mnist_dir=args.mnist_dir, output_dir=args.output_dir, name=args.name,
                     evaluation_sets={"canvas_style": canvas_style}, progress=print_progress)
    metrics = metadata["metrics"]
    print(
        f"\nwrote {args.output_dir / args.name}: MNIST test accuracy {metrics['mnist_test']['accuracy']:.2%}, "
        f"canvas-style {metrics['canvas_style']['accuracy']:.2%}, training {metadata['training_seconds']:.0f} s, "
        f"sha256 {metadata['sha256']}"
    )
    return 0


def print_progress(progress) -> None:
    if progress.stage != "training":
        print(f"\n{progress.stage}...", flush=True)
        return
    bar = "#" * int(progress.percent / 4)
    eta = f"eta {progress.eta:.0f}s" if progress.eta is not None else ""
    line = f"\repoch {progress.epoch}/{progress.epochs} [{bar:<25}] {progress.percent:5.1f}% {progress.elapsed:.0f}s {eta}  "
    if progress.epoch_metrics:
        shown = {k: v for k, v in progress.epoch_metrics.items() if k not in ("epoch", "elapsed")}
        line += "\n  " + "  ".join(f"{k} {v:.4f}" for k, v in shown.items()) + "\n"
    sys.stdout.write(line)
    sys.stdout.flush()


def run_evaluate(args) -> int:
    from ml.canvas_style import canvas_style_test_set
    from ml.data import load_mnist
    from ml.evaluate import evaluate
    from ml.predict import Predictor

    predictor = Predictor.load(args.model)
    print(f"model {args.model} (sha256 {predictor.metadata['sha256'][:12]})")
    test = load_mnist(args.mnist_dir, "test")
    sets = {
        "MNIST test": (test.images, test.labels),
        "canvas-style": canvas_style_test_set(args.mnist_dir, cache_dir=args.cache_dir),
    }
    for set_name, (images, labels) in sets.items():
        started = time.perf_counter()
        metrics = evaluate(predictor.probabilities, images, labels)
        seconds = time.perf_counter() - started
        print(f"\n{set_name} accuracy: {metrics['accuracy']:.2%} ({metrics['count']} images, {seconds:.1f} s)")
        print("per digit: " + "  ".join(f"{d}: {a:.2%}" for d, a in enumerate(metrics["per_digit_accuracy"])))
        print("confusion matrix (rows: true digit, columns: predicted):")
        for digit, row in enumerate(metrics["confusion_matrix"]):
            print(f"  {digit}: " + " ".join(f"{n:5d}" for n in row))
    return 0


def run_canvas_set(args) -> int:
    from ml.canvas_style import RECIPE_VERSION, canvas_style_set
    from ml.data import load_mnist
    from ml.dataset_io import write_npz

    test = load_mnist(args.mnist_dir, "test")
    count = min(args.limit or len(test), len(test))
    if args.png_dir:
        args.png_dir.mkdir(parents=True, exist_ok=True)

    def keep_png(index, png):
        if args.png_dir:
            (args.png_dir / f"{index:05d}-{test.labels[index]}.png").write_bytes(png)

    started = time.perf_counter()
    images, labels, styles = canvas_style_set(test.images[:count], test.labels[:count], seed=args.seed, keep_png=keep_png)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_npz(args.output, images, labels)
    schemes = Counter(style.scheme for style in styles)
    print(f"wrote {args.output}: {count} canvas-style digits (recipe {RECIPE_VERSION}, seed {args.seed}) "
          f"from the MNIST test split in {time.perf_counter() - started:.0f} s")
    print("colour schemes: " + ", ".join(f"{name} {n}" for name, n in sorted(schemes.items()))
          + f"; antialiased {sum(s.antialias for s in styles)}")
    return 0


def run_predict(args) -> int:
    from ml.predict import Predictor
    from ml.preprocess import PreprocessError, canvas_to_array

    try:
        image = canvas_to_array(args.file.read_bytes())
    except (OSError, PreprocessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    prediction = Predictor.load(args.model).predict(image)
    print(f"digit: {prediction.digit} (confidence {prediction.confidence:.2%})")
    print("probabilities: " + "  ".join(f"{d}: {p:.3f}" for d, p in enumerate(prediction.probabilities)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
