"""One training epoch of the seed's colorization network, colorcore against its peers, in one run.

The network is 25 inputs -> 64 sigmoid -> 3 sigmoid, float32, trained with Adam on shuffled minibatches
of 409,600 samples (the seed's 400 images x 32 x 32 pixels). Printed: samples per second and the ratio to
colorcore's own NumPy reference (colorcore/reference.py), for colorcore, the NumPy reference, PyTorch CPU
and scikit-learn's MLPRegressor (each only when installed). Timings are the best of --repeats epochs,
taken in turns across the implementations.

    python bench/bench_train.py [--samples 409600] [--batch-sizes 32 256 1024] [--repeats 5]
"""
import argparse
import warnings

import numpy as np

import colorcore as cc
from colorcore.threads import available_threads

from _common import best_times, machine_line, print_table

SIZES = [25, 64, 3]


def colorcore_epoch(X, T, batch_size, use_reference):
    model = cc.MLP(SIZES, seed=0)
    optimizer = cc.Adam(model)
    epoch = iter(range(1_000_000))
    return lambda: cc.train_epoch(model, optimizer, X, T, batch_size, lam=1e-4, rng=next(epoch),
                                  use_reference=use_reference)


def torch_epoch(X, T, batch_size):
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(25, 64), torch.nn.Sigmoid(), torch.nn.Linear(64, 3), torch.nn.Sigmoid())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0)
    Xt, Tt = torch.from_numpy(X), torch.from_numpy(T)
    generator = torch.Generator().manual_seed(0)

    def run():
        order = torch.randperm(len(Xt), generator=generator)
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = ((model(Xt[rows]) - Tt[rows]) ** 2).sum() / (2 * len(rows))
            loss.backward()
            optimizer.step()
    return run


def sklearn_epoch(X, T, batch_size):
    try:
        from sklearn.neural_network import MLPRegressor
    except ImportError:
        return None
    # MLPRegressor's output layer is always the identity; hidden layer and optimiser match ours.
    model = MLPRegressor(hidden_layer_sizes=(64,), activation="logistic", solver="adam", alpha=1e-4,
                         batch_size=batch_size, learning_rate_init=1e-3, shuffle=True, random_state=0)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(X, T)  # one pass over the data
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=409_600, help="training samples per epoch (default: 409600)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256, 1024], help="minibatch sizes")
    parser.add_argument("--repeats", type=int, default=5, help="epochs timed per method; the best is kept (default: 5)")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(args.samples, SIZES[0])).astype(np.float32)
    T = rng.uniform(size=(args.samples, SIZES[-1])).astype(np.float32)
    print(f"# one epoch of 25-64-3 sigmoid float32, Adam, {args.samples:,} samples; {machine_line()}; "
          f"colorcore threads: {available_threads()}")
    rows = []
    for batch_size in args.batch_sizes:
        peers = {
            "colorcore": colorcore_epoch(X, T, batch_size, use_reference=False),
            "NumPy reference": colorcore_epoch(X, T, batch_size, use_reference=True),
            "PyTorch CPU": torch_epoch(X, T, batch_size),
            "scikit-learn MLPRegressor": sklearn_epoch(X, T, batch_size),
        }
        seconds = best_times({name: run for name, run in peers.items() if run is not None}, args.repeats)
        for name in peers:
            if name not in seconds:
                rows.append((batch_size, name, "not installed", ""))
                continue
            ratio = seconds["NumPy reference"] / seconds[name]
            rows.append((batch_size, name, f"{args.samples / seconds[name] / 1e6:.2f} M", f"{ratio:.2f}x"))
    print_table(["batch", "implementation", "samples/s", "vs NumPy reference"], rows)


if __name__ == "__main__":
    main()
