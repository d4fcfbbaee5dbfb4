# Dense-layer kernels: forward, backward, and a whole Adam training epoch of an MLP.
#
# All arrays are C-contiguous and checked by the caller (colorcore/nn.py, colorcore/minibatch.py).
# Weights are stored (n_in, n_out) so that A = act(X @ W + b). Float32 products go through the 6 x 16
# register blocks of _gemm.h where the build has AVX2 and FMA; elsewhere, and in float64, they accumulate
# a row of up to 64 outputs in registers (accumulate_block). Narrow layers (64 -> 3) run their products
# along the inputs instead, with W transposed, so that the long side is the one in the vector registers.
from _types cimport (IDENTITY, SQUARED_ERROR, activate, activation_backward, exponential, floating,
                    logarithm)
from cython.parallel cimport parallel, threadid
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from _adam cimport AdamStep, adam_step_at, adam_update


cdef extern from *:
    """
    #if defined(_OPENMP)
    #include <omp.h>
    static int colorcore_team_size(void) { return omp_get_num_threads(); }
    #else
    static int colorcore_team_size(void) { return 1; }
    #endif

    /* A tag on its own cache line: which minibatch a shard's gradient in the shared buffers belongs to. */
    #if defined(__GNUC__) || defined(__clang__)
    typedef struct { long minibatch; } __attribute__((aligned(64))) colorcore_tag;
    #else
    typedef struct { long minibatch; char pad[64 - sizeof(long)]; } colorcore_tag;
    #endif

    #include "_clock.h"

    #if defined(__GNUC__) || defined(__clang__)
    #if defined(__x86_64__) || defined(__i386__)
    #define colorcore_pause() __builtin_ia32_pause()
    #elif defined(__aarch64__)
    #define colorcore_pause() __asm__ __volatile__("yield")
    #else
    #define colorcore_pause() ((void)0)
    #endif
    static void colorcore_publish(colorcore_tag* tag, long minibatch) {
        __atomic_store_n(&tag->minibatch, minibatch, __ATOMIC_RELEASE);
    }
    static int colorcore_solo(int* solo) { return __atomic_load_n(solo, __ATOMIC_ACQUIRE); }
    /* The first thread to claim the epoch for itself wins (returns 1); the other must stop. */
    static int colorcore_claim(int* solo, int thread) {
        int nobody = -1;
        return __atomic_compare_exchange_n(solo, &nobody, thread, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    }
    /* Wait until the tag shows `minibatch` (then 1), or until a thread claims the epoch or `patience_ns`
       pass (then 0). Never sleeps: a partner that is not running is not waited for, it is replaced. */
    static int colorcore_await(colorcore_tag* tag, long minibatch, int* solo, long long patience_ns) {
        long long deadline = 0;
        int spins = 0;
        if (patience_ns <= 0) return __atomic_load_n(&tag->minibatch, __ATOMIC_ACQUIRE) == minibatch;
        while (__atomic_load_n(&tag->minibatch, __ATOMIC_ACQUIRE) != minibatch) {
            if (__atomic_load_n(solo, __ATOMIC_ACQUIRE) >= 0) return 0;
            colorcore_pause();
            if (++spins % 64 == 0) {
                long long now = colorcore_now_ns();
                if (deadline == 0) deadline = now + patience_ns;
                else if (now > deadline) return 0;
            }
        }
        return 1;
    }
    #else
    /* Without gcc/clang atomics the team gives up sharing at once: each thread works alone and the
       first to finish a minibatch keeps the epoch (the results are the same). */
    static void colorcore_publish(colorcore_tag* tag, long minibatch) { (void)tag; (void)minibatch; }
    static int colorcore_solo(int* solo) {
        int value;
    #pragma omp atomic read
        value = *solo;
        return value;
    }
    static int colorcore_claim(int* solo, int thread) {
        int won = 0;
    #pragma omp critical(colorcore_claim)
        { if (*solo < 0) { *solo = thread; won = 1; } }
        return won;
    }
    static int colorcore_await(colorcore_tag* tag, long minibatch, int* solo, long long patience_ns) {
        (void)tag; (void)minibatch; (void)solo; (void)patience_ns;
        return 0;
    }
    #endif

    /* Into L2 only (prefetcht2 on x86): requests into L1 tied up its few miss buffers, and the gather then
       waited on them; a 256-row minibatch took 7 to 10% longer. */
    #if defined(__GNUC__) || defined(__clang__)
    #define colorcore_prefetch(address) __builtin_prefetch(address, 0, 1)
    #else
    #define colorcore_prefetch(address) ((void)(address))
    #endif
    """
    # Threads in the current parallel region; the minibatch tags and the calls that publish, await and
    # claim (see the C above); a monotonic clock; a cache prefetch hint.
    int team_size "colorcore_team_size"() noexcept nogil
    ctypedef struct Tag "colorcore_tag":
        long minibatch
    void publish "colorcore_publish"(Tag* tag, long minibatch) noexcept nogil
    bint await_tag "colorcore_await"(Tag* tag, long minibatch, int* solo, long long patience_ns) noexcept nogil
    int solo_thread "colorcore_solo"(int* solo) noexcept nogil
    bint claim_epoch "colorcore_claim"(int* solo, int thread) noexcept nogil
    long long now_ns "colorcore_now_ns"() noexcept nogil
    void prefetch "colorcore_prefetch"(const void* address) noexcept nogil


