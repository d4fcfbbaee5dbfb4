"""Train a colorizer: `colorcore train [--preset default|seed] [--images DIR ...] [-o RUN_DIR]`.

The schedule (colorcore.training.fit): Adam with weight penalty lam until the validation error has not
improved for `patience` epochs; restart from the best weights with lr / 10; `rounds` rounds in all.
Presets (colorcore.presets): "default" is the recipe of the shipped model, "seed" the original
assignment (25 -> 64 -> 3 RGB, squared error, six rounds of patience 10).

A run folder gets: model.npz (best weights so far, always loadable), config.json, history.csv,
checkpoint.json (for --resume), validation_curve.png, test_grid*.png and metrics.json.
"""
import csv
import hashlib
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from .. import datasets, report, vividness
from . import common as cli
from ..activations import ACTIVATIONS
from ..augment import Augment
from ..colorizer import Colorizer
from ..extractors import parse_spec
from ..io import atomic_path, write_image
from ..presets import PRESETS, preset
from ..runfolder import run_folder
from ..targets import check_vividness
from ..training import FitResult, fit

SCHEDULE_FLAGS = ("batch_size", "patience", "rounds", "max_epochs", "seed", "lr", "lam")


# --- data -----------------------------------------------------------------------------------------------

def load_sources(args, skip_gray):
    """[(name, train photos, val photos, test photos)] from the CLI's data options."""
    progress = not args.quiet
    if args.images:
        sources = []
        for folder in args.images:
            parts = datasets.photo_split(folder)
            photos = [datasets.load_image_folder(folder, args.size, skip_gray, progress, files) if files else []
                      for files in parts]
            if not len(photos[0]) or not len(photos[1]):
                raise ValueError(f"{folder}: too few photos to split into train and validation sets")
            sources.append((Path(folder).name, *photos))
        return sources
    classes = args.classes.split(",") if args.classes else None
    explicit = args.data is not None or args.dataset != "cifar-100" or classes is not None
    try:
        images = datasets.load_cifar(args.dataset, classes, args.data, download_missing=not args.no_download,
                                     progress=progress)
        default = datasets.ASSIGNMENT_CLASS if args.dataset == "cifar-100" else "all"
        chosen = ", ".join(classes) if classes else default
        name = f"{len(images)} {args.dataset} images ({chosen})"
    except datasets.DatasetError as err:
        if explicit:
            raise
        print(f"no CIFAR-100 available ({err}); training on tiles of scikit-image's sample photos instead",
              file=sys.stderr)
        images = datasets.sample_photo_tiles(args.size or 32)
        name = f"{len(images)} tiles of scikit-image's sample photos"
    if skip_gray:
        images = images[[not datasets.is_gray(img) for img in images]]
    train_idx, val_idx, test_idx = datasets.split(len(images), args.split_seed)
    if len(train_idx) == 0 or len(val_idx) == 0:
        raise ValueError(f"{name}: too few images to split into train and validation sets")
    return [(name, images[train_idx], images[val_idx], images[test_idx])]


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


# --- arguments ------------------------------------------------------------------------------------------

