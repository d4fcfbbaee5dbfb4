"""Train a colorizer the way the seed did; `python -m colorcore.train`.

The schedule (fit): Adam with lr 1e-3 and weight penalty lam 1e-4 until the validation error has not
improved for 10 epochs; restart from the best weights with lr / 10; six rounds in all.

A run folder gets: model.npz (best weights so far, always loadable), config.json, history.csv,
checkpoint.json (for --resume), validation_curve.png, test_grid.png and metrics.json.
"""
import csv
import json
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from . import cli, datasets, report
from .colorizer import Colorizer
from .features import PADDINGS, TARGETS, decode_output, encode_target
from .io import atomic_path, write_image
from .minibatch import train_epoch
from .optim import Adam


@dataclass
class TrainConfig:
    hidden: tuple = (64,)         # hidden layer sizes (the seed: one layer of 64)
    activation: str = "sigmoid"   # hidden activation; the output is always sigmoid
    radius: int = 2               # context window radius: 2 -> 5 x 5 = 25 inputs
    padding: str = "edge"         # image borders: edge, reflect or zero
    target: str = "lab"           # lab (predict chroma, keep lightness) or rgb (the seed); see README
    batch_size: int = 256         # minibatch size
    lr: float = 1e-3              # Adam's alpha in the first round
    lam: float = 1e-4             # weight penalty lambda of the seed's cost
    patience: int = 10            # epochs without a better validation error before a round ends
    rounds: int = 6               # learning-rate rounds, each lr / lr_decay of the one before
    lr_decay: float = 10.0
    max_epochs: int = 100         # cap on the epochs of one round
    seed: int = 0                 # initial weights and shuffling

    def check(self):
        if not self.hidden or any(int(h) < 1 for h in self.hidden):
            raise ValueError(f"hidden sizes must be positive integers, got {self.hidden}")
        if self.padding not in PADDINGS:
            raise ValueError(f"unknown padding {self.padding!r}; choose one of {', '.join(PADDINGS)}")
        if self.target not in TARGETS:
            raise ValueError(f"unknown target {self.target!r}; choose one of {', '.join(TARGETS)}")
        for name in ("batch_size", "patience", "rounds", "max_epochs"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.lr > 0 or self.lam < 0 or not self.lr_decay >= 1:
            raise ValueError("lr must be > 0, lam >= 0 and lr_decay >= 1")
        return self


@dataclass
class FitResult:
    history: list = field(default_factory=list)  # one dict per epoch: round, epoch, lr, train_error, val_error
    best_val: float = float("inf")
    interrupted: bool = False
    next_round: int = 0


def error(model, X, T):
    """The data part of the seed's cost, 1/(2m) sum (y - t)^2, on a whole set."""
    if len(X) == 0:
        return float("nan")
    diff = model.predict(X) - T
    return float(np.sum(diff.astype(np.float64) ** 2) / (2 * len(X)))


def fit(model, X, T, Xv, Tv, config, progress=True, start=None, on_improve=None, on_round=None):
    """The seed's schedule on model (in place); returns a FitResult. Ctrl-C stops it with the best weights.

    1. Round r trains with Adam at lr / lr_decay^r from the best weights so far, fresh moments.
    2. Each epoch reshuffles (seeded by config.seed and the epoch number, so a resumed run continues alike).
    3. A round ends after `patience` epochs without a better validation error, or at max_epochs.
    4. The best weights are restored at the end of every round, and after an interruption.
    """
    result = start or FitResult()
    best = model.params.copy()
    try:
        for round_index in range(result.next_round, config.rounds):
            model.params[...] = best
            lr = config.lr / config.lr_decay ** round_index
            optimizer = Adam(model, lr=lr)
            stale = 0
            bar = tqdm(range(config.max_epochs), desc=f"round {round_index + 1}/{config.rounds}", disable=not progress,
                       leave=False, unit="epoch")
            for _ in bar:
                rng = np.random.default_rng([config.seed, len(result.history)])
                train_error = train_epoch(model, optimizer, X, T, config.batch_size, config.lam, rng)
                val_error = error(model, Xv, Tv)
                result.history.append(dict(round=round_index + 1, epoch=len(result.history) + 1, lr=lr,
                                           train_error=train_error, val_error=val_error))
                bar.set_postfix(train=f"{train_error:.5f}", val=f"{val_error:.5f}", lr=f"{lr:.0e}")
                if not np.isfinite(train_error):
                    raise FloatingPointError("training diverged (non-finite error); lower --lr")
                if val_error < result.best_val:
                    result.best_val, best[...], stale = val_error, model.params, 0
                    if on_improve:
                        on_improve(result)
                else:
                    stale += 1
                    if stale >= config.patience:
                        break
            bar.close()
            model.params[...] = best
            result.next_round = round_index + 1
            if on_round:
                on_round(result)
    except KeyboardInterrupt:
        model.params[...] = best
        result.interrupted = True
    return result


# --- data -----------------------------------------------------------------------------------------------

def load_images(args):
    """(images, description) from the CLI's data options."""
    if args.images:
        images = datasets.load_image_folder(args.images, size=args.size, skip_gray=args.skip_gray,
                                            progress=not args.quiet)
        return images, f"{len(images)} images from {args.images}"
    classes = args.classes.split(",") if args.classes else None
    explicit = args.data is not None or args.dataset != "cifar-100" or classes is not None
    try:
        images = datasets.load_cifar(args.dataset, classes, args.data, download_missing=not args.no_download,
                                     progress=not args.quiet)
        chosen = ", ".join(classes) if classes else (datasets.SEED_CLASS if args.dataset == "cifar-100" else "all")
        return images, f"{len(images)} {args.dataset} images ({chosen})"
    except datasets.DatasetError as err:
        if explicit:
            raise
        print(f"no CIFAR-100 available ({err}); training on tiles of scikit-image's sample photos instead",
              file=sys.stderr)
        images = datasets.sample_photo_tiles(args.size)
        return images, f"{len(images)} tiles of scikit-image's sample photos"


# --- the run folder -------------------------------------------------------------------------------------

def write_history(path, history):
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["round", "epoch", "lr", "train_error", "val_error"])
        writer.writeheader()
        writer.writerows(history)


