"""The network: dense layers, the MLP, and its cost.

All of a model's parameters live in one flat vector (`MLP.params`, layout W0, b0, W1, b1, ...); each
layer's W and b are views into it. One vector means one optimiser call per step and lets the fused
epoch kernel (pyx/dense.pyx) see the whole network.

The cost is J = (1/m) sum_rows loss + lam/(2m) sum w^2 over weights (not biases), the loss one of
colorcore.losses. With the default squared error it is the original assignment's
J = 1/(2m) sum (y - t)^2 + lam/(2m) sum w^2.
"""
import numpy as np

from . import _dense
from ._checks import as_float_dtype, check_array, check_penalty
from .activations import ACTIVATIONS, activation_code
from .losses import LOSSES, loss_code, loss_sum, output_gradient, predict


def init_scale(activation, n_in, n_out):
    """Bound of the uniform initial weights: Glorot for sigmoid/tanh/identity, He for relu."""
    if activation == "relu":
        return np.sqrt(6.0 / n_in)  # He et al. 2015, uniform form
    bound = np.sqrt(6.0 / (n_in + n_out))  # Glorot & Bengio 2010
    return 4 * bound if activation == "sigmoid" else bound  # their factor 4 for the logistic


class Dense:
    """One layer A = act(X @ W + b) with W (n_in, n_out) and b (n_out,).

    Parameters
    ----------
    W, b : the layer's weights and biases, views into the owning MLP's flat parameter vector
    dW, db : their gradients, views into the MLP's flat gradient vector
    activation : name of the activation (colorcore.activations)
    """

    def __init__(self, W, b, dW, db, activation):
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.activation = activation
        self._code = activation_code(activation)
        self._X = self._A = None

    @property
    def n_in(self):
        return self.W.shape[0]

    @property
    def n_out(self):
        return self.W.shape[1]

    def forward(self, X):
        """A = act(X @ W + b); keeps X and A for backward. X must already be checked."""
        A = np.empty((X.shape[0], self.n_out), dtype=self.W.dtype)
        _dense.dense_forward(X, self.W, self.b, A, self._code)
        self._X, self._A = X, A
        return A

    def backward(self, dA, weight_decay=0.0, compute_dX=True):
        """Fill dW and db from dL/dA; return dL/dX (None when compute_dX is False)."""
        if self._A is None:
            raise RuntimeError("call forward before backward")
        X, A = self._X, self._A
        check_array(dA, "dA", ndim=2, dtype=A.dtype, shape=A.shape)
        dZ = np.empty_like(A)
        dX = np.empty_like(X) if compute_dX else np.empty((1, 1), dtype=X.dtype)
        _dense.dense_backward(X, self.W, A, dA, self._code, float(weight_decay), dZ, self.dW, self.db,
                              dX, bool(compute_dX))
        return dX if compute_dX else None

    def __repr__(self):
        return f"Dense({self.n_in} -> {self.n_out}, {self.activation})"


