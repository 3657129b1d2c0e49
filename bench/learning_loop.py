"""The learning loop, measured end to end: web, training worker and beat running, reviewed
drawings imported, the trigger fires, the fine-tuned version is trained, gated and (with
RETRAIN_AUTO_PROMOTE=1) serves, with no other action.

    .venv/bin/python bench/learning_loop.py [--users 2000] [--judge 2000]

The "users'" drawings and the judge's are different people's digits, drawn as canvas PNGs:
- `--data real-writers` (the default): real writers' pen trajectories (ml/pen_trajectories.py)
  rendered as the canvas page paints them: some writers are the users, the others (never trained
  on) are the judge;
- `--data canvas-style`: MNIST digits redrawn canvas-style (ml/canvas_style.py): the users' from
  the MNIST training split (indices 50,000 on), the judge's from the test split with another
  redraw seed.
The output says which. It prints the time from the last review (the import's end) to the new
version serving, and accuracy on the judge and on MNIST test, before and after.

It uses a throwaway PostgreSQL database (--database-url, dropped and created: digitsite_loop by default), Redis DB 8 (keep it
free of anything else: it is flushed), and
MODEL_DIR var/bench-loop/models (the shipped model copied in). Everything it starts, it stops.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ml.data_dirs import mnist_dir, pendigits_dir  # noqa: E402

from bench.server import ROOT, database_recreate, gunicorn_start, gunicorn_stop, migrate, production_env, wait_until_up  # noqa: E402

WORK = ROOT / "var" / "bench-loop"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/digitsite_loop")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--users", type=int, default=2000, help="reviewed drawings imported (the trigger's threshold)")
    parser.add_argument("--judge", type=int, default=2000, help="held-out drawings scored before and after")
    parser.add_argument("--check-seconds", type=int, default=5, help="RETRAIN_CHECK_SECONDS for beat")
    parser.add_argument("--replay-size", type=int, default=None, help="RETRAIN_REPLAY_SIZE (default: the setting's)")
    parser.add_argument("--epochs", type=int, default=None, help="RETRAIN_EPOCHS (default: the setting's)")
    parser.add_argument("--data", choices=("real-writers", "canvas-style"), default="real-writers",
                        help="whose digits the users and the judge draw (see above)")
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--from-scratch", action="store_true",
                        help="then also train from scratch on the same data (manage.py train --include-user-drawings, "
                             "the default recipe) and print both side by side")
    args = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    models = WORK / "models"
    models.mkdir(parents=True)
    shutil.copytree(ROOT / "models" / "digitsite-v3", models / "digitsite-v3")

    source, users_dir, judge = make_drawings(args.data, args.users, args.judge)
    print(f"data: {source}; {args.users} users' drawings, {len(judge[1])} judge drawings", flush=True)

    overrides = {"REDIS_URL": args.redis_url, "MODEL_DIR": str(models), "RETRAIN_AFTER_REVIEWS": str(args.users),
                 "RETRAIN_AUTO_PROMOTE": "1", "RETRAIN_CHECK_SECONDS": str(args.check_seconds),
                 "DATASET_CACHE_DIR": str(ROOT / "var" / "cache"), "LOG_LEVEL": "INFO"}
    if args.replay_size is not None:
        overrides["RETRAIN_REPLAY_SIZE"] = str(args.replay_size)
    if args.epochs is not None:
        overrides["RETRAIN_EPOCHS"] = str(args.epochs)
    env = production_env(args.database_url, **overrides)
    database_recreate(args.database_url)
    migrate(env)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()

    processes = []
    try:
        web = gunicorn_start("digitsite.wsgi", port=args.port, workers=1, env=env, log_name="bench-loop-web.log")
        processes.append(web)
        wait_until_up(args.port, server=web)
        processes.append(celery(env, "training", ["-Q", "training", "--max-tasks-per-child", "1"]))
        processes.append(celery(env, "default", ["-Q", "celery", "-B", "-s", str(WORK / "celerybeat-schedule")]))

        before = score(models / "digitsite-v3", judge)
        print(f"serving digitsite-v3: judge {before['judge']:.2%}, MNIST test {before['mnist']:.2%}", flush=True)
        load_before = os.getloadavg()

        started = time.monotonic()
        subprocess.run([sys.executable, "manage.py", "import_dataset", str(users_dir)], cwd=ROOT, env=env, check=True)
        last_review = time.monotonic()
        print(f"imported {args.users} reviewed drawings in {last_review - started:.0f} s", flush=True)

        version, job = wait_for_new_version(env, args.timeout, last_review)
        served_after = time.monotonic() - last_review
        after = score(models / version["artifact_path"], judge)
        load_after = os.getloadavg()
    finally:
        for process in reversed(processes):
            stop(process)

    print()
    print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; command: {' '.join(sys.argv)}")
    print(f"data: {source}")
    print(f"job {job['id']}: trigger {job['trigger']}, config {job['config']}, "
          f"queued {job['queued_after']:.0f} s after the last review, ran {job['seconds']:.0f} s "
          f"(training {version['training_seconds']} s)")
    print(f"gate: {version['summary']}")
    print(f"time from the last review to {version['name']} serving: {served_after:.0f} s")
    print(f"judge ({len(judge[1])} held-out drawings): {before['judge']:.2%} -> {after['judge']:.2%} "
          f"({(after['judge'] - before['judge']) * 100:+.2f} points)")
    print(f"MNIST test: {before['mnist']:.2%} -> {after['mnist']:.2%} ({(after['mnist'] - before['mnist']) * 100:+.2f} points)")
    print(f"load average (1, 5, 15 min) at the import: {fmt(load_before)}; at the end: {fmt(load_after)}; "
          f"{os.cpu_count()} CPUs")
    if args.from_scratch:
        from_scratch(env, models, judge, before, after, version, job)
    return 0


def from_scratch(env, models: Path, judge, before, warm, version, job) -> None:
    """The from-scratch run on the same reviewed drawings, in-process, for the side-by-side table."""
    import psycopg

    load = os.getloadavg()
    started = time.monotonic()
    subprocess.run([sys.executable, "manage.py", "train", "--include-user-drawings"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        name, path, training = conn.execute(
            "SELECT name, artifact_path, metadata->>'training_seconds' FROM recognizer_modelversion "
            "ORDER BY id DESC LIMIT 1").fetchone()
    scratch = score(models / path, judge)
    print(f"\nside by side (judge = {len(judge[1])} held-out drawings; serving before: judge {before['judge']:.2%}, "
          f"MNIST {before['mnist']:.2%}):")
    print("| run | training (s) | job, all in (s) | judge | MNIST test |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| warm start ({version['name']}) | {version['training_seconds']} | {job['seconds']:.0f} | "
          f"{warm['judge']:.2%} | {warm['mnist']:.2%} |")
    print(f"| from scratch ({name}) | {training} | {seconds:.0f} | {scratch['judge']:.2%} | {scratch['mnist']:.2%} |")
    print(f"load average at the from-scratch start: {fmt(load)}; at its end: {fmt(os.getloadavg())}")


def fmt(load) -> str:
    return ", ".join(f"{value:.1f}" for value in load)


def celery(env, name, options) -> subprocess.Popen:
    log = open(ROOT / "var" / f"bench-loop-{name}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "digitsite", "worker", "-n", f"{name}@%h", "-c", "1",
                             "-l", "info", *options], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        if process.args[:3] == [sys.executable, "-m", "gunicorn"]:
            gunicorn_stop(process)
            return
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def make_drawings(data: str, users: int, judge: int, users_dir: Path = WORK / "users"):
    """(description, `users_dir` holding the users' PNGs in 0/ ... 9/, (judge images, judge labels))."""
    shutil.rmtree(users_dir, ignore_errors=True)
    if data == "canvas-style":
        return _mnist_drawings(users, judge, users_dir)
    return _pendigits_drawings(users, judge, users_dir)


def _save(folder: Path, index: int, label: int, png: bytes) -> None:
    (folder / str(label)).mkdir(parents=True, exist_ok=True)
    (folder / str(label) / f"{index:05d}.png").write_bytes(png)


def _mnist_drawings(users: int, judge: int, users_dir: Path):
    from ml.canvas_style import canvas_style_set
    from ml.data import load_mnist

    train, test = load_mnist(mnist_dir(), "train"), load_mnist(mnist_dir(), "test")
    first = 50000
    canvas_style_set(train.images[first:first + users], train.labels[first:first + users], seed=7,
                     keep_png=lambda i, png: _save(users_dir, i, int(train.labels[first + i]), png))
    judge_images, judge_labels, _ = canvas_style_set(test.images[:judge], test.labels[:judge], seed=11)
    return ("MNIST digits redrawn canvas-style: users from the training "
            "split, judge from the test split with another redraw seed"), users_dir, (judge_images, judge_labels)


def _pendigits_drawings(users: int, judge: int, users_dir: Path):
    """Real writers: a third of the 30 are the judge, never trained on; the users' drawings come
    from the others. Rendered as the canvas page paints strokes (ml/strokes.py)."""
    from ml.pen_trajectories import load_pendigits, writer_folds, writer_split
    from ml.preprocess import canvas_to_array
    from ml.strokes import place_strokes, render_strokes_png

    pen = load_pendigits(pendigits_dir())
    judge_writers = writer_folds(pen.writers, 3, seed=0)[0]
    user_index, judge_index = writer_split(pen.writers, judge_writers)
    rng = np.random.default_rng(0)
    user_index = rng.permutation(user_index)[:users]
    judge_index = rng.permutation(judge_index)[:judge]

    def png(digit):
        side = int(rng.integers(200, 400))
        return render_strokes_png(place_strokes(digit.strokes, width=side, height=side, rng=rng), width=side, height=side)

    for i, index in enumerate(user_index):
        _save(users_dir, i, pen.digits[index].label, png(pen.digits[index]))
    judge_images = np.array([canvas_to_array(png(pen.digits[i])) for i in judge_index], dtype=np.float32)
    judge_labels = pen.labels[judge_index]
    return (f"real writers (pendigits): users {30 - len(judge_writers)} writers, judge {len(judge_writers)} other "
            f"writers {judge_writers.tolist()}"), users_dir, (judge_images, judge_labels)


def score(artifact_dir: Path, judge) -> dict:
    from ml.data import load_mnist
    from ml.evaluate import evaluate
    from ml.predict import Predictor

    predictor = Predictor.load(artifact_dir)
    test = load_mnist(mnist_dir(), "test")
    return {"judge": evaluate(predictor.probabilities, *judge)["accuracy"],
            "mnist": evaluate(predictor.probabilities, test.images, test.labels)["accuracy"]}


def wait_for_new_version(env, timeout: float, last_review: float):
    """Poll the database until a version other than the shipped one serves; its row and job's."""
    import psycopg

    deadline = time.monotonic() + timeout
    queued_after = None
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        while time.monotonic() < deadline:
            job = conn.execute("SELECT id, status, trigger, config::text, error, "
                               "EXTRACT(EPOCH FROM (COALESCE(finished_at, now()) - started_at)) "
                               "FROM recognizer_trainingjob ORDER BY id DESC LIMIT 1").fetchone()
            if job is not None and queued_after is None:
                queued_after = time.monotonic() - last_review
                print(f"job {job[0]} queued by {job[2]} after {queued_after:.0f} s", flush=True)
            if job is not None and job[1] in ("failed", "cancelled"):
                raise RuntimeError(f"job {job[0]} {job[1]}: {job[4]}")
            row = conn.execute("SELECT name, artifact_path, gate->>'summary', metadata->>'training_seconds' "
                               "FROM recognizer_modelversion WHERE is_active AND job_id IS NOT NULL").fetchone()
            if row is not None:
                return ({"name": row[0], "artifact_path": row[1], "summary": row[2], "training_seconds": row[3]},
                        {"id": job[0], "trigger": job[2], "config": job[3], "queued_after": queued_after,
                         "seconds": float(job[5] or 0)})
            if job is not None and job[1] == "succeeded":
                gate = conn.execute("SELECT gate->>'summary' FROM recognizer_modelversion WHERE job_id = %s",
                                    (job[0],)).fetchone()
                raise RuntimeError(f"job {job[0]} succeeded but its version does not serve: {gate[0] if gate else '?'}")
            time.sleep(1)
    raise RuntimeError(f"no new version served within {timeout} s")


if __name__ == "__main__":
    sys.exit(main())
