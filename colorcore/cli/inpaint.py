"""Fill holes in an image with Efros-Leung texture synthesis.

    colorcore inpaint photo.png --mask hole.png -o filled.png [--window 15] [--seed 0]

The mask is an image of the same size whose white (nonzero) pixels mark the hole. Without --mask, an
RGBA image's transparent pixels are the hole. The output is written only when the fill is complete.
"""
from pathlib import Path

import numpy as np

from . import common as cli
from ..io import check_image_path, read_image, split_alpha, write_image
from ..texture import METHODS, fill_holes


def build_parser():
    parser = cli.ArgumentParser(prog="colorcore inpaint", description=__doc__,
                                formatter_class=cli.argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image", type=Path, help="image with a hole (gray, RGB or RGBA)")
    parser.add_argument("--mask", type=Path, help="same-size image, white/nonzero = hole "
                                                   "(default: the image's transparent pixels)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="where to write the filled image")
    parser.add_argument("--method", choices=METHODS, default="auto",
                        help="exact: the paper's search over every window (minutes on photos); fast: coarse to "
                             "fine; auto (default): exact where it takes about a second or less, else fast")
    cli.add_texture_options(parser, "fill")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    check_image_path(args.output)  # before the work, not after it
    cli.refuse_overwriting_inputs(args.output, args.image, args.mask)
    image, alpha = split_alpha(read_image(args.image))
    if args.mask is not None:
        mask = read_image(args.mask, mode="L") > 0
    elif alpha is not None:
        mask = alpha == 0
    else:
        raise ValueError(f"{args.image} has no transparency; give the hole with --mask MASK")
    filled = fill_holes(image, mask, window=args.window, seed=args.seed, progress=not args.quiet,
                        method=args.method)
    write_image(args.output, filled)
    print(f"filled {int(np.count_nonzero(mask))} pixels -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
