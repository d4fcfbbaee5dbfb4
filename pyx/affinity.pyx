# Lightness affinities between neighbouring pixels (Levin, Lischinski & Weiss 2004) and the sparse
# operator they define, applied without ever storing a sparse matrix; checked by colorcore/propagate.py.
#
# Each pixel keeps the weights to its four "forward" neighbours, right, down-left, down and down-right
# (out[y, x, 0..3]); the other four are the forward weights of those neighbours, so the weights are
# symmetric and the memory is 4 doubles per pixel.
from cython.parallel cimport prange
from libc.math cimport exp, fmax

# The scale of a pixel's affinities: 0.6 times the variance of its 3x3 window (Levin et al.'s choice),
# but never so small that its closest neighbour gets a weight below 0.01 (1 / ln 100 below), so that no
# pixel is cut off from the rest of the image; and never below 2e-6 on perfectly flat regions.
cdef double VARIANCE_SHARE = 0.6
cdef double INV_LN_100 = 0.21714724095162588
cdef double MIN_SCALE = 2e-6

cdef Py_ssize_t DY[4]
cdef Py_ssize_t DX[4]
DY[:] = [0, 1, 1, 1]
DX[:] = [1, -1, 0, 1]


def affinity_scales(const double[:, ::1] lightness, double[:, ::1] out, int n_threads=1):
    """out[y, x] = the squared scale of pixel (y, x)'s affinities (see VARIANCE_SHARE above)."""
    cdef Py_ssize_t h = lightness.shape[0], w = lightness.shape[1], y, x, i, j
    cdef double total, squares, count, centre, closest, d, mean
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(w):
            total = 0
            squares = 0
            count = 0
            centre = lightness[y, x]
            closest = 1e300
            for i in range(max(y - 1, 0), min(y + 2, h)):
                for j in range(max(x - 1, 0), min(x + 2, w)):
                    d = lightness[i, j]
                    total = total + d
                    squares = squares + d * d
                    count = count + 1
                    if i != y or j != x:
                        d = (d - centre) * (d - centre)
                        if d < closest:
                            closest = d
            mean = total / count
            if count == 1:  # a 1x1 image: no neighbour to be close to
                closest = 0
            out[y, x] = fmax(fmax(VARIANCE_SHARE * (squares / count - mean * mean), closest * INV_LN_100), MIN_SCALE)


def affinity_weights(const double[:, ::1] lightness, const double[:, ::1] scales, double[:, :, ::1] out,
                     int n_threads=1):
    """out[y, x, k] = exp(-2 (l_r - l_s)^2 / (scale_r + scale_s)) for r = (y, x) and s its k-th forward
    neighbour (y + DY[k], x + DX[k]); 0 where that neighbour is outside the image."""
    cdef Py_ssize_t h = lightness.shape[0], w = lightness.shape[1], y, x, k, ny, nx
    cdef double d
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(w):
            for k in range(4):
                ny = y + DY[k]
                nx = x + DX[k]
                if ny < h and 0 <= nx < w:
                    d = lightness[y, x] - lightness[ny, nx]
                    out[y, x, k] = exp(-2 * d * d / (scales[y, x] + scales[ny, nx]))
                else:
                    out[y, x, k] = 0


cdef inline void neighbour_sums(const double[:, :, ::1] weights, const double[:, :, ::1] values, Py_ssize_t y,
                                Py_ssize_t x, Py_ssize_t h, Py_ssize_t w, double* out) noexcept nogil:
    """out[c] = sum over the 8 neighbours s of r = (y, x) of W_rs values[s, c], for every channel c.

    Relies on the weights to neighbours outside the image being 0 (as every function here leaves them):
    the indices are clamped into the image and the zero weight cancels whatever they read.
    """
    cdef Py_ssize_t left = x - 1 if x > 0 else x, right = x + 1 if x + 1 < w else x
    cdef Py_ssize_t up = y - 1 if y > 0 else y, down = y + 1 if y + 1 < h else y, c
    cdef double w_right = weights[y, x, 0], w_down_left = weights[y, x, 1]
    cdef double w_down = weights[y, x, 2], w_down_right = weights[y, x, 3]
    cdef double w_left = weights[y, left, 0] if x > 0 else 0.0
    cdef double w_up = weights[up, x, 2] if y > 0 else 0.0
    cdef double w_up_right = weights[up, right, 1] if y > 0 and x + 1 < w else 0.0
    cdef double w_up_left = weights[up, left, 3] if y > 0 and x > 0 else 0.0
    for c in range(values.shape[2]):
        out[c] = (w_right * values[y, right, c] + w_left * values[y, left, c]
                  + w_down * values[down, x, c] + w_down_left * values[down, left, c]
                  + w_down_right * values[down, right, c] + w_up * values[up, x, c]
                  + w_up_right * values[up, right, c] + w_up_left * values[up, left, c])


def affinity_apply(const double[:, :, ::1] weights, const double[:, ::1] diagonal, const double[:, :, ::1] values,
                   double[:, :, ::1] out, int n_threads=1):
    """out[r, c] = diagonal[r] values[r, c] - sum over the 8 neighbours s of r of W_rs values[s, c]
    (out is not values)."""
    cdef Py_ssize_t h = weights.shape[0], w = weights.shape[1], n = values.shape[2], y, x, c
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(w):
            neighbour_sums(weights, values, y, x, h, w, &out[y, x, 0])
            for c in range(n):
                out[y, x, c] = diagonal[y, x] * values[y, x, c] - out[y, x, c]


