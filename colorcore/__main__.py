"""`python -m colorcore COMMAND ...`: the same as the `colorcore` command (colorcore/cli)."""
from .cli import console

console()
