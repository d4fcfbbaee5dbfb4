"""`python -m colorcore.train ...`: the same as `colorcore train ...` (colorcore/cli/train.py)."""
from .cli import common
from .cli.train import main

if __name__ == "__main__":
    raise SystemExit(common.run(main))
