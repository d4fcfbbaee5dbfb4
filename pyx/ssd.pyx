# The Efros-Leung matcher: windowed, Gaussian-weighted, validity-masked sum of squared differences.
# Inputs are checked by colorcore/texture.py; the template arrives as its valid pixels only, so
# invalid template pixels cost no work.
from cython.parallel cimport prange

from _types cimport floating


def masked_ssd(floating[:, :, ::1] sample, const Py_ssize_t[::1] offset_rows,
               const Py_ssize_t[::1] offset_cols, floating[::1] weights, floating[:, ::1] values,
               floating[:, ::1] out):
    """Weighted SSD between a template and every window of the sample.

    sample       (C, H, W) channel planes
    offset_rows  (K,) row of each valid template pixel inside the window
    offset_cols  (K,) column of each valid template pixel inside the window
    weights      (K,) Gaussian weight of each valid pixel, already divided by C * (sum of the weights)
    values       (K, C) the template's values at those pixels
    out          (H - w + 1, W - w + 1) error of the window whose top-left corner is (y, x)
    """
    cdef Py_ssize_t n_channels = sample.shape[0], n_rows = out.shape[0], n_cols = out.shape[1]
    cdef Py_ssize_t n_valid = weights.shape[0]
    cdef Py_ssize_t y, x, k, c
    cdef floating weight, target, diff
    cdef floating* acc
    cdef const floating* source
    for y in prange(n_rows, nogil=True, schedule="static"):
        acc = &out[y, 0]
        for x in range(n_cols):
            acc[x] = 0
        # Candidates in the inner loop: contiguous in both the sample row and the output row.
        for k in range(n_valid):
            weight = weights[k]
            for c in range(n_channels):
                target = values[k, c]
                source = &sample[c, y + offset_rows[k], offset_cols[k]]
                for x in range(n_cols):
                    diff = source[x] - target
                    acc[x] += weight * diff * diff
