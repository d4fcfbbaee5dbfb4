# Dense-layer kernels: forward, backward, and a whole Adam training epoch of an MLP.
#
# All arrays are C-contiguous and checked by the caller (colorcore/nn.py, colorcore/minibatch.py).
# Weights are stored (n_in, n_out) so that A = act(X @ W + b); the products are written as row-wise
# axpy loops whose inner loop runs over contiguous memory and vectorises.
from _types cimport floating, activate, activation_backward
from libc.stdlib cimport free, malloc

from _adam cimport adam_update


cdef enum:
    BLOCK = 16  # outputs per register block: 2 AVX registers of float32, 4 of float64


cdef inline bint is_narrow(Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """Narrow layers (fewer outputs than inputs, like 64 -> 3) run their products over n_in instead,
    with W transposed, because an inner loop over 3 outputs cannot use the vector units."""
    return n_out < n_in


cdef void transpose(const floating* A, floating* AT, Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    cdef Py_ssize_t r, c
    for r in range(rows):
        for c in range(cols):
            AT[c * rows + r] = A[r * cols + c]


cdef void affine(const floating* X, const floating* W, const floating* WT, const floating* b, floating* Z,
                 Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """Z = X @ W + b for X (m, n_in), W (n_in, n_out); WT = W^T for narrow layers, else NULL."""
    cdef Py_ssize_t i, k, j, j0
    cdef floating x, acc
    cdef floating acc_block[BLOCK]
    cdef floating* z
    cdef const floating* row
    cdef const floating* w
    for i in range(m):
        z = Z + i * n_out
        row = X + i * n_in
        if WT != NULL:
            for j in range(n_out):
                w = WT + j * n_in
                acc = b[j]
                for k in range(n_in):
                    acc += row[k] * w[k]
                z[j] = acc
        else:
            j0 = 0
            while j0 + BLOCK <= n_out:
                # A fixed-size block of outputs stays in vector registers across the whole k loop.
                for j in range(BLOCK):
                    acc_block[j] = b[j0 + j]
                for k in range(n_in):
                    x = row[k]
                    w = W + k * n_out + j0
                    for j in range(BLOCK):
                        acc_block[j] += x * w[j]
                for j in range(BLOCK):
                    z[j0 + j] = acc_block[j]
                j0 += BLOCK
            for j in range(j0, n_out):
                z[j] = b[j]
            for k in range(n_in):
                x = row[k]
                w = W + k * n_out
                for j in range(j0, n_out):
                    z[j] += x * w[j]


cdef void weight_gradient(const floating* X, const floating* dZ, const floating* W, floating* dW,
                          floating* db, floating* dWT, Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out,
                          floating weight_decay) noexcept nogil:
    """dW = X^T @ dZ + weight_decay * W and db = sum of dZ over rows.

    dWT is scratch of n_in * n_out for narrow layers (accumulates dW^T, rows over n_in), else NULL.
    """
    cdef Py_ssize_t i, k, j, j0
    cdef floating x, d
    cdef floating acc_block[BLOCK]
    cdef floating* dw
    cdef const floating* dz
    cdef const floating* row
    for j in range(n_out):
        db[j] = 0
    for i in range(m):
        dz = dZ + i * n_out
        for j in range(n_out):
            db[j] += dz[j]
    if dWT != NULL:
        for k in range(n_in * n_out):
            dWT[k] = 0
        for i in range(m):
            dz = dZ + i * n_out
            row = X + i * n_in
            for j in range(n_out):
                d = dz[j]
                dw = dWT + j * n_in
                for k in range(n_in):
                    dw[k] += d * row[k]
        for k in range(n_in):
            for j in range(n_out):
                dW[k * n_out + j] = dWT[j * n_in + k] + weight_decay * W[k * n_out + j]
        return
    for k in range(n_in):
        dw = dW + k * n_out
        j0 = 0
        while j0 + BLOCK <= n_out:
            # One block of a dW row stays in vector registers while the batch streams past.
            for j in range(BLOCK):
                acc_block[j] = weight_decay * W[k * n_out + j0 + j]
            for i in range(m):
                x = X[i * n_in + k]
                dz = dZ + i * n_out + j0
                for j in range(BLOCK):
                    acc_block[j] += x * dz[j]
            for j in range(BLOCK):
                dw[j0 + j] = acc_block[j]
            j0 += BLOCK
        for j in range(j0, n_out):
            dw[j] = weight_decay * W[k * n_out + j]
        for i in range(m):
            x = X[i * n_in + k]
            dz = dZ + i * n_out
            for j in range(j0, n_out):
                dw[j] += x * dz[j]


cdef void input_gradient(const floating* dZ, const floating* W, const floating* WT, floating* dX,
                         Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """dX = dZ @ W^T; WT = W^T for narrow layers, else NULL."""
    cdef Py_ssize_t i, k, j
    cdef floating acc, d
    cdef floating* dx
    cdef const floating* dz
    cdef const floating* w
    for i in range(m):
        dz = dZ + i * n_out
        dx = dX + i * n_in
        if WT != NULL:
            for k in range(n_in):
                dx[k] = 0
            for j in range(n_out):
                d = dz[j]
                w = WT + j * n_in
                for k in range(n_in):
                    dx[k] += d * w[k]
        else:
            for k in range(n_in):
                w = W + k * n_out
                acc = 0
                for j in range(n_out):
                    acc += dz[j] * w[j]
                dx[k] = acc


def dense_forward(floating[:, ::1] X, floating[:, ::1] W, floating[::1] b, floating[:, ::1] A,
                  int activation):
    """A = act(X @ W + b), written into A (m, n_out)."""
    cdef Py_ssize_t m = X.shape[0], n_in = W.shape[0], n_out = W.shape[1]
    cdef floating* WT = NULL
    if m == 0:
        return
    if is_narrow(n_in, n_out):
        WT = <floating*>malloc(n_in * n_out * sizeof(floating))
        if WT == NULL:
            raise MemoryError()
    with nogil:
        if WT != NULL:
            transpose(&W[0, 0], WT, n_in, n_out)
        affine(&X[0, 0], &W[0, 0], WT, &b[0], &A[0, 0], m, n_in, n_out)
        activate(&A[0, 0], m * n_out, activation)
    free(WT)


def dense_backward(floating[:, ::1] X, floating[:, ::1] W, floating[:, ::1] A, floating[:, ::1] dA,
                   int activation, double weight_decay, floating[:, ::1] dZ, floating[:, ::1] dW,
                   floating[::1] db, floating[:, ::1] dX, bint compute_dX):
    """From dL/dA and the saved output A: dZ = dA * act'(A); dW = X^T dZ + weight_decay W;
    db = column sums of dZ; dX = dZ W^T when compute_dX (the first layer skips it)."""
    cdef Py_ssize_t m = X.shape[0], n_in = W.shape[0], n_out = W.shape[1]
    # Layers are at least 1 wide (checked by the caller); an empty batch leaves only the decay term.
    cdef const floating* x = &X[0, 0] if m > 0 else NULL
    cdef floating* dz = &dZ[0, 0] if m > 0 else NULL
    cdef floating* scratch = NULL
    if is_narrow(n_in, n_out):
        scratch = <floating*>malloc(2 * n_in * n_out * sizeof(floating))
        if scratch == NULL:
            raise MemoryError()
    with nogil:
        if m > 0:
            activation_backward(&A[0, 0], &dA[0, 0], dz, m * n_out, activation)
        weight_gradient(x, dz, &W[0, 0], &dW[0, 0], &db[0], scratch, m, n_in, n_out, <floating>weight_decay)
        if compute_dX and m > 0:
            if scratch != NULL:
                transpose(&W[0, 0], scratch + n_in * n_out, n_in, n_out)
            input_gradient(dz, &W[0, 0], scratch + n_in * n_out if scratch != NULL else NULL, &dX[0, 0],
                           m, n_in, n_out)
    free(scratch)


cdef floating minibatch_step(const floating* X, const floating* T, const Py_ssize_t* rows, Py_ssize_t m,
                             const Py_ssize_t* sizes, const int* activations, Py_ssize_t n_layers,
                             floating* params, floating* grads, floating* workspace, Py_ssize_t max_width,
                             Py_ssize_t max_weights, floating lam) noexcept nogil:
    """Forward and backward over the rows X[rows]; fills grads and returns the summed squared error.

    Workspace layout: W^T and dW^T scratch, the gathered inputs, each layer's output, two delta buffers.
    """
    cdef Py_ssize_t layer, i, j, n_in, n_out, offset
    cdef Py_ssize_t n_inputs = sizes[0], n_outputs = sizes[n_layers]
    cdef floating* WT = workspace
    cdef floating* dWT = workspace + max_weights
    cdef floating* inputs = workspace + 2 * max_weights
    cdef floating* outputs
    cdef floating* delta_out
    cdef floating* delta_in
    cdef floating* spare
    cdef bint narrow
    cdef floating diff, sse = 0
    cdef floating inv_m = (<floating>1) / m
    for i in range(m):
        for j in range(n_inputs):
            inputs[i * n_inputs + j] = X[rows[i] * n_inputs + j]
    outputs = inputs
    offset = 0
    for layer in range(n_layers):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        inputs, outputs = outputs, outputs + m * n_in
        narrow = is_narrow(n_in, n_out)
        if narrow:
            transpose(params + offset, WT, n_in, n_out)
        affine(inputs, params + offset, WT if narrow else NULL, params + offset + n_in * n_out, outputs,
               m, n_in, n_out)
        activate(outputs, m * n_out, activations[layer])
        offset += n_in * n_out + n_out
    delta_out = outputs + m * n_outputs
    delta_in = delta_out + m * max_width
    # dJ/dY of J = 1/(2m) sum (y - t)^2, then back through the layers.
    for i in range(m):
        for j in range(n_outputs):
            diff = outputs[i * n_outputs + j] - T[rows[i] * n_outputs + j]
            sse += diff * diff
            delta_out[i * n_outputs + j] = diff * inv_m
    for layer in range(n_layers - 1, -1, -1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        offset -= n_in * n_out + n_out
        inputs = outputs - m * n_in
        narrow = is_narrow(n_in, n_out)
        activation_backward(outputs, delta_out, delta_out, m * n_out, activations[layer])
        weight_gradient(inputs, delta_out, params + offset, grads + offset, grads + offset + n_in * n_out,
                        dWT if narrow else NULL, m, n_in, n_out, lam * inv_m)
        if layer > 0:
            if narrow:
                transpose(params + offset, WT, n_in, n_out)
            input_gradient(delta_out, params + offset, WT if narrow else NULL, delta_in, m, n_in, n_out)
            spare = delta_out
            delta_out, delta_in = delta_in, spare
        outputs = inputs
    return sse


cdef void layer_extents(const Py_ssize_t[::1] sizes, Py_ssize_t* total, Py_ssize_t* widest,
                        Py_ssize_t* largest_weights) noexcept nogil:
    """Sum and maximum of the layer widths, and the largest weight matrix."""
    cdef Py_ssize_t layer
    total[0] = widest[0] = largest_weights[0] = 0
    for layer in range(sizes.shape[0]):
        total[0] += sizes[layer]
        widest[0] = max(widest[0], sizes[layer])
        if layer > 0:
            largest_weights[0] = max(largest_weights[0], sizes[layer - 1] * sizes[layer])


def epoch_workspace_size(const Py_ssize_t[::1] sizes, Py_ssize_t batch_size):
    """Number of elements train_epoch needs in `workspace` for these layer sizes and batch size."""
    cdef Py_ssize_t total, widest, largest_weights
    layer_extents(sizes, &total, &widest, &largest_weights)
    return batch_size * (total + 2 * widest) + 2 * largest_weights


def train_epoch(floating[:, ::1] X, floating[:, ::1] T, const Py_ssize_t[::1] order,
                const Py_ssize_t[::1] sizes, const int[::1] activations,
                floating[::1] params, floating[::1] grads, floating[::1] m1, floating[::1] m2,
                floating[::1] workspace, Py_ssize_t batch_size,
                double lr, double beta1, double beta2, double eps, double lam, Py_ssize_t step):
    """One epoch of minibatch Adam on the seed's cost, entirely in C.

    Visits the rows of X and T in `order`, batch_size at a time (the last batch may be smaller); for each
    minibatch computes the gradient of 1/(2m) sum (y - t)^2 + lam/(2m) sum w^2 into `grads` and takes one
    Adam step on the flat `params` (layout: W0, b0, W1, b1, ...) with moments m1, m2. `workspace` holds
    epoch_workspace_size(sizes, min(batch_size, n)) elements.
    Returns (step after the epoch, summed squared error of the minibatches before their updates).
    """
    cdef Py_ssize_t n = order.shape[0], n_layers = sizes.shape[0] - 1, n_params = params.shape[0]
    cdef Py_ssize_t start, m, total, widest, largest_weights
    cdef double sse = 0
    if n == 0 or n_params == 0:
        return step, 0.0
    with nogil:
        layer_extents(sizes, &total, &widest, &largest_weights)
        start = 0
        while start < n:
            m = min(batch_size, n - start)
            sse += minibatch_step(&X[0, 0], &T[0, 0], &order[start], m, &sizes[0], &activations[0], n_layers,
                                  &params[0], &grads[0], &workspace[0], widest, largest_weights,
                                  <floating>lam)
            step += 1
            adam_update(&params[0], &grads[0], &m1[0], &m2[0], n_params, lr, beta1, beta2, eps, step)
            start += m
    return step, sse
