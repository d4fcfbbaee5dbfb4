"""Synthesize a new texture image from a sample texture (Efros-Leung non-parametric sampling).

    colorcore synthesize brick.png --size 128x128 -o brick_big.png [--window 15] [--seed 0]

The output is written only when the synthesis is complete.
"""
from pathlib import Path

from . import common as cli
from ..io import check_image_path, read_image, split_alpha, write_image
from ..texture import synthesize


def build_parser():
    parser = cli.ArgumentParser(prog="colorcore synthesize", description=__doc__,
                                formatter_class=cli.argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sample", type=Path, help="sample texture image (gray or RGB)")
    parser.add_argument("--size", type=cli.parse_size, required=True, help="output size WIDTHxHEIGHT, e.g. 128x128")
    parser.add_argument("-o", "--output", type=Path, required=True, help="where to write the texture")
    cli.add_texture_options(parser, "texture")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    check_image_path(args.output)  # before the work, not after it
    cli.refuse_overwriting_inputs(args.output, args.sample)
    sample, _ = split_alpha(read_image(args.sample))
    texture = synthesize(sample, args.size, window=args.window, seed=args.seed, progress=not args.quiet)
    write_image(args.output, texture)
    height, width = args.size
    print(f"synthesized {width}x{height} -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
