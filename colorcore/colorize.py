"""Colorize images of any size: `python -m colorcore.colorize IN [IN ...] -o OUT [--model MODEL]`."""
import sys
from pathlib import Path

from . import cli
from .colorizer import Colorizer
from .io import ImageReadError, check_image_path, read_image, write_image


def build_parser():
    parser = cli.ArgumentParser(
        prog="python -m colorcore.colorize",
        description="Colorize images of any size with a trained colorcore model. Colour inputs are turned "
                    "gray first; outputs keep the input size.",
        epilog="Example: python -m colorcore.colorize old.jpg scans/*.png -o colorized/")
    parser.add_argument("inputs", nargs="+", type=Path, help="images to colorize")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="output folder (or a file name when there is one input)")
    parser.add_argument("--model", type=Path, help="model file from python -m colorcore.train "
                                                   "(default: the model shipped with colorcore)")
    parser.add_argument("--vividness", type=float, metavar="V",
                        help="0 (safest colours, best PSNR) .. 1 (most vivid); default: the model's own "
                             "(models that predict colour distributions, as the shipped one)")
    parser.add_argument("--overwrite", action="store_true", help="replace output files that already exist")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def output_path(args, source):
    if len(args.inputs) == 1 and args.output.suffix:
        return check_image_path(args.output)
    return args.output / (source.stem + ".png")


def main(argv=None):
    from tqdm.auto import tqdm

    args = build_parser().parse_args(argv)
    model = Colorizer.load(args.model)
    vividness = model.check_vividness(args.vividness)
    targets = [output_path(args, source) for source in args.inputs]
    for source, target in zip(args.inputs, targets):
        cli.refuse_overwriting_inputs(target, source)
    clashes = sorted({str(t) for t in targets if targets.count(t) > 1})
    if clashes:
        raise ValueError(f"several inputs would be written to {clashes[0]}; colorize them into separate folders")
    existing = [t for t in targets if t.exists()]
    if existing and not args.overwrite:
        raise ValueError(f"{existing[0]} already exists{f' (and {len(existing) - 1} more)' if len(existing) > 1 else ''};"
                         " pass --overwrite to replace, or choose another -o")
    written, failures = 0, []
    for source, target in tqdm(list(zip(args.inputs, targets)), desc="colorizing", unit="img",
                               disable=args.quiet or len(targets) == 1):
        try:
            pixels = read_image(source)
        except ImageReadError as err:
            if len(args.inputs) == 1:
                raise
            failures.append(str(err))
            print(f"warning: skipped {err}", file=sys.stderr)
            continue
        write_image(target, model.predict(pixels, vividness))
        written += 1
    print(f"colorized {written} image{'s' if written != 1 else ''} -> {args.output}"
          + (f" ({len(failures)} skipped)" if failures else ""))
    return 0 if written else 2


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