def build_parser():
    parser = cli.ArgumentParser(
        prog="colorcore train", formatter_class=cli.argparse.RawDescriptionHelpFormatter,
        description=__doc__ + """
data (first that applies):
  --images DIR [--images DIR ...]  photos under each DIR; a DIR with train/ and test/ keeps its test/
                          photos for testing, otherwise a fixed 15% (by a hash of each file name) is
                          held out; 10% of the rest validates
  --data / --dataset      a CIFAR archive or folder (else $COLORCORE_DATA, the cache, or a download)
  nothing at all          CIFAR-100 class maple_tree if it can be found or downloaded, else tiles of
                          scikit-image's sample photos

the shipped model:
  colorcore train --images ../shared/data/cifar10-jpg --images ../shared/data/scenes -o runs/shipped
""")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default",
                        help="recipe to start from (default: default); the flags below override parts of it")
    data = parser.add_argument_group("data")
    data.add_argument("--images", type=Path, action="append", help="folder of training photos (recursive; repeatable)")
    data.add_argument("--data", type=Path, help="CIFAR archive (.tar.gz) or extracted folder, or a folder holding one")
    data.add_argument("--dataset", choices=sorted(datasets.CIFAR), default="cifar-100")
    data.add_argument("--classes", help="comma-separated CIFAR class or CIFAR-100 superclass names "
                                        f"(default: {datasets.ASSIGNMENT_CLASS} for CIFAR-100)")
    data.add_argument("--size", type=int, help="resize --images photos to SIZE x SIZE (default: keep their size)")
    data.add_argument("--skip-gray", action=cli.argparse.BooleanOptionalAction, default=None,
                      help="leave out photos that are already gray (preset default)")
    data.add_argument("--no-download", action="store_true", help="never download CIFAR")
    data.add_argument("--split-seed", type=int, default=0, help="seed of the CIFAR 2/3, 1/6, 1/6 split (default: 0)")
    model = parser.add_argument_group("model (defaults: the preset)")
    model.add_argument("--features", help="input pipeline, e.g. window:radius=2 or pyramid:levels=4+thumbnail+position")
    model.add_argument("--target", help="rgb, lab or ab-bins[:step=N]")
    model.add_argument("--hidden", help="hidden sizes, e.g. 64 or 256,64")
    model.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "identity"])
    model.add_argument("--working-size", type=int, help="longer side the network sees; 0: every photo at its size")
    model.add_argument("--pixels-per-image", type=int, help="pixels sampled from each training photo; 0: all")
    model.add_argument("--augment", action=cli.argparse.BooleanOptionalAction, default=None,
                       help="flip, crop and rescale training photos")
    model.add_argument("--copies", type=int, help="copies of each training photo, each augmented differently")
    model.add_argument("--whole-copy", action=cli.argparse.BooleanOptionalAction, default=None,
                       help="make the first copy the whole photo, only mirrored: the view prediction has")
    model.add_argument("--vividness", type=float,
                       help="the model's default vividness, 0..1 (ab-bins only; default: calibrated on the "
                            "validation photos, see colorcore/vividness.py)")
    schedule = parser.add_argument_group("schedule (defaults: the preset)")
    for name in SCHEDULE_FLAGS:
        schedule.add_argument("--" + name.replace("_", "-"), type=int if name not in ("lr", "lam") else float)
    parser.add_argument("-o", "--out", type=Path, help="run folder (default: runs/<date-time>)")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue an interrupted run (its own settings)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def recipe_from_args(args):
    """The preset with the flags given on the command line applied, checked."""
    chosen = preset(args.preset)
    changes = {}
    if args.features is not None:
        changes["features"] = args.features
    if args.target is not None:
        changes["target"] = args.target
    if args.hidden is not None:
        try:
            changes["hidden"] = tuple(int(h) for h in args.hidden.split(","))
        except ValueError:
            raise ValueError(f"--hidden must be comma-separated integers, got {args.hidden!r}") from None
        if any(h < 1 for h in changes["hidden"]):
            raise ValueError(f"--hidden sizes must be positive, got {args.hidden!r}")
    if args.activation is not None:
        changes["activation"] = args.activation
    for name in ("working_size", "pixels_per_image"):
        value = getattr(args, name)
        if value is not None:
            if value < 0:
                raise ValueError(f"--{name.replace('_', '-')} must be 0 or more, got {value}")
            changes[name] = value or None
    if args.copies is not None:
        if args.copies < 1:
            raise ValueError(f"--copies must be at least 1, got {args.copies}")
        changes["copies"] = args.copies
    for name in ("augment", "whole_copy", "skip_gray"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if args.vividness is not None:
        changes["vividness"] = check_vividness(args.vividness)
    if args.size is not None and args.size < 1:
        raise ValueError(f"--size must be at least 1, got {args.size}")
    schedule = {n: getattr(args, n) for n in SCHEDULE_FLAGS if getattr(args, n) is not None}
    changes["schedule"] = replace(chosen.schedule, **schedule).check()
    return replace(chosen, **changes)


def new_colorizer(recipe):
    target = parse_spec(recipe.target)
    colorizer = Colorizer.new(recipe.hidden, recipe.activation, recipe.features, target, recipe.working_size,
                              seed=recipe.schedule.seed)
    if recipe.vividness is not None:
        colorizer.vividness = colorizer.check_vividness(recipe.vividness)
    return colorizer


def data_fingerprint(sources):
    """sha256 of every training and validation photo's pixels, in order: --resume checks the data is the
    data the run started on."""
    digest = hashlib.sha256()
    for _, train, val, _ in sources:
        for photo in list(train) + list(val):
            digest.update(str(photo.shape).encode())
            digest.update(photo.tobytes())
    return digest.hexdigest()


ARCHITECTURE_KEYS = ("layer_sizes", "hidden", "output", "loss", "dtype", "features", "working_size")


def main(argv=None):
    args = build_parser().parse_args(argv)
    run_dir = args.resume or args.out or Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    with run_folder(run_dir, create=not args.resume):
        return train_in(run_dir, args, argv)


def train_in(run_dir, args, argv):
    """The training run of main(), in the run folder it holds."""
    if args.resume:
        try:
            saved = json.loads((run_dir / "config.json").read_text())
            checkpoint = json.loads((run_dir / "checkpoint.json").read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"{run_dir}: not a resumable run folder ({err})") from None
        given = [a for a in (sys.argv[1:] if argv is None else list(map(str, argv))) if a not in ("--quiet",)]
        if len(given) > 2:
            raise ValueError("--resume continues a run with its own settings; give no other options "
                             "(except --quiet), or start a new run")
        args = build_parser().parse_args(saved["argv"] + ["--resume", str(run_dir)] + (["--quiet"] if args.quiet else []))
        recipe = recipe_from_args(args)
        colorizer = Colorizer.load(run_dir / "model.npz")
        expected = new_colorizer(recipe).header()
        if any(colorizer.header()[key] != expected[key] for key in ARCHITECTURE_KEYS):
            raise ValueError(f"{run_dir}: model.npz does not match the run's config.json (another run's model?); "
                             "start a new run")
        print(f"resuming {run_dir} with its saved settings: {' '.join(saved['argv'])}", file=sys.stderr)
        start = FitResult(history=read_history(run_dir / "history.csv"), best_val=checkpoint["best_val"],
                          next_round=checkpoint["next_round"])
    else:
        recipe = recipe_from_args(args)
        colorizer = new_colorizer(recipe)
        start = None
        saved_argv = [str(a) for a in (sys.argv[1:] if argv is None else list(argv)) if a != "--quiet"]
        saved = {"argv": saved_argv, "recipe": asdict(recipe)}
        write_json(run_dir / "config.json", saved)

    started = time.perf_counter()
    sources = load_sources(args, recipe.skip_gray)
    fingerprint = data_fingerprint(sources)
    if args.resume and saved.get("data_sha256") not in (None, fingerprint):
        raise ValueError(f"{run_dir}: the training photos changed since this run started; start a new run")
    if not args.resume:
        write_json(run_dir / "config.json", dict(saved, data_sha256=fingerprint))
    train = [photo for _, photos, _, _ in sources for photo in photos]
    val = [photo for _, _, photos, _ in sources for photo in photos]
    description = "; ".join(f"{name}: {len(tr)} train / {len(va)} val / {len(te)} test"
                            for name, tr, va, te in sources)
    print(f"training on {description}; run folder {run_dir}", file=sys.stderr)
    augment = Augment() if recipe.augment else None
    X, T = colorizer.training_pairs(train, recipe.pixels_per_image, augment, seed=recipe.schedule.seed,
                                    copies=recipe.copies, whole_copy=recipe.whole_copy)
    Xv, Tv = colorizer.training_pairs(val, recipe.pixels_per_image, None, seed=recipe.schedule.seed + 1)
    if colorizer.target.name == "ab-bins" and start is None:
        colorizer.target.fit_prior(T)
    print(f"{len(X):,} training and {len(Xv):,} validation pixels, {X.shape[1]} features each "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    def save_progress(result):
        colorizer.save(run_dir / "model.npz", notes=f"python -m colorcore.train {' '.join(saved_args(run_dir))}")
        write_history(run_dir / "history.csv", result.history)
        write_json(run_dir / "checkpoint.json", {"best_val": result.best_val, "next_round": result.next_round})

    result = fit(colorizer.network, X, T, Xv, Tv, recipe.schedule, progress=not args.quiet, start=start,
                 on_improve=save_progress, on_round=save_progress)
    del X, T, Xv, Tv
    metrics = {"data": description, "recipe": asdict(recipe), "test": {}}
    if colorizer.target.name == "ab-bins" and not result.interrupted:
        print("calibrating vividness on the validation photos", file=sys.stderr)
        metrics["vividness_calibration"] = vividness.calibrate(
            colorizer, {name: val for name, _, val, _ in sources})
        if recipe.vividness is not None:
            colorizer.vividness = recipe.vividness
    seconds = time.perf_counter() - started
    save_progress(result)
    report.plot_validation_curve(result.history, run_dir / "validation_curve.png")
    metrics.update(train_seconds=seconds, epochs=len(result.history), interrupted=result.interrupted)
    mean_ab = report.mean_chroma(train)
    for name, _, _, test in sources:
        if len(test) == 0:
            continue
        scores, predicted, originals = report.evaluate(colorizer, test, mean_ab)
        metrics["test"][name] = scores
        if originals:
            grid_name = "test_grid.png" if len(sources) == 1 else f"test_grid_{name}.png"
            write_image(run_dir / grid_name, report.comparison_grid(originals, predicted))
    write_json(run_dir / "metrics.json", metrics)
    print(summary(result, metrics, run_dir, seconds))
    return 130 if result.interrupted else 0


def saved_args(run_dir):
    try:
        return json.loads((run_dir / "config.json").read_text())["argv"]
    except (OSError, ValueError, KeyError):
        return []


def summary(result, metrics, run_dir, seconds):
    lines = [f"{'stopped early (Ctrl-C); kept the best model so far' if result.interrupted else 'done'}: "
             f"{len(result.history)} epochs in {seconds:.1f} s, best validation error {result.best_val:.6f}"]
    for name, scores in metrics["test"].items():
        if "model" not in scores:
            lines.append(f"{name}: {scores.get('note', 'no test photos')}")
            continue
        lines.append(f"{name + ' test photos':<28}{'PSNR dB':>9}{'vs gray':>9}{'SSIM':>8}{'colour':>8}")
        gray = scores["gray_baseline"]["psnr"]
        for key, label in (("model", "colorcore model"), ("gray_baseline", "gray image"),
                           ("mean_chroma_baseline", "mean training chroma")):
            m = scores[key]
            lines.append(f"  {label:<26}{m['psnr']:>9.2f}{m['psnr'] - gray:>+9.2f}{m['ssim']:>8.3f}"
                         f"{m['colourfulness_ratio']:>8.2f}")
    lines.append(f"model: {run_dir / 'model.npz'}   curves: {run_dir / 'validation_curve.png'}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
