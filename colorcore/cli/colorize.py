"""Colorize images of any size: `colorcore colorize IN [IN ...] -o OUT [--model MODEL]`, with
colour hints painted by the user (`--hints`) or the colours of a reference photo (`--reference`)."""
import argparse
import sys
from pathlib import Path

from . import common as cli
from ..batch import colorize_folder
from ..colorizer import Colorizer
from ..io import IMAGE_SUFFIXES, ImageReadError, check_image_path, read_image, write_image
from ..progress import progress_bar
from ..transfer import METHODS, transfer_colors


def build_parser():
    parser = cli.ArgumentParser(
        prog="colorcore colorize",
        description="Colorize images of any size with a trained colorcore model. Colour inputs are turned "
                    "gray first; outputs keep the input size.",
        epilog="Examples:\n"
               "  colorcore colorize old.jpg scans/*.png -o colorized/\n"
               "  colorcore colorize old.jpg --hints scribbles.png -o old_colour.png\n"
               "  colorcore colorize old.jpg --reference holiday.jpg -o old_colour.png\n"
               "  colorcore colorize scans/ -o colorized/ --recursive        (a whole archive, resumable)\n"
               "A hint file is the photo's size, with the colours you want painted on a transparent layer "
               "(RGBA PNG): where you painted, that colour wins; elsewhere the network's colours stay.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", type=Path, help="images to colorize, or one folder of them")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="output folder (or a file name when there is one input image)")
    parser.add_argument("--model", type=Path, help="model file from colorcore train "
                                                   "(default: the model shipped with colorcore)")
    parser.add_argument("--vividness", type=float, metavar="V",
                        help="0 (safest colours, best PSNR) .. 1 (most vivid); default: the model's own "
                             "(models that predict colour distributions, as the shipped one)")
    parser.add_argument("--hints", type=Path, metavar="PNG",
                        help="colour hints for the (one) input: an RGBA image of its size, transparent except "
                             "where you painted a colour")
    parser.add_argument("--reference", type=Path, metavar="PHOTO",
                        help="take the colours from this colour photo instead of the network")
    parser.add_argument("--transfer", choices=METHODS, default="reinhard",
                        help="with --reference: 'reinhard' matches global colour statistics, 'match' copies "
                             "colours of matching neighbourhoods and spreads them (default: reinhard)")
    folders = parser.add_argument_group(
        "folders", "Given a folder, colorize writes the same tree under -o with a manifest.jsonl of every file; "
                   "run it again to resume: what is done is skipped, bad files are reported and skipped.")
    folders.add_argument("--recursive", "-r", action="store_true", help="also colorize the subfolders")
    folders.add_argument("--format", metavar="EXT", help="write this format (png, jpg, ...) instead of each input's")
    folders.add_argument("--workers", type=int, metavar="N",
                         help="worker processes (default: one per core), or Dask workers with --dask local")
    folders.add_argument("--dask", metavar="ADDRESS",
                         help="run on a Dask cluster: a scheduler address such as tcp://host:8786, or 'local' "
                              "for one on this machine (needs pip install \"colorcore[distributed]\")")
    parser.add_argument("--overwrite", action="store_true", help="replace output files that already exist")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def output_path(args, source):
    if len(args.inputs) == 1 and args.output.suffix:
        if args.output.suffix.lower() == ".pgm":
            raise ValueError(f"-o {args.output}: .pgm holds gray images only; colorized images need .png, .jpg "
                             "or .ppm")
        return check_image_path(args.output)
    if args.output.suffix.lower() in IMAGE_SUFFIXES and not args.output.is_dir():
        raise ValueError(f"-o {args.output} names one image, but there are {len(args.inputs)} inputs; "
                         "give a folder to -o")
    return args.output / (source.stem + ".png")


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if any(path.is_dir() for path in args.inputs):
        return colorize_folder_command(parser, args)
    if args.recursive or args.format or args.workers or args.dask:
        parser.error("--recursive, --format, --workers and --dask are for a folder input")
    if args.hints and args.reference:
        parser.error("--hints and --reference are two ways to choose colours; give one")
    if args.hints and len(args.inputs) > 1:
        parser.error("--hints belong to one photo; colorize one input at a time with them")
    hints = read_image(args.hints) if args.hints else None
    reference = read_image(args.reference, "RGB") if args.reference else None
    model = None if reference is not None else Colorizer.load(args.model)
    vividness = model.check_vividness(args.vividness) if model else None

    def colorize(pixels):
        if reference is not None:
            return transfer_colors(pixels, reference, args.transfer)
        return model.predict(pixels, vividness, hints)

    targets = [output_path(args, source) for source in args.inputs]
    for source, target in zip(args.inputs, targets):
        cli.refuse_overwriting_inputs(target, source, args.hints, args.reference)
    clashes = sorted({str(t) for t in targets if targets.count(t) > 1})
    if clashes:
        raise ValueError(f"several inputs would be written to {clashes[0]}; colorize them into separate folders")
    existing = [t for t in targets if t.exists()]
    if existing and not args.overwrite:
        raise ValueError(f"{existing[0]} already exists{f' (and {len(existing) - 1} more)' if len(existing) > 1 else ''};"
                         " pass --overwrite to replace, or choose another -o")
    written, failures = 0, []
    for source, target in progress_bar(list(zip(args.inputs, targets)), desc="colorizing", unit="img",
                               disable=args.quiet or len(targets) == 1):
        try:
            pixels = read_image(source)
        except ImageReadError as err:
            if len(args.inputs) == 1:
                raise
            failures.append(str(err))
            print(f"warning: skipped {err}", file=sys.stderr)
            continue
        write_image(target, colorize(pixels))
        written += 1
    print(f"colorized {written} image{'s' if written != 1 else ''} -> {args.output}"
          + (f" ({len(failures)} skipped)" if failures else ""))
    return 0 if written else 2


def colorize_folder_command(parser, args):
    if len(args.inputs) != 1:
        parser.error("give one folder (or image files), not a mix")
    if args.hints or args.reference:
        parser.error("--hints and --reference work on single images, not folders")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    summary = colorize_folder(args.inputs[0], args.output, model=args.model, vividness=args.vividness,
                              recursive=args.recursive, output_format=args.format, workers=args.workers,
                              dask=args.dask, overwrite=args.overwrite, progress=not args.quiet)
    ignored = f", {summary['ignored']} other files left alone" if summary["ignored"] else ""
    print(f"colorized {summary['done']}, {summary['skipped']} done before, {summary['failed']} failed{ignored} "
          f"-> {args.output} (manifest {summary['manifest']}, {summary['seconds']:.1f} s)")
    return 0 if summary["done"] + summary["skipped"] or not summary["failed"] else 2


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
