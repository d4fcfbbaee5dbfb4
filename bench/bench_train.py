"""One training epoch (Adam, float32, lambda 1e-4) at many network shapes: colorcore against its peers.

Networks are inputs -> hidden sigmoid -> outputs: sigmoid outputs with the squared error for 2 and 3
outputs, a softmax cross-entropy head for 300 (soft targets). Peers, each on ONE thread, measured in the
same run and in turns:
  - the NumPy epoch a user would write (numpy_epoch below: gather, matmuls, in-place Adam; BLAS held to
    one thread with threadpoolctl),
  - PyTorch CPU (torch.set_num_threads(1)) when installed,
  - scikit-learn's MLPRegressor on the original assignment's shape when installed.
Printed per shape: rows/s, GMAC/s (2 n_in h + 3 h n_out multiply-adds per row: forward, weight gradients,
and the hidden layer's input gradient) and its share of the core's FMA peak, the ratio to the NumPy
epoch on one thread, and colorcore on all cores. Epoch sizes are chosen per shape (about --gmac
multiply-adds), and the best of --repeats epochs is kept.

--busy adds rows measured while one CPU-bound process per core runs (the benchmark starts them and stops
them): colorcore on one thread and on all cores, medians of --repeats epochs taken in turns.

    python bench/bench_train.py [--quick] [--busy] [--repeats 3] [--gmac 1.5] [--peak 45]
"""
import argparse
import contextlib
import itertools
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import colorcore as cc
from colorcore.threads import available_threads

from _common import best_times, busy_machine, machine_line, median_times, print_table

INPUTS, HIDDEN, OUTPUTS, BATCHES = (25, 100, 168, 256), (64, 128, 256), (2, 3, 300), (32, 256)
QUICK = [(25, 64, 3, b) for b in BATCHES] + [(100, 64, 2, b) for b in BATCHES] + \
        [(168, 128, 2, b) for b in BATCHES] + [(256, 256, 300, b) for b in BATCHES]
BUSY = [(25, 64, 3, 32), (25, 64, 3, 256), (168, 128, 2, 256), (256, 256, 300, 256)]
SOFTMAX_FROM = 100  # heads this wide are softmax classifiers
LAM, LR, BETA1, BETA2, EPS = 1e-4, 1e-3, 0.9, 0.999, 1e-8


def multiply_adds(n_in, hidden, n_out):
    return 2 * n_in * hidden + 3 * hidden * n_out


def make_data(n_in, n_out, rows, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(rows, n_in)).astype(np.float32)
    if n_out >= SOFTMAX_FROM:
        T = rng.uniform(size=(rows, n_out)).astype(np.float32) ** 8  # peaked soft targets
        T /= T.sum(axis=1, keepdims=True)
    else:
        T = rng.uniform(size=(rows, n_out)).astype(np.float32)
    return X, T


def colorcore_epoch(X, T, n_in, hidden, n_out, batch_size, threads):
    loss = "softmax_cross_entropy" if n_out >= SOFTMAX_FROM else "squared_error"
    model = cc.MLP([n_in, hidden, n_out], loss=loss, seed=0)
    optimizer = cc.Adam(model, lr=LR)
    epoch = itertools.count()
    return lambda: cc.train_epoch(model, optimizer, X, T, batch_size, lam=LAM, rng=next(epoch), n_threads=threads)