def read_history(path):
    with open(path, newline="") as f:
        return [dict(round=int(r["round"]), epoch=int(r["epoch"]), lr=float(r["lr"]),
                     train_error=float(r["train_error"]), val_error=float(r["val_error"])) for r in csv.DictReader(f)]


def write_json(path, data):
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=2) + "\n")


def evaluate(colorizer, train_images, test_images):
    """metrics.json content: the model and two baselines on the test photos that are not gray."""
    rgb = np.asarray(test_images, dtype=np.float64) / 255
    keep = np.array([not datasets.is_gray(img) for img in test_images], bool)
    rgb = rgb[keep]
    if len(rgb) == 0:
        return {"note": "every test photo is gray; no colour metrics"}, rgb, rgb
    grays = [colorizer.gray(img) for img in rgb]
    predicted = np.stack([colorizer.predict_gray(gray) for gray in grays])
    # Baseline 2: every pixel gets the mean chroma of the training photos, on its own lightness.
    train_rgb = np.asarray(train_images, dtype=np.float64) / 255
    mean_ab = np.concatenate([encode_target(img, "lab") for img in train_rgb]).mean(axis=0)
    mean_chroma = np.stack([decode_output(gray, np.tile(mean_ab, (gray.size, 1)), "lab", colorizer.gray_weights)
                            for gray in grays])
    metrics = {"model": report.quality(predicted, rgb),
               "gray_baseline": report.quality(report.gray_baseline(rgb), rgb),
               "mean_chroma_baseline": report.quality(mean_chroma, rgb),
               "gray_photos_left_out": int((~keep).sum())}
    return metrics, predicted, rgb


