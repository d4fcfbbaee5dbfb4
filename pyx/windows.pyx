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


def context_windows(floating[:, ::1] image, Py_ssize_t radius, Py_ssize_t step, int padding, floating[:, ::1] out,
                    Py_ssize_t col0=0, int n_threads=1):
    """out[y * w + x, col0 + (dy + r) * (2r + 1) + (dx + r)] = image[y + step dy, x + step dx], padded at the
    borders: a (2r + 1)^2 window whose taps are `step` pixels apart (step 1: the original assignment's window). Columns
    outside col0 .. col0 + (2r + 1)^2 - 1 are left alone, so extractors fill one shared feature matrix.
    Rows of the image are shared among n_threads threads."""
    cdef Py_ssize_t h = image.shape[0], w = image.shape[1], side = 2 * radius + 1
    cdef Py_ssize_t y, x, dy, dx, sy, sx
    cdef floating* row
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(w):
            row = &out[y * w + x, col0]
            for dy in range(side):
                sy = padded_index(y + (dy - radius) * step, h, padding)
                for dx in range(side):
                    sx = padded_index(x + (dx - radius) * step, w, padding)
                    if sy < 0 or sx < 0:
                        row[dy * side + dx] = 0
                    else:
                        row[dy * side + dx] = image[sy, sx]


def context_windows_at(floating[:, ::1] image, Py_ssize_t radius, Py_ssize_t step, int padding,
                       const Py_ssize_t[::1] pixels, floating[:, ::1] out, Py_ssize_t col0=0):
    """context_windows for the listed pixels only (flat indices y * w + x): out row i is the window of
    pixel pixels[i]. Training samples a few hundred pixels of each photo; this skips the rest."""
    cdef Py_ssize_t h = image.shape[0], w = image.shape[1], side = 2 * radius + 1
    cdef Py_ssize_t i, y, x, dy, dx, sy, sx
    cdef floating* row
    with nogil:
        for i in range(pixels.shape[0]):
            y = pixels[i] // w
            x = pixels[i] - y * w
            row = &out[i, col0]
            for dy in range(side):
                sy = padded_index(y + (dy - radius) * step, h, padding)
                for dx in range(side):
                    sx = padded_index(x + (dx - radius) * step, w, padding)
                    if sy < 0 or sx < 0:
                        row[dy * side + dx] = 0
                    else:
                        row[dy * side + dx] = image[sy, sx]
