# Context-window extraction (im2col) for images of any size; checked by colorcore/features.py.
from cython.parallel cimport prange

from _types cimport floating

# Padding codes shared with colorcore/features.py (PADDING_CODES).
cdef enum:
    EDGE = 0
    REFLECT = 1
    ZERO = 2


cdef inline Py_ssize_t padded_index(Py_ssize_t i, Py_ssize_t n, int padding) noexcept nogil:
    """Index into [0, n) for a possibly out-of-range i, or -1 where zero padding applies."""
    cdef Py_ssize_t period
    if 0 <= i < n:
        return i
    if padding == ZERO:
        return -1
    if padding == EDGE or n == 1:
        return 0 if i < 0 else n - 1
    # Reflect without repeating the edge pixel (numpy's 'reflect'), folding for windows wider than n.
    period = 2 * (n - 1)
    i = i % period
    if i < 0:
        i += period
    return i if i < n else period - i


def context_windows(floating[:, ::1] image, Py_ssize_t radius, int padding, floating[:, ::1] out,
                    int n_threads=1):
    """out[y * w + x, (dy + r) * (2r + 1) + (dx + r)] = image[y + dy, x + dx], padded at the borders; rows
    of the image are shared among n_threads threads."""
    cdef Py_ssize_t h = image.shape[0], w = image.shape[1], side = 2 * radius + 1
    cdef Py_ssize_t y, x, dy, dx, sy, sx
    cdef floating* row
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(w):
            row = &out[y * w + x, 0]
            for dy in range(side):
                sy = padded_index(y + dy - radius, h, padding)
                for dx in range(side):
                    sx = padded_index(x + dx - radius, w, padding)
                    if sy < 0 or sx < 0:
                        row[dy * side + dx] = 0
                    else:
                        row[dy * side + dx] = image[sy, sx]