class MLP:
    """A multilayer perceptron with one flat parameter vector.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, inputs first: [25, 64, 3] is 25 inputs, 64 hidden units, 3 outputs.
    hidden, output : str
        Activation of the hidden layers and of the output layer: identity, sigmoid, tanh or relu. The
        output defaults to sigmoid for the squared error and must be identity (logits) for softmax.
    dtype : "float32" (fast, the default) or "float64" (for checking).
    seed : int or numpy.random.Generator
        Source of the initial weights; the same seed gives the same network.
    loss : "squared_error" (the original assignment's, the default) or "softmax_cross_entropy" (targets: a distribution
        over the outputs per row, possibly scaled by a per-row weight; predict() gives probabilities).

    Examples
    --------
    >>> net = MLP([2, 2, 1], seed=0)
    >>> net.forward(np.zeros((4, 2), dtype=np.float32)).shape
    (4, 1)
    """

    def __init__(self, layer_sizes, hidden="sigmoid", output=None, dtype="float32", seed=0, loss="squared_error"):
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1 or any(s != t for s, t in zip(sizes, layer_sizes)):
            raise ValueError(f"layer_sizes must be at least two positive integers, got {list(layer_sizes)}")
        self.loss_code = loss_code(loss)
        if output is None:
            output = "identity" if loss == "softmax_cross_entropy" else "sigmoid"
        for name in (hidden, output):
            activation_code(name)
        if loss == "softmax_cross_entropy" and output != "identity":
            raise ValueError(f"softmax_cross_entropy applies the softmax itself: the output layer must be "
                             f"'identity' (logits), got {output!r}")
        self.layer_sizes = sizes
        self.hidden, self.output, self.loss = hidden, output, loss
        self.dtype = as_float_dtype(dtype)
        n_params = sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))
        self.params = np.zeros(n_params, dtype=self.dtype)
        self.grads = np.zeros(n_params, dtype=self.dtype)
        self.layers = []
        offset = 0
        for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            activation = output if index == len(sizes) - 2 else hidden
            w_end, b_end = offset + n_in * n_out, offset + n_in * n_out + n_out
            self.layers.append(Dense(self.params[offset:w_end].reshape(n_in, n_out), self.params[w_end:b_end],
                                     self.grads[offset:w_end].reshape(n_in, n_out), self.grads[w_end:b_end],
                                     activation))
            offset = b_end
        self.reset(seed)

    def reset(self, seed=0):
        """Draw fresh initial weights (biases zero) from `seed`."""
        rng = np.random.default_rng(seed)
        for layer in self.layers:
            bound = init_scale(layer.activation, layer.n_in, layer.n_out)
            layer.W[...] = rng.uniform(-bound, bound, size=layer.W.shape)
            layer.b[...] = 0
        return self

    # -- shapes and codes the kernels want ---------------------------------------------------------------
    @property
    def n_inputs(self):
        return self.layer_sizes[0]

    @property
    def n_outputs(self):
        return self.layer_sizes[-1]

    @property
    def activation_codes(self):
        return np.array([layer._code for layer in self.layers], dtype=np.intc)

    def parameters(self):
        """[W0, b0, W1, b1, ...]: views, so writing into them changes the model."""
        return [p for layer in self.layers for p in (layer.W, layer.b)]

    def gradients(self):
        """[dW0, db0, dW1, db1, ...] from the last backward, matching parameters()."""
        return [g for layer in self.layers for g in (layer.dW, layer.db)]

    def weight_sum_of_squares(self):
        """sum w^2 over the weight matrices (biases are not regularised)."""
        return float(sum(np.dot(layer.W.ravel(), layer.W.ravel()) for layer in self.layers))

    # -- computation --------------------------------------------------------------------------------------
    def check_inputs(self, X, name="X"):
        """X when it suits the network (2-D, its dtype, n_inputs columns, C-contiguous, finite); else an error."""
        return check_array(X, name, ndim=2, dtype=self.dtype, shape=(None, self.n_inputs))

    def check_targets(self, T, n_rows, name="T"):
        """T when it suits the network's outputs for n_rows rows; else an error saying what is wrong."""
        return check_array(T, name, ndim=2, dtype=self.dtype, shape=(n_rows, self.n_outputs))

    def forward(self, X):
        """Outputs (m, n_outputs) for inputs X (m, n_inputs); keeps what backward needs."""
        A = self.check_inputs(X)
        for layer in self.layers:
            A = layer.forward(A)
        return A

    def predict(self, X, chunk=16384, raw=False):
        """Outputs for X (probabilities for softmax cross-entropy; raw=True: the output layer's activations,
        logits for softmax) without keeping anything for backward;
        safe to call from several threads at once (the kernels release the GIL). Rows go through in chunks
        so every layer's outputs stay small."""
        self.check_inputs(X)
        out = np.empty((X.shape[0], self.n_outputs), dtype=self.dtype)
        for start in range(0, X.shape[0], chunk):
            A = X[start:start + chunk]
            for layer in self.layers:
                Z = np.empty((A.shape[0], layer.n_out), dtype=self.dtype)
                _dense.dense_forward(A, layer.W, layer.b, Z, layer._code)
                A = Z
            out[start:start + chunk] = A if raw else predict(self.loss, A)
        return out

    def backward(self, dY, lam=0.0):
        """Backpropagate dL/dY from the last forward into self.grads (and each layer's dW, db).

        With lam > 0 the gradient includes the original assignment's weight penalty lam/(2m) sum w^2, m the batch size.
        Returns the flat gradient vector (a view that the next backward overwrites).
        """
        if self.layers[-1]._A is None:
            raise RuntimeError("call forward before backward")
        m = self.layers[0]._X.shape[0]
        weight_decay = lam / m if m else 0.0
        delta = dY
        for index in range(len(self.layers) - 1, -1, -1):
            delta = self.layers[index].backward(delta, weight_decay, compute_dX=index > 0)
        return self.grads

    def cost(self, X, T, lam=0.0):
        """J = (1/m) sum_rows loss + lam/(2m) sum w^2; for the squared error the original assignment's
        J = 1/(2m) sum (y - t)^2 + lam/(2m) sum w^2."""
        lam = check_penalty(lam)
        Y = self.forward(X)
        self.check_targets(T, X.shape[0])
        m = max(X.shape[0], 1)
        return loss_sum(self.loss, Y, T) / m + lam * self.weight_sum_of_squares() / (2 * m)

    def cost_and_gradient(self, X, T, lam=0.0):
        """(J, flat gradient of J) for inputs X and targets T."""
        J = self.cost(X, T, lam)
        m = max(X.shape[0], 1)
        return J, self.backward(output_gradient(self.loss, self.layers[-1]._A, T) / self.dtype.type(m), lam)

    # -- copies -----------------------------------------------------------------------------------------
    def copy(self):
        """An independent model with the same architecture and weights."""
        twin = MLP(self.layer_sizes, self.hidden, self.output, self.dtype, loss=self.loss)
        twin.params[...] = self.params
        return twin

    def with_fixed_inputs(self, columns, values):
        """A copy that takes every input but `columns`, whose `values` are folded into the first layer's bias:
        the same outputs for inputs that are the same in every row (a photo's own descriptor), without
        multiplying them again for each row."""
        columns = np.asarray(columns, dtype=np.intp)
        keep = np.setdiff1d(np.arange(self.n_inputs), columns)
        first = self.layers[0]
        twin = MLP([len(keep), *self.layer_sizes[1:]], self.hidden, self.output, self.dtype, loss=self.loss)
        twin.params[len(keep) * first.n_out:] = self.params[first.W.size:]  # b0 and every later layer as they are
        twin.layers[0].W[...] = first.W[keep]
        # a sum of rows, not a matrix product: that would wake OpenBLAS's threads (see features.to_gray)
        fixed = (np.asarray(values, np.float64)[:, None] * first.W[columns].astype(np.float64)).sum(axis=0)
        twin.layers[0].b[...] = first.b + fixed
        return twin

    def __repr__(self):
        sizes = ", ".join(str(s) for s in self.layer_sizes)
        loss = "" if self.loss == "squared_error" else f", loss={self.loss!r}"
        return (f"MLP([{sizes}], hidden={self.hidden!r}, output={self.output!r}, dtype={self.dtype.name}{loss}, "
                f"{self.params.size:,} parameters)")


__all__ = ["ACTIVATIONS", "LOSSES", "Dense", "MLP", "init_scale"]
