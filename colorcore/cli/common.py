"""What every command-line entry point shares: one-line errors, exit status 2 for bad usage or input,
and a clean stop on Ctrl-C."""
import argparse
import sys
import warnings

# Errors a user can cause with their arguments or files (FloatingPointError: training diverged at the
# learning rate they chose); anything else is a bug and keeps its traceback.
USER_ERRORS = (ValueError, TypeError, OSError, FloatingPointError)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with the house style: usage errors are one line plus a hint, exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def one_line_warning(message, category, filename, lineno, line=None):
    return f"warning: {message}\n"


def run(main, argv=None):
    """Run main(argv); turn user errors into `prog: error: ...` and exit 2, Ctrl-C into exit 130.
    Warnings (a skipped file, an animated image) print as one line, without Python's source location."""
    warnings.formatwarning = one_line_warning
    try:
        return main(argv)
    except KeyboardInterrupt:
        print("interrupted (Ctrl-C); no file was left half-written", file=sys.stderr)
        return 130
    except USER_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def add_texture_options(parser, what):
    """--window, --seed and --quiet, shared by the inpaint and synthesize commands."""
    parser.add_argument("--window", type=int, default=15, help="odd neighbourhood size (default: 15)")
    parser.add_argument("--seed", type=int, default=0,
                        help=f"random seed; the same seed gives the same {what} (default: 0)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def refuse_overwriting_inputs(output, *inputs):
    """ValueError when the output path is one of the inputs (the user's file would be replaced)."""
    for given in inputs:
        if given is not None and output.resolve() == given.resolve():
            raise ValueError(f"-o {output} would overwrite the input {given}; choose another output file")


def parse_size(text):
    """'128x96' (width x height) or '128' (square) -> (height, width)."""
    parts = text.lower().split("x")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (1, 2) or min(numbers) < 1:
        raise argparse.ArgumentTypeError(f"size must look like 128x96 (width x height) or 128, got {text!r}")
    width, height = numbers if len(numbers) == 2 else numbers * 2
    return height, width
