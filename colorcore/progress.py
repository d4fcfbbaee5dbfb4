"""Progress bars that fit where their output goes.

On a terminal: tqdm's bar, redrawn in place. Anywhere else (a CI log, nohup, a notebook's captured
stderr): a plain line at most every PLAIN_INTERVAL seconds and one when the bar closes, instead of the
hundreds of carriage-return redraws a log would otherwise collect.
"""
import sys

from tqdm.auto import tqdm

PLAIN_INTERVAL = 10.0  # seconds between lines when stderr is not a terminal


class _Lines:
    """A stream for tqdm that turns each redraw into one line (and drops tqdm's line clearing)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        text = text.replace("\r", "").replace("\x1b[A", "")
        if text.strip():
            self.stream.write(text.rstrip("\n") + "\n")

    def flush(self):
        self.stream.flush()


def progress_bar(iterable=None, **options):
    """tqdm(iterable, **options) on a terminal; elsewhere the same bar, written as occasional lines."""
    stream = options.pop("file", None) or sys.stderr
    if options.get("disable") or getattr(stream, "isatty", lambda: False)():
        return tqdm(iterable, file=stream, **options)
    options.update(file=_Lines(stream), mininterval=PLAIN_INTERVAL, leave=True, ascii=True, dynamic_ncols=False,
                   ncols=100)
    return tqdm(iterable, **options)
