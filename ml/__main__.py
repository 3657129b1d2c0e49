"""Command line: python -m ml train | cross-validate | evaluate | predict FILE.png | canvas-set"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from ml.config import TrainConfig, add_arguments, from_arguments
from ml.data_dirs import mnist_dir, pendigits_dir

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "digitsite-v3"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / "var" / "cache"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train_parser = commands.add_parser("train", help="train a model and write its artifact")
    train_parser.add_argument("--name", required=True, help="artifact folder name, e.g. digitsite-v3")
    train_parser.add_argument("--output-dir", type=Path, default=Path("models"))
    train_parser.add_argument("--mnist-dir", type=Path, default=mnist_dir())
    train_parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR,
                              help="where the canvas-style evaluation set is kept once built")
    train_parser.add_argument("--pendigits-dir", type=Path, default=pendigits_dir())
    train_parser.add_argument("--calibration", type=Path,
                              help="a cross-validation report (JSON): serve with its temperature and verdict "
                                   "thresholds and report its writer-independent estimate")
    add_arguments(train_parser)

    cv_parser = commands.add_parser("cross-validate", help="k-fold cross-validation by writer of a training recipe")
    cv_parser.add_argument("--folds", type=int, default=3)
    cv_parser.add_argument("--fold-seed", type=int, default=0)
    cv_parser.add_argument("--only-fold", type=int, action="append", help="run only this fold (repeatable), e.g. ablations")
    cv_parser.add_argument("--output-dir", type=Path, default=DEFAULT_CACHE_DIR.parent / "folds")
    cv_parser.add_argument("--report", type=Path, required=True, help="where to write the JSON report")
    cv_parser.add_argument("--mnist-dir", type=Path, default=mnist_dir())
    cv_parser.add_argument("--pendigits-dir", type=Path, default=pendigits_dir())
    cv_parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    add_arguments(cv_parser)

    evaluate_parser = commands.add_parser("evaluate", help="accuracy and confusion matrix on MNIST test")
    evaluate_parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    evaluate_parser.add_argument("--mnist-dir", type=Path, default=mnist_dir())
    evaluate_parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR,
                                 help="where the canvas-style set is kept once built")
    evaluate_parser.add_argument("--pendigits-dir", type=Path, default=pendigits_dir())

    predict_parser = commands.add_parser("predict", help="predict the digit in a PNG file")
    predict_parser.add_argument("file", type=Path)
    predict_parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)

    canvas_parser = commands.add_parser(
        "canvas-set", help="build the canvas-style evaluation set (MNIST test digits redrawn as canvas PNGs)"
    )
    canvas_parser.add_argument("--output", type=Path, required=True, help="an .npz of the preprocessed images and labels")
    canvas_parser.add_argument("--mnist-dir", type=Path, default=mnist_dir())
    canvas_parser.add_argument("--limit", type=int, help="only the first N test digits")
    canvas_parser.add_argument("--seed", type=int, default=0)
    canvas_parser.add_argument("--png-dir", type=Path, help="also save every canvas as it would be sent, as PNG files")

    args = parser.parse_args(argv)
    commands = {"train": run_train, "cross-validate": run_cross_validate, "evaluate": run_evaluate,
                "predict": run_predict, "canvas-set": run_canvas_set}
    return commands[args.command](args)


def run_train(args) -> int:
    from ml.canvas_style import canvas_style_test_set
    from ml.train import train

    config = TrainConfig(**from_arguments(args))
    print(f"training {args.name}: {json.dumps(config.to_dict())}", flush=True)
    calibration = None
    if args.calibration:
        report = json.loads(args.calibration.read_text())
        if report["config"] != {**config.to_dict(), "pendigits_writers": report["config"]["pendigits_writers"]}:
            print("warning: the cross-validation report was made with another recipe", file=sys.stderr)
        calibration = {**report["serving"], "real_writer": report["real_writer"],
                       "cross_validation": {key: report[key] for key in ("k", "fold_seed", "folds", "non_digits")}}
    canvas_style = canvas_style_test_set(args.mnist_dir, cache_dir=args.cache_dir)
    pendigits_dir = args.pendigits_dir if args.pendigits_dir.exists() else None
    metadata = train(config, mnist_dir=args.mnist_dir, output_dir=args.output_dir, name=args.name,
                     evaluation_sets={"canvas_style": canvas_style}, progress=print_progress,
                     pendigits_dir=pendigits_dir, cache_dir=args.cache_dir, calibration=calibration)
    metrics = metadata["metrics"]
    real = metrics.get("real_writer")
    print(
        f"\nwrote {args.output_dir / args.name}: MNIST test accuracy {metrics['mnist_test']['accuracy']:.2%}, "
        f"canvas-style {metrics['canvas_style']['accuracy']:.2%}, "
        + (f"real writers {real['accuracy']:.2%} ({real['estimate']}), " if real else "")
        + f"training {metadata['training_seconds']:.0f} s, sha256 {metadata['sha256']}"
    )
    return 0


def run_cross_validate(args) -> int:
    from ml.canvas_style import canvas_style_test_set
    from ml.cross_validate import cross_validate

    config = TrainConfig(**from_arguments(args))
    print(f"cross-validating ({args.folds} folds by writer): {json.dumps(config.to_dict())}", flush=True)
    canvas_style = canvas_style_test_set(args.mnist_dir, cache_dir=args.cache_dir)
    report = cross_validate(config, k=args.folds, mnist_dir=args.mnist_dir, pendigits_dir=args.pendigits_dir,
                            output_dir=args.output_dir, cache_dir=args.cache_dir, fold_seed=args.fold_seed,
                            evaluation_sets={"canvas_style": canvas_style}, progress=print_progress,
                            only_folds=set(args.only_fold) if args.only_fold else None)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    real = report["real_writer"]
    print(f"\nwrote {args.report}")
    for fold in report["folds"]:
        print(f"  fold {fold['fold']} (writers {fold['held_out_writers']}): real writers "
              f"{fold['real_writer_accuracy']:.2%}, MNIST {fold['mnist_test_accuracy']:.2%}, "
              f"canvas-style {fold['canvas_style_accuracy']:.2%}, {fold['training_seconds']:.0f} s of training")
    print_real_writer(real)
    print(f"non-digits ({report['non_digits']['count']}): verdicts {report['non_digits']['verdicts']}")
    print(f"serving: {report['serving']}")
    return 0


def print_real_writer(real: dict) -> None:
    print(f"\nreal writers, writer-independent ({real.get('estimate', '')}): {real['accuracy']:.2%} "
          f"({real['count']} digits, {len(real['writers'])} writers)")
    print("per digit: " + "  ".join(f"{d}: {a:.2%}" for d, a in enumerate(real["per_digit_accuracy"])))
    print(f"per writer: mean {real['writer_mean_accuracy']:.2%}, worst {real['writer_worst_accuracy']:.2%} "
          f"(writer {real['worst_writer']})")
    if "ece_before" in real:
        print(f"calibration error (ECE) on real writers: {real['ece_before']:.2%} before, {real['ece_after']:.2%} after")
    if "verdicts" in real:
        print(f"verdicts on real digits: {real['verdicts']}")


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
    if args.pendigits_dir.exists():
        evaluate_real_writers(predictor, args.pendigits_dir, args.cache_dir)
    else:
        print(f"\nreal writers: {args.pendigits_dir} is missing (set PENDIGITS_DIR)")
    return 0


def evaluate_real_writers(predictor, pendigits_dir: Path, cache_dir: Path) -> None:
    """The writer-independent real-writer accuracy: measured here on the writers the model never
    trained on; for a model that trained on all of them, its cross-validation estimate (from its
    metadata), with its accuracy on the writers it saw shown apart, as what it is."""
    from ml.pen_trajectories import load_pendigits
    from ml.real_writers import real_writer_eval_set, real_writer_metrics, writer_rows

    images, labels, writers = real_writer_eval_set(load_pendigits(pendigits_dir), cache_dir=cache_dir)
    seen = set(predictor.metadata.get("data", {}).get("pendigits_writers_seen", []))
    unseen = sorted(set(writers.tolist()) - seen)
    predicted = predictor.probabilities(images).argmax(axis=1)
    if unseen:
        rows = writer_rows(writers, unseen)
        real = real_writer_metrics(labels[rows], predicted[rows], writers[rows])
        real["estimate"] = f"measured now on the {len(unseen)} writers the model never trained on"
        print_real_writer(real)
    else:
        stored = predictor.metadata.get("metrics", {}).get("real_writer")
        if stored:
            print_real_writer(stored)
        else:
            print("\nreal writers: the model trained on every writer and carries no cross-validation estimate")
    if seen:
        rows = writer_rows(writers, sorted(seen))
        accuracy = float((predicted[rows] == labels[rows]).mean())
        print(f"(on the {len(seen)} writers it trained on: {accuracy:.2%}, not writer-independent)")


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
