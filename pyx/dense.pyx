# Dense-layer kernels: forward, backward, and a whole Adam training epoch of an MLP.
#
# All arrays are C-contiguous and checked by the caller (colorcore/nn.py, colorcore/minibatch.py).
# Weights are stored (n_in, n_out) so that A = act(X @ W + b). Wide products accumulate a row of outputs
# in registers (accumulate_block); narrow layers (64 -> 3) run their loops over the inputs instead.
from _types cimport floating, activate, activation_backward
from cython.parallel cimport prange
from libc.stdlib cimport free, malloc

from _adam cimport adam_update


cdef inline bint is_narrow(Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """Narrow layers (fewer outputs than inputs, like 64 -> 3) run their products over n_in instead,
    with W transposed, because an inner loop over 3 outputs cannot use the vector units."""
    return n_out < n_in


cdef void transpose(const floating* A, floating* AT, Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    cdef Py_ssize_t r, c
    for r in range(rows):
        for c in range(cols):
            AT[c * rows + r] = A[r * cols + c]


cdef enum:
    # Accumulators per register block: 8 AVX registers, i.e. 64 float32 or 32 float64 values. Measured
    # with gcc 12: one row of 8 vector accumulators keeps them all in registers (about 19 GMAC/s here),
    # while blocks of several rows (4 x 16, 8 x 8) spill them to the stack (2 to 6 GMAC/s).
    BLOCK_FLOAT = 64
    BLOCK_DOUBLE = 32


cdef void accumulate_block(const floating* L, Py_ssize_t l_k, const floating* R, Py_ssize_t r_k,
                           Py_ssize_t K, floating* C) noexcept nogil:
    """C[0:block] += sum_k L[k * l_k] * R[k * r_k + 0:block], the accumulators held in registers."""
    cdef floating acc[BLOCK_FLOAT]
    cdef floating x
    cdef const floating* r
    cdef Py_ssize_t k, j
    # A compile-time constant in each specialisation, so gcc unrolls the j loops into registers.
    cdef Py_ssize_t block = BLOCK_FLOAT if floating is float else BLOCK_DOUBLE
    for j in range(block):
        acc[j] = C[j]
    for k in range(K):
        x = L[k * l_k]
        r = R + k * r_k
        for j in range(block):
            acc[j] += x * r[j]
    for j in range(block):
        C[j] = acc[j]


# The block kernels are called through these pointers, set at import, so that gcc cannot inline them:
# inlined into their callers, their accumulators were spilled to the stack and ran at half the speed.
cdef void (*float_block)(const float*, Py_ssize_t, const float*, Py_ssize_t, Py_ssize_t, float*) noexcept nogil
cdef void (*double_block)(const double*, Py_ssize_t, const double*, Py_ssize_t, Py_ssize_t, double*) noexcept nogil
float_block = accumulate_block[float]
double_block = accumulate_block[double]


cdef void accumulate_product(const floating* L, Py_ssize_t l_row, Py_ssize_t l_k, const floating* R,
                             Py_ssize_t r_k, Py_ssize_t K, floating* C, Py_ssize_t rows,
                             Py_ssize_t cols) noexcept nogil:
    """C (rows, cols; row stride cols) += L @ R where L[r, k] = L[r * l_row + k * l_k], R[k, c] = R[k * r_k + c].

    Whole column blocks go through accumulate_block; the columns right of the last block take a plain loop.
    """
    cdef Py_ssize_t block = BLOCK_FLOAT if floating is float else BLOCK_DOUBLE
    cdef Py_ssize_t full_cols = cols - cols % block
    cdef Py_ssize_t r, c0, c, k
    cdef floating x
    for r in range(rows):
        for c0 in range(0, full_cols // block):
            if floating is float:
                float_block(L + r * l_row, l_k, R + c0 * block, r_k, K, C + r * cols + c0 * block)
            else:
                double_block(L + r * l_row, l_k, R + c0 * block, r_k, K, C + r * cols + c0 * block)
        if full_cols < cols:
            for k in range(K):
                x = L[r * l_row + k * l_k]
                for c in range(full_cols, cols):
                    C[r * cols + c] += x * R[k * r_k + c]


cdef void affine(const floating* X, const floating* W, const floating* WT, const floating* b, floating* Z,
                 Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """Z = X @ W + b for X (m, n_in), W (n_in, n_out); WT = W^T for narrow layers, else NULL."""
    cdef Py_ssize_t i, k, j
    cdef floating acc
    cdef const floating* row
    cdef const floating* w
    if WT != NULL:
        for i in range(m):
            row = X + i * n_in
            for j in range(n_out):
                w = WT + j * n_in
                acc = b[j]
                for k in range(n_in):
                    acc += row[k] * w[k]
                Z[i * n_out + j] = acc
        return
    for i in range(m):
        for j in range(n_out):
            Z[i * n_out + j] = b[j]
    accumulate_product(X, n_in, 1, W, n_out, n_in, Z, m, n_out)


cdef void weight_gradient(const floating* X, const floating* dZ, const floating* W, floating* dW,
                          floating* db, floating* dWT, Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out,
                          floating weight_decay) noexcept nogil:
    """dW = X^T @ dZ + weight_decay * W and db = sum of dZ over rows.

    dWT is scratch of n_in * n_out for narrow layers (accumulates dW^T, rows over n_in), else NULL.
    """
    cdef Py_ssize_t i, k, j
    cdef floating d
    cdef floating* dw
    cdef const floating* dz
    cdef const floating* row
    for j in range(n_out):
        db[j] = 0
    for i in range(m):
        dz = dZ + i * n_out
        for j in range(n_out):
            db[j] += dz[j]
    if dWT == NULL:
        for k in range(n_in * n_out):
            dW[k] = weight_decay * W[k]
        accumulate_product(X, 1, n_in, dZ, n_out, m, dW, n_in, n_out)  # dW[k, :] += sum_i X[i, k] dZ[i, :]
        return
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


cdef void input_gradient(const floating* dZ, const floating* W, const floating* WT, floating* dX,
                         Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """dX = dZ @ W^T; WT = W^T for narrow layers, else NULL."""
    cdef Py_ssize_t i, k, j
    cdef floating d
    cdef floating* dx
    cdef const floating* w
    if WT == NULL:
        for i in range(m):
            for k in range(n_in):
                w = W + k * n_out
                d = 0
                for j in range(n_out):
                    d += dZ[i * n_out + j] * w[j]
                dX[i * n_in + k] = d
        return
    for i in range(m):
        dx = dX + i * n_in
        for k in range(n_in):
            dx[k] = 0
        for j in range(n_out):
            d = dZ[i * n_out + j]
            w = WT + j * n_in
            for k in range(n_in):
                dx[k] += d * w[k]


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


cdef enum:
    # A large minibatch is split into this many shards whatever the thread count, so the gradient sums
    # run in the same order with 1 thread or 2: results are bit-identical across thread counts.
    SHARDS = 2
    # Smaller minibatches are one shard: measured here, the barrier and the wait for the second core
    # cost more than half a small minibatch saves. The choice depends on the rows, never on threads.
    PARALLEL_MIN_BATCH = 192


cdef double shard_gradient(const floating* X, const floating* T, const Py_ssize_t* rows, Py_ssize_t m,
                           const Py_ssize_t* sizes, const int* activations, Py_ssize_t n_layers,
                           const floating* params, floating* grads, floating* workspace, Py_ssize_t max_width,
                           Py_ssize_t max_weights, floating inv_batch, floating weight_decay) noexcept nogil:
    """Forward and backward over the rows X[rows] (one shard of a minibatch); fills grads and returns the
    shard's summed squared error. inv_batch is 1 / (minibatch size); weight_decay is lam / (minibatch
    size) for the shard that carries the penalty and 0 for the others.

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
    cdef floating diff
    cdef double sse = 0
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
            delta_out[i * n_outputs + j] = diff * inv_batch
    for layer in range(n_layers - 1, -1, -1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        offset -= n_in * n_out + n_out
        inputs = outputs - m * n_in
        narrow = is_narrow(n_in, n_out)
        activation_backward(outputs, delta_out, delta_out, m * n_out, activations[layer])
        weight_gradient(inputs, delta_out, params + offset, grads + offset, grads + offset + n_in * n_out,
                        dWT if narrow else NULL, m, n_in, n_out, weight_decay)
        if layer > 0:
            if narrow:
                transpose(params + offset, WT, n_in, n_out)
            input_gradient(delta_out, params + offset, WT if narrow else NULL, delta_in, m, n_in, n_out)
            spare = delta_out
            delta_out, delta_in = delta_in, spare
        outputs = inputs
    return sse


cdef struct Extents:
    Py_ssize_t total_width      # sum of the layer widths
    Py_ssize_t widest           # widest layer
    Py_ssize_t largest_weights  # elements of the largest weight matrix
    Py_ssize_t n_params         # weights and biases of all layers


cdef Extents layer_extents(const Py_ssize_t[::1] sizes) noexcept nogil:
    cdef Extents e
    cdef Py_ssize_t layer
    e.total_width = e.widest = e.largest_weights = e.n_params = 0
    for layer in range(sizes.shape[0]):
        e.total_width += sizes[layer]
        e.widest = max(e.widest, sizes[layer])
        if layer > 0:
            e.largest_weights = max(e.largest_weights, sizes[layer - 1] * sizes[layer])
            e.n_params += sizes[layer - 1] * sizes[layer] + sizes[layer]
    return e


cdef inline Py_ssize_t shard_workspace(Extents e, Py_ssize_t shard_rows) noexcept nogil:
    return shard_rows * (e.total_width + 2 * e.widest) + 2 * e.largest_weights


cdef inline Py_ssize_t shard_capacity(Py_ssize_t batch_size) noexcept nogil:
    """Rows a shard must hold: half a large minibatch, or a whole small one (one shard)."""
    return max((batch_size + SHARDS - 1) // SHARDS, min(batch_size, PARALLEL_MIN_BATCH - 1))


def epoch_workspace_size(const Py_ssize_t[::1] sizes, Py_ssize_t batch_size):
    """Number of elements train_epoch needs in `workspace` for these layer sizes and batch size:
    per shard its scratch, plus a gradient vector for every shard after the first."""
    cdef Extents e = layer_extents(sizes)
    return SHARDS * shard_workspace(e, shard_capacity(batch_size)) + (SHARDS - 1) * e.n_params


def train_epoch(floating[:, ::1] X, floating[:, ::1] T, const Py_ssize_t[::1] order,
                const Py_ssize_t[::1] sizes, const int[::1] activations,
                floating[::1] params, floating[::1] grads, floating[::1] m1, floating[::1] m2,
                floating[::1] workspace, Py_ssize_t batch_size,
                double lr, double beta1, double beta2, double eps, double lam, Py_ssize_t step,
                int n_threads=1):
    """One epoch of minibatch Adam on the seed's cost, entirely in C.

    Visits the rows of X and T in `order`, batch_size at a time (the last batch may be smaller); for each
    minibatch computes the gradient of 1/(2m) sum (y - t)^2 + lam/(2m) sum w^2 into `grads` and takes one
    Adam step on the flat `params` (layout: W0, b0, W1, b1, ...) with moments m1, m2. `workspace` holds
    epoch_workspace_size(sizes, min(batch_size, n)) elements. The shards of a minibatch run on up to
    n_threads OpenMP threads where the build has OpenMP; the result does not depend on n_threads.
    Returns (step after the epoch, summed squared error of the minibatches before their updates).
    """
    cdef Py_ssize_t n = order.shape[0], n_layers = sizes.shape[0] - 1, n_params = params.shape[0]
    cdef Extents e = layer_extents(sizes)
    cdef Py_ssize_t start, m, shard, first, count, k, stride, n_shards, per_shard
    cdef double sse = 0
    cdef double shard_sse[SHARDS]
    cdef floating* shard_grads[SHARDS]
    cdef floating inv_batch
    if n == 0:
        return step, 0.0
    n_threads = max(1, min(n_threads, SHARDS))
    stride = shard_workspace(e, shard_capacity(min(batch_size, n)))
    shard_grads[0] = &grads[0]
    for shard in range(1, SHARDS):
        shard_grads[shard] = &workspace[0] + SHARDS * stride + (shard - 1) * n_params
    with nogil:
        start = 0
        while start < n:
            m = min(batch_size, n - start)
            inv_batch = (<floating>1) / m
            n_shards = SHARDS if m >= PARALLEL_MIN_BATCH else 1
            per_shard = (m + n_shards - 1) // n_shards
            for shard in prange(n_shards, schedule="static", num_threads=n_threads, use_threads_if=n_shards > 1):
                first = min(m, shard * per_shard)
                count = min(m, first + per_shard) - first
                shard_sse[shard] = shard_gradient(
                    &X[0, 0], &T[0, 0], &order[0] + start + first, count, &sizes[0], &activations[0], n_layers,
                    &params[0], shard_grads[shard], &workspace[0] + shard * stride, e.widest,
                    e.largest_weights, inv_batch, <floating>(lam / m) if shard == 0 else 0)
            for shard in range(n_shards):
                sse += shard_sse[shard]
            for shard in range(1, n_shards):
                for k in range(n_params):
                    grads[k] += shard_grads[shard][k]
            step += 1
            adam_update(&params[0], &grads[0], &m1[0], &m2[0], n_params, lr, beta1, beta2, eps, step)
            start += m
    return step, sse