cdef extern from "_gemm.h":
    # 1 where the build targets AVX2 and FMA; cc_sgemm computes C = start + L @ R like multiply().
    int HAVE_SGEMM "COLORCORE_HAVE_SGEMM"
    void cc_sgemm(const float* L, Py_ssize_t l_row, Py_ssize_t l_k, const float* R, Py_ssize_t r_k, Py_ssize_t K,
                  const float* start, Py_ssize_t start_row, float* C, Py_ssize_t ldc, Py_ssize_t rows,
                  Py_ssize_t cols) noexcept nogil


cdef enum:
    # Layers with fewer outputs than this (and than inputs) are narrow: a vector of 8 floats would be
    # mostly empty along their outputs.
    NARROW_OUTPUTS = 16


cdef inline bint is_narrow(Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """Narrow layers (a few outputs from more inputs, like 64 -> 3) run their products over n_in instead,
    with W transposed, because an inner loop over 3 outputs cannot use the vector units."""
    return n_out < n_in and n_out < NARROW_OUTPUTS


cdef inline floating* first_line(floating* p) noexcept nogil:
    """The first address on a 64-byte cache-line boundary from p on: at most 15 float32 or 7 float64 further
    (NumPy aligns an array to its element size)."""
    return <floating*>(<char*>p + (64 - <size_t>p % 64) % 64)


cdef inline Py_ssize_t whole_lines(Py_ssize_t n) noexcept nogil:
    """n rounded up to whole cache lines of 16 elements, so that vectors placed one after another keep the
    same alignment and no two threads' vectors share a line."""
    return (n + 15) // 16 * 16


cdef void transpose(const floating* A, floating* AT, Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    cdef Py_ssize_t r, c
    for r in range(rows):
        for c in range(cols):
            AT[c * rows + r] = A[r * cols + c]


cdef enum:
    # Accumulators per register block of the portable path (float64 everywhere, float32 without AVX2 and
    # FMA): 8 AVX registers, i.e. 64 float32 or 32 float64 values. Written as arrays, blocks of several rows
    # spilled to the stack with gcc 12; _gemm.h gets 6-row blocks into registers with named variables.
    BLOCK_FLOAT = 64
    BLOCK_DOUBLE = 32


cdef void accumulate_block(const floating* L, Py_ssize_t l_k, const floating* R, Py_ssize_t r_k,
                           Py_ssize_t K, const floating* start, floating* C) noexcept nogil:
    """C[0:block] = start[0:block] + sum_k L[k * l_k] * R[k * r_k + 0:block], the accumulators held in
    registers; start NULL means zeros, and start may be C itself."""
    cdef floating acc[BLOCK_FLOAT]
    cdef floating x
    cdef const floating* r
    cdef Py_ssize_t k, j
    # A compile-time constant in each specialisation, so gcc unrolls the j loops into registers.
    cdef Py_ssize_t block = BLOCK_FLOAT if floating is float else BLOCK_DOUBLE
    if K == 0:
        for j in range(block):
            C[j] = start[j] if start != NULL else 0
        return
    # The start values enter with the first product: a plain copy into acc would become a memcpy through
    # the stack, and acc would no longer live in registers.
    x = L[0]
    if start != NULL:
        for j in range(block):
            acc[j] = start[j] + x * R[j]
    else:
        for j in range(block):
            acc[j] = x * R[j]
    for k in range(1, K):
        x = L[k * l_k]
        r = R + k * r_k
        for j in range(block):
            acc[j] += x * r[j]
    for j in range(block):
        C[j] = acc[j]


# The block kernels are called through these pointers, set at import, so that gcc cannot inline them:
# inlined into their callers, their accumulators were spilled to the stack and ran at half the speed.
cdef void (*float_block)(const float*, Py_ssize_t, const float*, Py_ssize_t, Py_ssize_t, const float*,
                         float*) noexcept nogil
cdef void (*double_block)(const double*, Py_ssize_t, const double*, Py_ssize_t, Py_ssize_t, const double*,
                          double*) noexcept nogil
float_block = accumulate_block[float]
double_block = accumulate_block[double]


cdef void multiply(const floating* L, Py_ssize_t l_row, Py_ssize_t l_k, const floating* R, Py_ssize_t r_k,
                   Py_ssize_t K, const floating* start, Py_ssize_t start_row, floating* C, Py_ssize_t rows,
                   Py_ssize_t cols) noexcept nogil:
    """C = start + L @ R for C (rows, cols; row stride cols), where L[r, k] = L[r * l_row + k * l_k] and
    R[k, c] = R[k * r_k + c]. Row r of start begins at start + r * start_row: start_row 0 repeats one row
    (a bias), start = C with start_row = cols accumulates onto C, and start NULL means zeros.

    Whole column blocks go through accumulate_block; the columns right of the last block take a plain loop.
    """
    cdef Py_ssize_t block = BLOCK_FLOAT if floating is float else BLOCK_DOUBLE
    cdef Py_ssize_t full_cols = cols - cols % block
    cdef Py_ssize_t r, c, k, b
    cdef const floating* first
    cdef floating acc
    if floating is float:
        if HAVE_SGEMM:
            cc_sgemm(L, l_row, l_k, R, r_k, K, start, start_row, C, cols, rows, cols)
            return
    for r in range(rows):
        for b in range(full_cols // block):
            c = b * block
            first = start + r * start_row + c if start != NULL else NULL
            if floating is float:
                float_block(L + r * l_row, l_k, R + c, r_k, K, first, C + r * cols + c)
            else:
                double_block(L + r * l_row, l_k, R + c, r_k, K, first, C + r * cols + c)
        for c in range(full_cols, cols):
            acc = start[r * start_row + c] if start != NULL else 0
            for k in range(K):
                acc += L[r * l_row + k * l_k] * R[k * r_k + c]
            C[r * cols + c] = acc


cdef void affine(const floating* X, const floating* W, const floating* WT, const floating* b, floating* Z,
                 Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """Z = X @ W + b for X (m, n_in), W (n_in, n_out). Narrow layers take one dot product per output
    with WT = W^T (the products run over n_in); other layers pass WT = NULL."""
    cdef Py_ssize_t i, k, j
    cdef floating acc
    cdef const floating* row
    cdef const floating* w
    if WT == NULL:
        multiply(X, n_in, 1, W, n_out, n_in, b, 0, Z, m, n_out)
        return
    for i in range(m):
        row = X + i * n_in
        for j in range(n_out):
            w = WT + j * n_in
            acc = b[j]
            for k in range(n_in):
                acc += row[k] * w[k]
            Z[i * n_out + j] = acc


cdef void weight_gradient(const floating* X, const floating* dZ, floating* dW, floating* db, Py_ssize_t m,
                          Py_ssize_t n_in, Py_ssize_t n_out, bint transposed, bint accumulate) noexcept nogil:
    """dW = X^T @ dZ (n_in, n_out) and db = the column sums of dZ, over m rows. With `transposed`, dW holds
    dW^T = dZ^T @ X (n_out, n_in) instead, so that narrow layers have their long side in the registers.
    With `accumulate` the sums are added to dW and db instead of replacing them."""
    cdef Py_ssize_t i, j
    cdef const floating* start = dW if accumulate else NULL
    if not accumulate:
        for j in range(n_out):
            db[j] = 0
    for i in range(m):
        for j in range(n_out):
            db[j] += dZ[i * n_out + j]
    if transposed:
        multiply(dZ, 1, n_out, X, n_in, m, start, n_in, dW, n_out, n_in)  # dW^T[j, :] = sum_i dZ[i, j] X[i, :]
    else:
        multiply(X, 1, n_in, dZ, n_out, m, start, n_out, dW, n_in, n_out)  # dW[k, :] = sum_i X[i, k] dZ[i, :]


cdef void add_weight_penalty(const floating* W, floating* dW, const floating* dWT, Py_ssize_t n_in,
                             Py_ssize_t n_out, floating weight_decay) noexcept nogil:
    """dW += weight_decay * W, where a narrow layer's sum is still transposed in dWT: dW = dWT^T + weight_decay
    * W. Other layers pass dWT = NULL."""
    cdef Py_ssize_t k, j
    if dWT == NULL:
        for k in range(n_in * n_out):
            dW[k] += weight_decay * W[k]
        return
    for k in range(n_in):
        for j in range(n_out):
            dW[k * n_out + j] = dWT[j * n_in + k] + weight_decay * W[k * n_out + j]


cdef void input_gradient(const floating* dZ, const floating* WT, const floating* X, int activation, floating* dX,
                         Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """dX = dZ @ W^T, given WT = W^T (n_out, n_in), times the derivative of the activation that produced
    the layer's input X (IDENTITY: none). Narrow layers go a row at a time, so that each row of dX is still
    in the L1 cache when its derivative is applied; wide layers take all rows in one product, whose
    register blocks span several rows."""
    cdef Py_ssize_t i, j, k
    cdef floating* row
    cdef const floating* dz
    if not is_narrow(n_in, n_out):
        multiply(dZ, n_out, 1, WT, n_in, n_out, <const floating*>NULL, 0, dX, m, n_in)
        if activation != IDENTITY:
            activation_backward(X, dX, dX, m * n_in, activation)
        return
    for i in range(m):
        row = dX + i * n_in
        dz = dZ + i * n_out
        for k in range(n_in):  # a few long axpys: cheaper than a register block for so short a sum
            row[k] = dz[0] * WT[k]
        for j in range(1, n_out):
            for k in range(n_in):
                row[k] += dz[j] * WT[j * n_in + k]
        if activation != IDENTITY:
            activation_backward(X + i * n_in, row, row, n_in, activation)


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
    cdef bint narrow = is_narrow(n_in, n_out)
    # Scratch: dW^T for narrow layers, then W^T for dX.
    cdef floating* scratch = <floating*>malloc(2 * n_in * n_out * sizeof(floating))
    cdef floating* dWT = scratch if narrow else NULL
    if scratch == NULL:
        raise MemoryError()
    with nogil:
        if m > 0:
            activation_backward(&A[0, 0], &dA[0, 0], dz, m * n_out, activation)
        weight_gradient(x, dz, dWT if narrow else &dW[0, 0], &db[0], m, n_in, n_out, narrow, False)
        add_weight_penalty(&W[0, 0], &dW[0, 0], dWT, n_in, n_out, <floating>weight_decay)
        if compute_dX and m > 0:
            transpose(&W[0, 0], scratch + n_in * n_out, n_in, n_out)
            input_gradient(dz, scratch + n_in * n_out, NULL, IDENTITY, &dX[0, 0], m, n_in, n_out)
    free(scratch)


cdef enum:
    # A large minibatch is split into this many shards whatever the thread count, so the gradient sums
    # run in the same order with 1 thread or 2: results are bit-identical across thread counts.
    SHARDS = 2
    # Smaller minibatches are one shard: measured here (medians), a minibatch of 8 rows took 5.6 us on one
    # thread and 7.1 us on two; 16 rows took 9.5 and 8.7 us. The choice depends on the rows, never on threads.
    PARALLEL_MIN_BATCH = 16


cdef inline void prefetch_rows(const floating* A, Py_ssize_t width, const Py_ssize_t* rows,
                               Py_ssize_t count) noexcept nogil:
    """Ask the cache for rows A[rows[i]] (width elements each) ahead of their use."""
    cdef Py_ssize_t i, offset
    cdef Py_ssize_t row_bytes = width * sizeof(floating)
    cdef const char* row
    for i in range(count):
        row = <const char*>(A + rows[i] * width)
        for offset in range(0, row_bytes, 64):
            prefetch(row + offset)
        prefetch(row + row_bytes - 1)  # the row's last line when it straddles one more


cdef enum:
    # Rows are requested from memory this many rows ahead of their gather: random rows of a large X miss
    # every cache, and requesting a whole minibatch at once would push earlier requests out of L1.
    PREFETCH_ROWS = 16
    # Rows per tile of a shard's forward and backward pass, so that the scratch space does not grow with
    # the minibatch and a tile's activations and deltas (25-64-3: about 56 KB) stay in the core's L2.
    TILE_ROWS = 64


cdef floating output_delta(floating* Y, floating* delta, Py_ssize_t m, Py_ssize_t n_out, int loss,
                           int activation, floating inv_batch) noexcept nogil:
    """dJ/dZ of the output layer for m rows, written over the targets in `delta`; returns the rows' summed
    loss (colorcore/losses.py defines both). Squared error: 1/2 sum (y - t)^2, delta = (y - t) act'(z) / m.
    Softmax cross-entropy on the logits Y (a linear output layer): -sum t log softmax(y), delta =
    (softmax(y) sum t - t) / m; Y is left holding the probabilities. A tile's sum (at most 64 rows) is
    kept in the floating type; the shard adds the tiles up in double."""
    cdef Py_ssize_t i, c
    cdef floating diff, total = 0, top, norm, mass, log_norm
    cdef floating* y
    cdef floating* t
    if loss == SQUARED_ERROR:
        # One contiguous loop over the tile, the targets read from where the gather put them.
        for i in range(m * n_out):
            diff = Y[i] - delta[i]
            total += diff * diff
            delta[i] = diff * inv_batch
        if activation != IDENTITY:
            activation_backward(Y, delta, delta, m * n_out, activation)
        return total / 2
    for i in range(m):
        y = Y + i * n_out
        t = delta + i * n_out
        top = y[0]
        for c in range(1, n_out):
            top = max(top, y[c])
        norm = 0
        mass = 0
        for c in range(n_out):
            y[c] = y[c] - top  # log-probabilities up to log_norm
            total -= t[c] * y[c]
            mass += t[c]
        for c in range(n_out):
            norm += exponential(y[c])
        log_norm = logarithm(norm)
        total += mass * log_norm
        for c in range(n_out):
            y[c] = exponential(y[c] - log_norm)
            t[c] = (y[c] * mass - t[c]) * inv_batch
    return total


cdef double tile_gradient(const floating* X, const floating* T, const Py_ssize_t* rows, Py_ssize_t m,
                          Py_ssize_t ahead, const Py_ssize_t* sizes, const int* activations, int loss,
                          Py_ssize_t n_layers,
                          const floating* params, const floating* WT, floating* grads, bint accumulate,
                          floating* buffers, Py_ssize_t max_width, floating inv_batch) noexcept nogil:
    """Forward and backward over the m rows X[rows], writing their gradient into grads (adding it when
    `accumulate`); returns the sum of their losses. params and grads are in the epoch's layout
    (epoch_layout); WT holds W^T of the wide layers after the first, at the layer's offset in params.
    rows[m:ahead] are the shard's next rows, requested from memory during the gather.

    Buffer layout: the gathered inputs, each layer's output, two delta buffers (the first one holds the
    gathered targets until the output layer's delta replaces them).
    """
    cdef Py_ssize_t layer, i, n_in, n_out, offset, total_width = 0
    cdef Py_ssize_t n_inputs = sizes[0], n_outputs = sizes[n_layers]
    cdef floating* inputs = buffers
    cdef floating* outputs
    cdef floating* delta_out
    cdef floating* delta_in
    cdef floating* spare
    cdef const floating* weights
    cdef bint narrow
    cdef floating loss_sum
    for layer in range(n_layers + 1):
        total_width += sizes[layer]
    delta_out = buffers + m * total_width
    delta_in = delta_out + m * max_width
    for i in range(m):
        if i + PREFETCH_ROWS < ahead:  # the first PREFETCH_ROWS rows were requested earlier
            prefetch_rows(X, n_inputs, rows + i + PREFETCH_ROWS, 1)
            prefetch_rows(T, n_outputs, rows + i + PREFETCH_ROWS, 1)
        memcpy(inputs + i * n_inputs, X + rows[i] * n_inputs, n_inputs * sizeof(floating))
        memcpy(delta_out + i * n_outputs, T + rows[i] * n_outputs, n_outputs * sizeof(floating))
    outputs = inputs
    offset = 0
    for layer in range(n_layers):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        inputs, outputs = outputs, outputs + m * n_in
        weights = params + offset  # W, or W^T for a narrow layer
        if is_narrow(n_in, n_out):
            affine(inputs, NULL, weights, weights + n_in * n_out, outputs, m, n_in, n_out)
        else:
            affine(inputs, weights, NULL, weights + n_in * n_out, outputs, m, n_in, n_out)
        activate(outputs, m * n_out, activations[layer])
        offset += n_in * n_out + n_out
    # dJ/dZ of the output layer (output_delta), then back through the layers; each dX carries the derivative
    # of the activation below it, so delta_out is always a layer's dJ/dZ.
    loss_sum = output_delta(outputs, delta_out, m, n_outputs, loss, activations[n_layers - 1], inv_batch)
    for layer in range(n_layers - 1, -1, -1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        offset -= n_in * n_out + n_out
        inputs = outputs - m * n_in
        narrow = is_narrow(n_in, n_out)
        weight_gradient(inputs, delta_out, grads + offset, grads + offset + n_in * n_out, m, n_in, n_out, narrow,
                        accumulate)
        if layer > 0:
            input_gradient(delta_out, params + offset if narrow else WT + offset, inputs, activations[layer - 1],
                           delta_in, m, n_in, n_out)
            spare = delta_out
            delta_out, delta_in = delta_in, spare
        outputs = inputs
    return loss_sum


cdef double shard_gradient(const floating* X, const floating* T, const Py_ssize_t* rows, Py_ssize_t m,
                           const Py_ssize_t* sizes, const int* activations, int loss, Py_ssize_t n_layers,
                           const floating* params, floating* grads, floating* workspace, Py_ssize_t max_width,
                           Py_ssize_t n_params, floating inv_batch) noexcept nogil:
    """Forward and backward over the rows X[rows] (one shard of a minibatch); writes the gradient of the data
    term into grads (the weight penalty joins in the Adam step) and returns the sum of the shard's losses.
    inv_batch is 1 / (minibatch size). params and grads are in the epoch's layout (epoch_layout).

    The rows go through in tiles of TILE_ROWS, so that each tile's activations stay in the core's caches.
    Workspace layout: W^T of the wide layers after the first (at the layer's offset in params), then the
    tile buffers.
    """
    cdef Py_ssize_t layer, tile, first, n_in, n_out, offset
    cdef double sse = 0
    offset = 0
    for layer in range(n_layers):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        if layer > 0 and not is_narrow(n_in, n_out):  # dX of narrow layers reads their stored W^T
            transpose(params + offset, workspace + offset, n_in, n_out)
        offset += n_in * n_out + n_out
    for tile in range((m + TILE_ROWS - 1) // TILE_ROWS):
        first = tile * TILE_ROWS
        sse += tile_gradient(X, T, rows + first, min(TILE_ROWS, m - first), m - first, sizes, activations, loss,
                             n_layers, params, workspace, grads, tile > 0, workspace + whole_lines(n_params), max_width,
                             inv_batch)
    return sse


cdef void epoch_layout(const floating* source, floating* target, const Py_ssize_t* sizes, Py_ssize_t n_layers,
                       bint inverse) noexcept nogil:
    """Copy a parameter (or moment) vector into the epoch's layout, where each narrow layer keeps W^T
    (n_out, n_in) in place of W, or back to the usual layout when `inverse`. Keeping W^T for the whole
    epoch spares transposing W and dW^T at every minibatch; Adam works element by element, so the layout
    does not change its result."""
    cdef Py_ssize_t layer, k, n_in, n_out, offset = 0
    for layer in range(n_layers):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        if not is_narrow(n_in, n_out):
            for k in range(n_in * n_out):
                target[offset + k] = source[offset + k]
        elif inverse:
            transpose(source + offset, target + offset, n_out, n_in)
        else:
            transpose(source + offset, target + offset, n_in, n_out)
        offset += n_in * n_out
        for k in range(n_out):
            target[offset + k] = source[offset + k]
        offset += n_out


cdef struct Extents:
    Py_ssize_t total_width      # sum of the layer widths
    Py_ssize_t widest           # widest layer
    Py_ssize_t n_params         # weights and biases of all layers


cdef Extents layer_extents(const Py_ssize_t[::1] sizes) noexcept nogil:
    cdef Extents e
    cdef Py_ssize_t layer
    e.total_width = e.widest = e.n_params = 0
    for layer in range(sizes.shape[0]):
        e.total_width += sizes[layer]
        e.widest = max(e.widest, sizes[layer])
        if layer > 0:
            e.n_params += sizes[layer - 1] * sizes[layer] + sizes[layer]
    return e


cdef inline Py_ssize_t shard_workspace(Extents e, Py_ssize_t shard_rows) noexcept nogil:
    """W^T of every layer, and buffers for a tile of at most TILE_ROWS rows, in whole cache lines."""
    return whole_lines(e.n_params) + whole_lines(min(shard_rows, TILE_ROWS) * (e.total_width + 2 * e.widest))


cdef inline Py_ssize_t shard_capacity(Py_ssize_t batch_size) noexcept nogil:
    """Rows a shard must hold: half a large minibatch, or a whole small one (one shard)."""
    return max((batch_size + SHARDS - 1) // SHARDS, min(batch_size, PARALLEL_MIN_BATCH - 1))


def epoch_workspace_size(const Py_ssize_t[::1] sizes, Py_ssize_t batch_size):
    """Number of elements train_epoch needs in `workspace` for these layer sizes and batch size: for each
    shard, a copy of the parameters and both moments, its gradient twice over, a spare gradient, and its
    scratch; and room to start them all on a cache line."""
    cdef Extents e = layer_extents(sizes)
    return SHARDS * (6 * whole_lines(e.n_params) + shard_workspace(e, shard_capacity(batch_size))) + 16


cdef inline Py_ssize_t shard_count(Py_ssize_t m) noexcept nogil:
    """Shards of an m-row minibatch: a function of m alone, so results do not depend on the threads."""
    return SHARDS if m >= PARALLEL_MIN_BATCH else 1


cdef inline Py_ssize_t shard_rows(Py_ssize_t m, Py_ssize_t shard, Py_ssize_t* first) noexcept nogil:
    """Rows of shard `shard` in an m-row minibatch (0 past its last shard); sets *first to its first row."""
    cdef Py_ssize_t n_shards = shard_count(m)
    cdef Py_ssize_t per_shard = (m + n_shards - 1) // n_shards
    if shard >= n_shards:
        first[0] = m
        return 0
    first[0] = min(m, shard * per_shard)
    return min(m, first[0] + per_shard) - first[0]


cdef void adam_epoch_step(floating* params, const floating* grads, const floating* extra_grads, floating* m1,
                          floating* m2, const Py_ssize_t* sizes, Py_ssize_t n_layers, floating weight_decay,
                          AdamStep step) noexcept nogil:
    """The Adam step on all parameters with the gradient grads + extra_grads (may be NULL) + weight_decay *
    W, the penalty on weights only: one call per weight or bias block."""
    cdef Py_ssize_t layer, n_weights, offset = 0
    cdef const floating* extra
    for layer in range(n_layers):
        n_weights = sizes[layer] * sizes[layer + 1]
        extra = extra_grads + offset if extra_grads != NULL else NULL
        adam_update(params + offset, grads + offset, extra, weight_decay, m1 + offset, m2 + offset, n_weights,
                    step)
        offset += n_weights
        extra = extra_grads + offset if extra_grads != NULL else NULL
        adam_update(params + offset, grads + offset, extra, 0, m1 + offset, m2 + offset, sizes[layer + 1], step)
        offset += sizes[layer + 1]


cdef enum:
    # How long a thread waits for its partner's shard before computing it itself, in nanoseconds: a fixed
    # part for a partner that is a little late, plus this many times the thread's own shard time.
    PATIENCE_NS = 100000
    PATIENCE_SHARDS = 4


def train_epoch(const floating[:, ::1] X, const floating[:, ::1] T, const Py_ssize_t[::1] order,
                const Py_ssize_t[::1] sizes, const int[::1] activations, int loss,
                floating[::1] params, floating[::1] m1, floating[::1] m2,
                floating[::1] workspace, Py_ssize_t batch_size,
                double lr, double beta1, double beta2, double eps, double lam, Py_ssize_t step,
                int n_threads=1, long long patience_ns=-1):
    """One epoch of minibatch Adam, entirely in C.

    Visits the rows of X and T in `order`, batch_size at a time (the last batch may be smaller); for each
    minibatch computes the gradient of (1/m) sum_rows loss + lam/(2m) sum w^2 (loss: a code of
    colorcore/losses.py) and takes one Adam step on the flat `params` (layout: W0, b0, W1, b1, ...) with
    moments m1, m2. `workspace` holds epoch_workspace_size(sizes, min(batch_size, n)) elements. The work
    runs on up to n_threads OpenMP threads where the build has OpenMP; the result does not depend on
    n_threads, nor on how the threads are scheduled. patience_ns overrides how long a thread waits for its
    partner's shard (tests pass 0 to make a thread take the epoch over at once).
    Returns (step after the epoch, summed loss of the minibatches before their updates).
    """
    cdef Py_ssize_t n = order.shape[0], n_layers = sizes.shape[0] - 1, n_params = params.shape[0]
    cdef Extents e = layer_extents(sizes)
    cdef Py_ssize_t line_params = whole_lines(n_params)
    cdef Py_ssize_t start, m, shard, first, count, stride, n_shards, minibatch, next_start, turn
    cdef int thread, threads, winner
    cdef bint mine, alone, stopped
    cdef long long began, patience
    cdef int solo[1]
    # Per-thread rows are padded to 128 bytes, so that the two threads' entries never share a cache line.
    cdef double thread_loss[SHARDS][16]
    cdef double own_loss[SHARDS][16]
    cdef floating* used_grads[SHARDS][16]
    cdef double shard_loss[2][SHARDS]
    cdef Tag ready[2][SHARDS]
    cdef floating* shard_grads[2][SHARDS]
    cdef floating* spare_grads[SHARDS]
    cdef floating* base
    cdef floating* copy
    cdef floating* scratch
    cdef AdamStep adam
    if n == 0:
        return step, 0.0
    # Minibatches too small to split leave a second thread nothing to do.
    n_threads = max(1, min(n_threads, SHARDS)) if batch_size >= PARALLEL_MIN_BATCH else 1
    stride = shard_workspace(e, shard_capacity(min(batch_size, n)))
    # Vector loads that straddle two cache lines cost two loads, and the products are bound by their loads.
    base = first_line(&workspace[0])
    # Workspace layout (from base): per thread its params, m1 and m2 in the epoch's layout; the shards'
    # gradients for even and odd minibatches; per thread a spare gradient; per thread its scratch (a thread
    # that takes the epoch over may compute its partner's shard while the partner still works on it).
    for turn in range(2):
        for shard in range(SHARDS):
            shard_grads[turn][shard] = base + (3 * SHARDS + turn * SHARDS + shard) * line_params
            ready[turn][shard].minibatch = -1
    for shard in range(SHARDS):
        spare_grads[shard] = base + (5 * SHARDS + shard) * line_params
        thread_loss[shard][0] = 0
    scratch = base + 6 * SHARDS * line_params
    solo[0] = -1
    # One parallel region for the whole epoch. Each thread keeps its own copy of the parameters and takes
    # every Adam step itself: sharing one copy made each thread's writes wait for the other core to let go
    # of the lines it had read, which cost more than the whole step. Per minibatch each thread computes its
    # shard, publishes it, and takes its partner's when it is published. A partner that is late (another
    # program has its core) is not waited for: after PATIENCE the thread claims the epoch, computes every
    # shard itself from then on, and the partner stops when it sees the claim. The shards and their order
    # of summation are the same either way, so the result does not depend on who computed what. The
    # gradients are kept for even and odd minibatches apart, so a thread can start on the next minibatch
    # while the other still reads this one's.
    with nogil, parallel(num_threads=n_threads):
        thread = threadid()
        threads = team_size()
        # Assigned here so that Cython makes it private: shard_rows sets it through a pointer, which
        # Cython does not see, and a shared `first` let one thread gather the other's rows.
        first = 0
        copy = base + 3 * thread * line_params
        alone = threads == 1
        # A thread that starts late (another program had its core) may find the epoch taken over already.
        stopped = solo_thread(solo) >= 0
        if not stopped:
            epoch_layout(&params[0], copy, &sizes[0], n_layers, False)
            epoch_layout(&m1[0], copy + line_params, &sizes[0], n_layers, False)
            epoch_layout(&m2[0], copy + 2 * line_params, &sizes[0], n_layers, False)
        start = 0
        minibatch = 0
        while start < n and not stopped:
            if not alone and solo_thread(solo) >= 0:
                stopped = True  # the partner took the epoch over while this thread was not running
                break
            m = min(batch_size, n - start)
            n_shards = shard_count(m)
            next_start = start + m
            turn = minibatch % 2
            began = now_ns()
            for shard in range(n_shards):
                mine = shard % threads == thread  # shards are dealt to the threads in turn
                if not mine and not alone:
                    continue
                # Start loading the rows this thread gathers next time: they are random rows, far apart.
                count = shard_rows(min(batch_size, n - next_start), shard, &first)
                count = min(count, PREFETCH_ROWS)
                prefetch_rows(&X[0, 0], sizes[0], &order[0] + next_start + first, count)
                prefetch_rows(&T[0, 0], sizes[n_layers], &order[0] + next_start + first, count)
                count = shard_rows(m, shard, &first)
                used_grads[thread][shard] = shard_grads[turn][shard] if mine else spare_grads[thread]
                own_loss[thread][shard] = shard_gradient(
                    &X[0, 0], &T[0, 0], &order[0] + start + first, count, &sizes[0], &activations[0], loss,
                    n_layers, copy, used_grads[thread][shard], scratch + thread * stride, e.widest, n_params,
                    (<floating>1) / m)
                if mine and not alone:
                    shard_loss[turn][shard] = own_loss[thread][shard]
                    publish(&ready[turn][shard], minibatch)
            patience = patience_ns if patience_ns >= 0 else PATIENCE_NS + PATIENCE_SHARDS * (now_ns() - began)
            for shard in range(n_shards):
                if alone or shard % threads == thread or stopped:
                    continue
                if await_tag(&ready[turn][shard], minibatch, solo, patience):
                    used_grads[thread][shard] = shard_grads[turn][shard]
                    own_loss[thread][shard] = shard_loss[turn][shard]
                elif claim_epoch(solo, thread):
                    alone = True  # the partner is late: compute its shard, and every shard from now on
                    count = shard_rows(m, shard, &first)
                    used_grads[thread][shard] = spare_grads[thread]
                    own_loss[thread][shard] = shard_gradient(
                        &X[0, 0], &T[0, 0], &order[0] + start + first, count, &sizes[0], &activations[0], loss,
                        n_layers, copy, spare_grads[thread], scratch + thread * stride, e.widest, n_params,
                        (<floating>1) / m)
                else:
                    stopped = True  # the partner claimed the epoch; this thread's copy is dropped
            if not stopped:
                # SHARDS is 2, so the second shard's gradient is the only one to add.
                adam = adam_step_at(lr, beta1, beta2, eps, step + minibatch + 1)
                adam_epoch_step(copy, used_grads[thread][0], used_grads[thread][1] if n_shards > 1 else NULL,
                                copy + line_params, copy + 2 * line_params, &sizes[0], n_layers,
                                <floating>(lam / m), adam)
                for shard in range(n_shards):
                    thread_loss[thread][0] += own_loss[thread][shard]
                start = start + m  # (an in-place += would declare a reduction)
                minibatch = minibatch + 1
    winner = max(solo[0], 0)
    copy = base + 3 * winner * line_params
    with nogil:
        epoch_layout(copy, &params[0], &sizes[0], n_layers, True)
        epoch_layout(copy + line_params, &m1[0], &sizes[0], n_layers, True)
        epoch_layout(copy + 2 * line_params, &m2[0], &sizes[0], n_layers, True)
    return step + (n + batch_size - 1) // batch_size, thread_loss[winner][0]
