"""The training schedule as a library: TrainConfig and fit. It knows a network and arrays, never a
colorizer (colorcore.report scores colorizers on photos; colorcore.train is the command line).

The original assignment's schedule: Adam with lr 1e-3 and weight penalty lam 1e-4 until the validation error has not
improved for 10 epochs; restart from the best weights with lr / 10; six rounds in all.
"""
from dataclasses import dataclass, field

import numpy as np

from .losses import loss_sum
from .minibatch import train_epoch
from .optim import Adam
from .progress import progress_bar


@dataclass
class TrainConfig:
    batch_size: int = 256         # minibatch size
    lr: float = 1e-3              # Adam's alpha in the first round
    lam: float = 1e-4             # weight penalty lambda of the original assignment's cost
    patience: int = 10            # epochs without a better validation error before a round ends
    rounds: int = 6               # learning-rate rounds, each lr / lr_decay of the one before
    lr_decay: float = 10.0
    max_epochs: int = 100         # cap on the epochs of one round
    seed: int = 0                 # shuffling

    def check(self):
        for name in ("batch_size", "patience", "rounds", "max_epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer of at least 1, got {value!r}")
        if not (np.isfinite(self.lr) and self.lr > 0) or not (np.isfinite(self.lam) and self.lam >= 0) \
                or not (np.isfinite(self.lr_decay) and self.lr_decay >= 1):
            raise ValueError(f"lr must be > 0, lam >= 0 and lr_decay >= 1 (all finite), got lr {self.lr}, "
                             f"lam {self.lam}, lr_decay {self.lr_decay}")
        return self


@dataclass
class FitResult:
    history: list = field(default_factory=list)  # one dict per epoch: round, epoch, lr, train_error, val_error
    best_val: float = float("inf")
    interrupted: bool = False
    next_round: int = 0


def error(model, X, T, chunk=65536):
    """The data part of the cost on a whole set, (1/m) sum_rows loss: for the squared error the original assignment's
    1/(2m) sum (y - t)^2."""
    if len(X) == 0:
        return float("nan")
    total = sum(loss_sum(model.loss, model.predict(X[s:s + chunk], raw=True), T[s:s + chunk])
                for s in range(0, len(X), chunk))
    return float(total / len(X))


def fit(model, X, T, Xv, Tv, config, progress=True, start=None, on_improve=None, on_round=None):
    """The original assignment's schedule on model (in place); returns a FitResult. Ctrl-C stops it with
    the best weights.

    1. Round r trains with Adam at lr / lr_decay^r from the best weights so far, fresh moments.
    2. Each epoch reshuffles (seeded by config.seed and the epoch number, so a resumed run continues alike).
    3. A round ends after `patience` epochs without a better validation error, or at max_epochs.
    4. The best weights are restored at the end of every round, and after an interruption.
    """
    config.check()
    result = start or FitResult()
    best = model.params.copy()
    try:
        for round_index in range(result.next_round, config.rounds):
            model.params[...] = best
            lr = config.lr / config.lr_decay ** round_index
            optimizer = Adam(model, lr=lr)
            stale = 0
            bar = progress_bar(range(config.max_epochs), desc=f"round {round_index + 1}/{config.rounds}",
                               disable=not progress, leave=False, unit="epoch")
            for _ in bar:
                rng = np.random.default_rng([config.seed, len(result.history)])
                train_error = train_epoch(model, optimizer, X, T, config.batch_size, config.lam, rng)
                val_error = error(model, Xv, Tv)
                result.history.append(dict(round=round_index + 1, epoch=len(result.history) + 1, lr=lr,
                                           train_error=train_error, val_error=val_error))
                bar.set_postfix(train=f"{train_error:.5f}", val=f"{val_error:.5f}", lr=f"{lr:.0e}")
                if not np.isfinite(train_error):
                    raise FloatingPointError(f"training diverged (non-finite error) at lr {lr:g}; use a smaller lr")
                if val_error < result.best_val:
                    result.best_val, best[...], stale = val_error, model.params, 0
                    if on_improve:
                        on_improve(result)
                else:
                    stale += 1
                    if stale >= config.patience:
                        break
            bar.close()
            model.params[...] = best
            result.next_round = round_index + 1
            if on_round:
                on_round(result)
    except KeyboardInterrupt:
        model.params[...] = best
        result.interrupted = True
    return result
