"""`python -m colorcore.inpaint ...`: the same as `colorcore inpaint ...` (colorcore/cli/inpaint.py)."""
from .cli import common
from .cli.inpaint import main

if __name__ == "__main__":
    raise SystemExit(common.run(main))