def build_parser():
    parser = cli.ArgumentParser(
        prog="python -m colorcore.train", formatter_class=cli.argparse.RawDescriptionHelpFormatter,
        description=__doc__ + """
data (first that applies):
  --images DIR            every image under DIR, resized to --size
  --data / --dataset      a CIFAR archive or folder (else $COLORCORE_DATA, the cache, or a download)
  nothing at all          CIFAR-100 class maple_tree if it can be found or downloaded, else tiles of
                          scikit-image's sample photos
""")
    data = parser.add_argument_group("data")
    data.add_argument("--images", type=Path, help="folder of training photos (recursive)")
    data.add_argument("--data", type=Path, help="CIFAR archive (.tar.gz) or extracted folder, or a folder holding one")
    data.add_argument("--dataset", choices=sorted(datasets.CIFAR), default="cifar-100")
    data.add_argument("--classes", help="comma-separated CIFAR class or CIFAR-100 superclass names "
                                        f"(default: {datasets.SEED_CLASS} for CIFAR-100)")
    data.add_argument("--size", type=int, default=32, help="training image size for --images (default: 32)")
    data.add_argument("--skip-gray", action="store_true", help="leave out photos that are already gray")
    data.add_argument("--no-download", action="store_true", help="never download CIFAR")
    data.add_argument("--split-seed", type=int, default=0, help="seed of the 2/3, 1/6, 1/6 split (default: 0)")
    model = parser.add_argument_group("model and schedule (defaults: TrainConfig)")
    defaults = TrainConfig()
    model.add_argument("--hidden", default=",".join(map(str, defaults.hidden)), help="hidden sizes, e.g. 64 or 128,64")
    model.add_argument("--activation", default=defaults.activation, choices=["sigmoid", "tanh", "relu"])
    model.add_argument("--radius", type=int, default=defaults.radius, help="context window radius (2 -> 5x5)")
    model.add_argument("--padding", default=defaults.padding, choices=PADDINGS)
    model.add_argument("--target", default=defaults.target, choices=TARGETS)
    for name in ("batch_size", "patience", "rounds", "max_epochs", "seed"):
        model.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    for name in ("lr", "lam"):
        model.add_argument("--" + name, type=float, default=getattr(defaults, name))
    parser.add_argument("-o", "--out", type=Path, help="run folder (default: runs/<date-time>)")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue an interrupted run")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def config_from_args(args):
    try:
        hidden = tuple(int(h) for h in args.hidden.split(","))
    except ValueError:
        raise ValueError(f"--hidden must be comma-separated integers, got {args.hidden!r}") from None
    names = {f.name for f in fields(TrainConfig)} - {"hidden", "lr_decay"}
    return TrainConfig(hidden=hidden, **{n: getattr(args, n) for n in names}).check()


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.resume:
        run_dir = args.resume
        try:
            saved = json.loads((run_dir / "config.json").read_text())
            checkpoint = json.loads((run_dir / "checkpoint.json").read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"{run_dir}: not a resumable run folder ({err})") from None
        args = build_parser().parse_args(saved["argv"] + ["--resume", str(run_dir)] + (["--quiet"] if args.quiet else []))
        config = config_from_args(args)
        colorizer = Colorizer.load(run_dir / "model.npz")
        start = FitResult(history=read_history(run_dir / "history.csv"), best_val=checkpoint["best_val"],
                          next_round=checkpoint["next_round"])
    else:
        config = config_from_args(args)
        run_dir = args.out or Path("runs") / time.strftime("%Y%m%d-%H%M%S")
        run_dir.mkdir(parents=True, exist_ok=True)
        colorizer = Colorizer.new(config.hidden, config.activation, config.radius, config.padding, config.target,
                                  seed=config.seed)
        start = None
        saved_argv = [a for a in (sys.argv[1:] if argv is None else list(argv)) if a != "--quiet"]
        write_json(run_dir / "config.json", {"argv": saved_argv, "config": asdict(config)})

    images, description = load_images(args)
    train_idx, val_idx, test_idx = datasets.split(len(images), args.split_seed)
    if len(train_idx) == 0 or len(val_idx) == 0:
        raise ValueError(f"{description}: too few images to split into train and validation sets")
    print(f"training on {description}: {len(train_idx)} train / {len(val_idx)} val / {len(test_idx)} test; "
          f"run folder {run_dir}", file=sys.stderr)
    X, T = colorizer.training_pairs(images[train_idx])
    Xv, Tv = colorizer.training_pairs(images[val_idx])

    def save_progress(result):
        colorizer.save(run_dir / "model.npz")
        write_history(run_dir / "history.csv", result.history)
        write_json(run_dir / "checkpoint.json", {"best_val": result.best_val, "next_round": result.next_round})

    started = time.perf_counter()
    result = fit(colorizer.network, X, T, Xv, Tv, config, progress=not args.quiet, start=start,
                 on_improve=save_progress, on_round=save_progress)
    seconds = time.perf_counter() - started
    save_progress(result)
    report.plot_validation_curve(result.history, run_dir / "validation_curve.png")
    metrics, predicted, originals = evaluate(colorizer, images[train_idx], images[test_idx])
    metrics.update(train_seconds=seconds, epochs=len(result.history), interrupted=result.interrupted,
                   data=description, config=asdict(config))
    write_json(run_dir / "metrics.json", metrics)
    if len(originals):
        write_image(run_dir / "test_grid.png", report.comparison_grid(originals, predicted))
    print(summary(result, metrics, run_dir, seconds))
    return 130 if result.interrupted else 0


def summary(result, metrics, run_dir, seconds):
    lines = [f"{'stopped early (Ctrl-C); kept the best model so far' if result.interrupted else 'done'}: "
             f"{len(result.history)} epochs in {seconds:.1f} s, best validation error {result.best_val:.6f}"]
    if "model" in metrics:
        lines.append(f"{'test photos':<22}{'PSNR dB':>9}{'MSE':>10}{'SSIM':>8}{'colour':>8}")
        for key, label in (("model", "colorcore model"), ("gray_baseline", "gray image"),
                           ("mean_chroma_baseline", "mean training chroma")):
            m = metrics[key]
            lines.append(f"{label:<22}{m['psnr']:>9.2f}{m['mse']:>10.5f}{m['ssim']:>8.3f}{m['colourfulness_ratio']:>8.2f}")
    lines.append(f"model: {run_dir / 'model.npz'}   curves: {run_dir / 'validation_curve.png'}   "
                 f"examples: {run_dir / 'test_grid.png'}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