def numpy_epoch(X, T, n_in, hidden, n_out, batch_size):
    """The epoch a NumPy user would write: a shuffled loop of fancy-indexed minibatches, BLAS products,
    in-place activations and an in-place Adam with the bias corrections folded into the step size."""
    rng = np.random.default_rng(0)
    softmax = n_out >= SOFTMAX_FROM
    W1 = rng.uniform(-0.1, 0.1, (n_in, hidden)).astype(np.float32)
    W2 = rng.uniform(-0.1, 0.1, (hidden, n_out)).astype(np.float32)
    b1, b2 = np.zeros(hidden, np.float32), np.zeros(n_out, np.float32)
    params = [W1, b1, W2, b2]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    step = [0]

    def sigmoid_(a):
        np.negative(a, out=a)
        np.exp(a, out=a)
        a += 1
        np.reciprocal(a, out=a)

    def run():
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            x, t, m = X[rows], T[rows], len(rows)
            h = x @ W1
            h += b1
            sigmoid_(h)
            y = h @ W2
            y += b2
            if softmax:
                y -= y.max(axis=1, keepdims=True)
                np.exp(y, out=y)
                y /= y.sum(axis=1, keepdims=True)
                dy = y - t
            else:
                sigmoid_(y)
                dy = (y - t) * y * (1 - y)
            dy /= m
            gW2 = h.T @ dy
            gW2 += (LAM / m) * W2
            dh = dy @ W2.T
            dh *= h * (1 - h)
            gW1 = x.T @ dh
            gW1 += (LAM / m) * W1
            step[0] += 1
            k = step[0]
            size = LR * np.sqrt(1 - BETA2 ** k) / (1 - BETA1 ** k)
            eps = EPS * np.sqrt(1 - BETA2 ** k)
            for p, g, (mean, var) in zip(params, (gW1, dh.sum(axis=0), gW2, dy.sum(axis=0)), moments):
                mean *= BETA1
                mean += (1 - BETA1) * g
                var *= BETA2
                var += (1 - BETA2) * g * g
                p -= size * mean / (np.sqrt(var) + eps)
    return run


def torch_epoch(X, T, n_in, hidden, n_out, batch_size):
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    softmax = n_out >= SOFTMAX_FROM
    layers = [torch.nn.Linear(n_in, hidden), torch.nn.Sigmoid(), torch.nn.Linear(hidden, n_out)]
    model = torch.nn.Sequential(*layers, *([] if softmax else [torch.nn.Sigmoid()]))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    Xt, Tt = torch.from_numpy(X), torch.from_numpy(T)
    generator = torch.Generator().manual_seed(0)

    def run():
        with torch_threads(1):
            order = torch.randperm(len(Xt), generator=generator)
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                optimizer.zero_grad()
                y, t = model(Xt[rows]), Tt[rows]
                if softmax:
                    loss = -(t * torch.log_softmax(y, dim=1)).sum() / len(rows)
                else:
                    loss = ((y - t) ** 2).sum() / (2 * len(rows))
                loss.backward()
                optimizer.step()
    return run


@contextlib.contextmanager
def torch_threads(n):
    import torch
    saved = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def sklearn_epoch(X, T, batch_size):
    try:
        from sklearn.neural_network import MLPRegressor
    except ImportError:
        return None
    # MLPRegressor's output layer is always the identity; hidden layer and optimiser match.
    model = MLPRegressor(hidden_layer_sizes=(64,), activation="logistic", solver="adam", alpha=LAM,
                         batch_size=batch_size, learning_rate_init=LR, shuffle=True, random_state=0)

    def run():
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            model.partial_fit(X, T)  # one pass over the data
    return run


def with_one_blas_thread(run):
    def limited():
        with threadpool_limits(1):
            run()
    return limited