def affinity_residual(const double[:, :, ::1] weights, const double[:, ::1] diagonal, const double[:, :, ::1] rhs,
                      const double[:, :, ::1] values, double[:, :, ::1] out, int n_threads=1):
    """out = rhs - A values, A the operator of affinity_apply (out is neither rhs nor values)."""
    cdef Py_ssize_t h = weights.shape[0], w = weights.shape[1], n = values.shape[2], y, x, c
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(w):
            neighbour_sums(weights, values, y, x, h, w, &out[y, x, 0])
            for c in range(n):
                out[y, x, c] = rhs[y, x, c] - diagonal[y, x] * values[y, x, c] + out[y, x, c]


def affinity_smooth(const double[:, :, ::1] weights, const double[:, ::1] diagonal, const double[:, ::1] free,
                    const double[:, :, ::1] rhs, const double[:, :, ::1] values, double omega, double[:, :, ::1] out,
                    int n_threads=1):
    """One damped Jacobi sweep: out = values + omega free (rhs - A values) / diagonal (out is not values)."""
    cdef Py_ssize_t h = weights.shape[0], w = weights.shape[1], n = values.shape[2], y, x, c
    cdef double step
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(w):
            step = omega * free[y, x] / diagonal[y, x]
            neighbour_sums(weights, values, y, x, h, w, &out[y, x, 0])
            for c in range(n):
                out[y, x, c] = values[y, x, c] + step * (rhs[y, x, c] - diagonal[y, x] * values[y, x, c]
                                                         + out[y, x, c])


# --- the coarse levels of the multigrid solver: 2x2 blocks of pixels become one ----------------------

def coarsen_affinities(const double[:, :, ::1] weights, const double[:, ::1] diagonal, const double[:, ::1] free,
                       double[:, :, ::1] coarse_weights, double[:, ::1] coarse_diagonal):
    """The Galerkin coarse operator P^T A P, P spreading each coarse value over the free pixels of its block:
    weights between blocks add up, weights inside a block leave the diagonal, which sums the free pixels'.
    coarse_weights and coarse_diagonal must start at zero (serial: blocks share their accumulators)."""
    cdef Py_ssize_t h = weights.shape[0], w = weights.shape[1], y, x, k, ny, nx, by, bx, sy, sx
    cdef double value
    for y in range(h):
        for x in range(w):
            by = y // 2
            bx = x // 2
            if free[y, x] != 0:
                coarse_diagonal[by, bx] += diagonal[y, x]
            for k in range(4):
                value = weights[y, x, k]
                ny = y + DY[k]
                nx = x + DX[k]
                if value == 0 or ny >= h or nx < 0 or nx >= w:
                    continue
                sy = ny // 2
                sx = nx // 2
                if sy == by and sx == bx:
                    coarse_diagonal[by, bx] -= 2 * value
                elif sy == by:  # same block row: the right neighbour of whichever block is on the left
                    coarse_weights[by, min(bx, sx), 0] += value
                else:
                    coarse_weights[by, bx, sx - bx + 2] += value


def block_sums(const double[:, :, ::1] fine, double[:, :, ::1] coarse, int n_threads=1):
    """coarse[Y, X] = the sum of fine over the 2x2 block (2Y.., 2X..), clipped at the image's edge."""
    cdef Py_ssize_t h = fine.shape[0], w = fine.shape[1], n = fine.shape[2], hc = coarse.shape[0], yc, y, x, c
    for yc in prange(hc, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(coarse.shape[1]):
            for c in range(n):
                coarse[yc, x, c] = 0
        for y in range(2 * yc, min(2 * yc + 2, h)):
            for x in range(w):
                for c in range(n):
                    coarse[yc, x // 2, c] += fine[y, x, c]


def block_spread_add(const double[:, :, ::1] coarse, const double[:, ::1] free, double scale, double[:, :, ::1] fine,
                     int n_threads=1):
    """fine[y, x] += scale free[y, x] coarse[y // 2, x // 2]."""
    cdef Py_ssize_t h = fine.shape[0], w = fine.shape[1], n = fine.shape[2], y, x, c
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(w):
            for c in range(n):
                fine[y, x, c] += scale * free[y, x] * coarse[y // 2, x // 2, c]


# --- conjugate gradients' vector updates, one pass each over every channel ---------------------------

def cg_update(double[:, :, ::1] x, double[:, :, ::1] residual, const double[:, :, ::1] direction,
              const double[:, :, ::1] product, const double[::1] step, int n_threads=1):
    """x += step[c] direction; residual -= step[c] product (step per channel c)."""
    cdef Py_ssize_t h = x.shape[0], w = x.shape[1], n = x.shape[2], y, i, c
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for i in range(w):
            for c in range(n):
                x[y, i, c] += step[c] * direction[y, i, c]
                residual[y, i, c] -= step[c] * product[y, i, c]


def cg_direction(double[:, :, ::1] direction, const double[:, :, ::1] z, const double[::1] beta, int n_threads=1):
    """direction = z + beta[c] direction."""
    cdef Py_ssize_t h = z.shape[0], w = z.shape[1], n = z.shape[2], y, i, c
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for i in range(w):
            for c in range(n):
                direction[y, i, c] = z[y, i, c] + beta[c] * direction[y, i, c]


def dot_and_largest(const double[:, :, ::1] a, const double[:, :, ::1] b, double[::1] dots):
    """dots[c] = sum of a[..., c] b[..., c]; returns the largest |b| (serial: memory-bound and short)."""
    cdef Py_ssize_t h = a.shape[0], w = a.shape[1], n = a.shape[2], y, i, c
    cdef double largest = 0, value
    for c in range(n):
        dots[c] = 0
    with nogil:
        for y in range(h):
            for i in range(w):
                for c in range(n):
                    value = b[y, i, c]
                    dots[c] += a[y, i, c] * value
                    if value > largest:
                        largest = value
                    elif -value > largest:
                        largest = -value
    return largest
