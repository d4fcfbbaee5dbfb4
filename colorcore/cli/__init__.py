"""colorcore's command lines: `colorcore COMMAND ...` (installed by pip) or `python -m colorcore COMMAND ...`.

Each command is a module here with build_parser() and main(argv); common.py holds what they share. They
live apart from the API (colorcore.colorize() and friends) so that importing a command never replaces
an API function of the same name. `python -m colorcore.train` and `python -m colorcore.inpaint` also work.
"""
import importlib
import sys

from . import common

COMMANDS = {
    "train": "train a colorizer on photo folders or CIFAR (python -m colorcore.train also works)",
    "colorize": "colorize images, optionally with colour hints or a reference photo",
    "inpaint": "fill holes in an image (Efros-Leung)",
    "synthesize": "grow a texture from a sample (Efros-Leung)",
}


def usage():
    lines = ["usage: colorcore COMMAND [options]   (or: python -m colorcore COMMAND [options])", "", "commands:"]
    lines += [f"  {name:<11} {summary}" for name, summary in COMMANDS.items()]
    lines += ["", "colorcore COMMAND --help explains each one."]
    return "\n".join(lines)


def main(argv=None):
    """Run `colorcore COMMAND ...`; returns the exit status."""
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    if not argv or argv[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] == "--version":
        from .. import __version__
        print(f"colorcore {__version__}")
        return 0
    if argv[0] not in COMMANDS:
        print(f"colorcore: error: unknown command {argv[0]!r}; choose one of {', '.join(COMMANDS)} (see --help)",
              file=sys.stderr)
        return 2
    command = importlib.import_module(f"{__name__}.{argv[0]}")
    return common.run(command.main, argv[1:])


def console():
    """The `colorcore` console script."""
    raise SystemExit(main())