def rows_for(shape, gmac):
    n_in, hidden, n_out, batch_size = shape
    rows = int(gmac * 1e9 / multiply_adds(n_in, hidden, n_out))
    return max(batch_size * 64, min(409_600, rows // batch_size * batch_size))


def idle_grid(shapes, args):
    threads = available_threads()
    print(f"\n## Idle machine: one epoch per shape, peers on 1 thread; colorcore also on {threads} threads\n")
    header = ["inputs-hidden-outputs", "batch", "rows", "colorcore 1 thread", "GMAC/s", "of peak",
              "vs NumPy (1 thread)", "vs PyTorch (1 thread)", f"colorcore {threads} threads", "NumPy rows/s"]
    rows = []
    for shape in shapes:
        n_in, hidden, n_out, batch_size = shape
        n = rows_for(shape, args.gmac)
        X, T = make_data(n_in, n_out, n)
        runs = {"one": colorcore_epoch(X, T, n_in, hidden, n_out, batch_size, 1),
                "all": colorcore_epoch(X, T, n_in, hidden, n_out, batch_size, threads),
                "numpy": with_one_blas_thread(numpy_epoch(X, T, n_in, hidden, n_out, batch_size))}
        torch_run = None if args.no_torch else torch_epoch(X, T, n_in, hidden, n_out, batch_size)
        if torch_run is not None:
            runs["torch"] = torch_run
        seconds = best_times(runs, args.repeats, settle=0.05)
        gmac = n * multiply_adds(n_in, hidden, n_out) / seconds["one"] / 1e9
        torch_ratio = f"{seconds['torch'] / seconds['one']:.2f}x" if "torch" in seconds else "not installed"
        head = "softmax " if n_out >= SOFTMAX_FROM else ""
        rows.append((f"{n_in}-{hidden}-{head}{n_out}", batch_size, f"{n:,}", f"{n / seconds['one'] / 1e6:.3f} M/s",
                     f"{gmac:.1f}", f"{gmac / args.peak:.0%}", f"{seconds['numpy'] / seconds['one']:.2f}x",
                     torch_ratio, f"{n / seconds['all'] / 1e6:.3f} M/s ({seconds['one'] / seconds['all']:.2f}x)",
                     f"{n / seconds['numpy'] / 1e6:.3f} M/s"))
        print("| " + " | ".join(str(c) for c in rows[-1]) + " |", flush=True)
    print()
    print_table(header, rows)


def seed_peers(args):
    print("\n## The original assignment's network 25-64-3, peers on 1 thread, scikit-learn included\n")
    rows = []
    for batch_size in BATCHES:
        shape = (25, 64, 3, batch_size)
        n = rows_for(shape, args.gmac)
        X, T = make_data(25, 3, n)
        runs = {"colorcore": colorcore_epoch(X, T, 25, 64, 3, batch_size, 1),
                "NumPy epoch": with_one_blas_thread(numpy_epoch(X, T, 25, 64, 3, batch_size)),
                "scikit-learn MLPRegressor": sklearn_epoch(X, T, batch_size)}
        runs = {name: run for name, run in runs.items() if run is not None}
        seconds = best_times(runs, args.repeats, settle=0.05)
        for name in runs:
            rows.append((batch_size, name, f"{n / seconds[name] / 1e6:.3f} M/s",
                         f"{seconds['NumPy epoch'] / seconds[name]:.2f}x"))
    print_table(["batch", "implementation (1 thread)", "rows/s", "vs NumPy epoch"], rows)


def busy_rows(args):
    threads = available_threads()
    with busy_machine() as processes:
        print(f"\n## Busy machine: {processes} other CPU-bound processes running; medians of {args.repeats} "
              f"epochs in turns\n")
        rows = []
        for shape in BUSY:
            n_in, hidden, n_out, batch_size = shape
            n = rows_for(shape, args.gmac)
            X, T = make_data(n_in, n_out, n)
            seconds = median_times({"one": colorcore_epoch(X, T, n_in, hidden, n_out, batch_size, 1),
                                    "all": colorcore_epoch(X, T, n_in, hidden, n_out, batch_size, threads)},
                                   args.repeats)
            head = "softmax " if n_out >= SOFTMAX_FROM else ""
            rows.append((f"{n_in}-{hidden}-{head}{n_out}", batch_size, f"{n:,}",
                         f"{n / seconds['one'] / 1e6:.3f} M/s", f"{n / seconds['all'] / 1e6:.3f} M/s",
                         f"{seconds['all'] / seconds['one']:.2f}"))
            print("| " + " | ".join(str(c) for c in rows[-1]) + " |", flush=True)
    print()
    print_table(["inputs-hidden-outputs", "batch", "rows", "colorcore 1 thread", f"colorcore {threads} threads "
                 "(default)", "time default / time 1 thread"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"only {len(QUICK)} shapes instead of the full grid")
    parser.add_argument("--busy", action="store_true", help="add the busy-machine rows")
    parser.add_argument("--busy-only", action="store_true", help="only the busy-machine rows")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even where it is installed")
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per implementation (default: 3)")
    parser.add_argument("--gmac", type=float, default=1.5, help="multiply-adds per epoch, in billions (default: 1.5)")
    parser.add_argument("--peak", type=float, default=45.0,
                        help="the core's float32 FMA peak in GMAC/s, for the 'of peak' column (default: 45, "
                             "2 FMA units x 8 lanes at about 2.8 GHz)")
    args = parser.parse_args()
    print(f"# training epoch, Adam, float32; {machine_line()}; colorcore threads: {available_threads()}")
    if not args.busy_only:
        shapes = QUICK if args.quick else list(itertools.product(INPUTS, HIDDEN, OUTPUTS, BATCHES))
        idle_grid(shapes, args)
        seed_peers(args)
    if args.busy or args.busy_only:
        busy_rows(args)


if __name__ == "__main__":
    main()
