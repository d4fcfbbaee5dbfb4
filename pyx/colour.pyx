# Lab chroma on a gray image's lightness -> RGB with exactly that luma; checked by colorcore/features.py.
# The same arithmetic as skimage.color.lab2rgb followed by colorcore's keep_luma (the NumPy twin in
# colorcore/reference.py), fused into one pass per pixel: no temporary arrays for a 12-megapixel scan.
# The powers and cube root run in single precision (2.5x faster; colours within 1e-6 of the twin, far
# below an 8-bit step); the luma is still matched in double precision, so it stays exact.
import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport cbrtf, expf, fmin, powf


cdef inline double lab_f_inverse(double f) noexcept nogil:
    return f * f * f if f > 0.2068966 else (f - 16.0 / 116.0) / 7.787


cdef inline double srgb_gamma(double c) noexcept nogil:
    c = 1.055 * powf(<float>c, <float>(1 / 2.4)) - 0.055 if c > 0.0031308 else 12.92 * c
    return 0.0 if c < 0 else (1.0 if c > 1 else c)


cdef inline void pixel_rgb(double g, double a, double b, const double[:, ::1] rgb_from_xyz, const double[::1] white,
                           const double[::1] weights, double* out) noexcept nogil:
    """One pixel. Its scratch arrays are locals of this function, so each thread has its own (arrays
    declared in a prange body would be shared between the threads)."""
    cdef double linear, L, fy, fx, fz, X, Y, Z, luma, scale, room, d
    cdef double rgb[3]
    cdef double chroma[3]
    cdef int c
    linear = g / 12.92 if g <= 0.04045 else powf(<float>((g + 0.055) / 1.055), 2.4)
    L = 116 * cbrtf(<float>linear) - 16 if linear > 216.0 / 24389 else linear * 24389 / 27
    fy = (L + 16) / 116
    fx = a / 500 + fy
    # b* capped just below the bound where Z turns negative (as colorcore's decoding does)
    fz = fy - fmin(b, (200 - 1e-7) * (L + 16) / 116) / 200
    if fz < 0:
        fz = 0
    X = lab_f_inverse(fx) * white[0]
    Y = lab_f_inverse(fy) * white[1]
    Z = lab_f_inverse(fz) * white[2]
    for c in range(3):
        rgb[c] = srgb_gamma(rgb_from_xyz[c, 0] * X + rgb_from_xyz[c, 1] * Y + rgb_from_xyz[c, 2] * Z)
    luma = weights[0] * rgb[0] + weights[1] * rgb[1] + weights[2] * rgb[2]
    scale = 1.0
    for c in range(3):
        chroma[c] = rgb[c] - luma
        if chroma[c] > 0:
            room = (1 - g) / chroma[c]
            if room < scale:
                scale = room
        elif chroma[c] < 0:
            room = -g / chroma[c]
            if room < scale:
                scale = room
    for c in range(3):
        d = g + scale * chroma[c]
        out[c] = 0.0 if d < 0 else (1.0 if d > 1 else d)


def chroma_to_rgb(const double[:, ::1] gray, const double[:, :, ::1] ab, const double[:, ::1] rgb_from_xyz,
                  const double[::1] white, const double[::1] weights, double[:, :, ::1] out, int n_threads=1):
    """out[y, x] = the sRGB colour of (L*(gray), a*, b*), moved onto luma gray[y, x] (see keep_luma)."""
    cdef Py_ssize_t h = gray.shape[0], w = gray.shape[1], y, x
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        for x in range(w):
            pixel_rgb(gray[y, x], ab[y, x, 0], ab[y, x, 1], rgb_from_xyz, white, weights, &out[y, x, 0])


cdef inline double bilinear_source(Py_ssize_t i, Py_ssize_t n_big, Py_ssize_t n_small) noexcept nogil:
    """Where position i of n_big falls among n_small samples: pixel centres aligned, clamped at the borders
    (colorcore.upsample.bilinear_taps); its floor and the next sample are the two it reads."""
    cdef double source = (i + 0.5) * (<double>n_small / n_big) - 0.5
    return 0.0 if source < 0 else (n_small - 1.0 if source > n_small - 1 else source)


cdef inline void guided_row(const double[:, :, ::1] coefficients, Py_ssize_t y, Py_ssize_t h,
                            const double[:, ::1] gray, double* ab) noexcept nogil:
    """ab[2x], ab[2x + 1] = a*, b* of pixel (y, x): slope * gray + offset, the four maps read bilinearly."""
    cdef Py_ssize_t w = gray.shape[1], small_h = coefficients.shape[0], small_w = coefficients.shape[1]
    cdef Py_ssize_t x, y0, y1, x0, x1, c
    cdef double down = bilinear_source(y, h, small_h), right, g
    cdef double value[4]
    y0 = <Py_ssize_t>down
    y1 = y0 + 1 if y0 + 1 < small_h else y0
    down -= y0
    for x in range(w):
        right = bilinear_source(x, w, small_w)
        x0 = <Py_ssize_t>right
        x1 = x0 + 1 if x0 + 1 < small_w else x0
        right -= x0
        for c in range(4):
            value[c] = ((coefficients[y0, x0, c] * (1 - right) + coefficients[y0, x1, c] * right) * (1 - down)
                        + (coefficients[y1, x0, c] * (1 - right) + coefficients[y1, x1, c] * right) * down)
        g = gray[y, x]
        ab[2 * x] = value[0] * g + value[1]
        ab[2 * x + 1] = value[2] * g + value[3]


def guided_chroma_to_rgb(const double[:, ::1] gray, const double[:, :, ::1] coefficients,
                         const double[:, ::1] rgb_from_xyz, const double[::1] white, const double[::1] weights,
                         double[:, :, ::1] out, int n_threads=1):
    """chroma_to_rgb with a*, b* = A gray + B at each pixel, A and B (coefficients[..., 0:2] for a*,
    [..., 2:4] for b*) read bilinearly from their small maps: guided upsampling and colour in one pass,
    a row at a time (the colour loop is then the same simple loop as chroma_to_rgb's, which the compiler
    turns into 8-wide vector code)."""
    cdef Py_ssize_t h = gray.shape[0], w = gray.shape[1], y, x
    cdef double[:, ::1] rows = np.empty((max(n_threads, 1), 2 * w))  # each thread's own row of chroma
    cdef double* ab
    for y in prange(h, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        ab = &rows[threadid(), 0]
        guided_row(coefficients, y, h, gray, ab)
        for x in range(w):
            pixel_rgb(gray[y, x], ab[2 * x], ab[2 * x + 1], rgb_from_xyz, white, weights, &out[y, x, 0])


def softmax_mean(const float[:, ::1] logits, float scale, const float[::1] shift, const float[:, ::1] centres,
                 double[:, ::1] out, int n_threads=1):
    """out[i] = sum_j q_ij centres[:, j] with q_i = softmax(scale * logits[i] + shift): the mean colour of
    each row's distribution over colour cells (colorcore.targets.ChromaBins), centres (2, Q) their a*, b*.
    Two passes over a row (its largest reading, then the exponentials summed three ways), no temporaries."""
    cdef Py_ssize_t n = logits.shape[0], q = logits.shape[1], i, j
    cdef float largest, reading, e, total, a, b
    for i in prange(n, nogil=True, schedule="static", num_threads=max(n_threads, 1), use_threads_if=n_threads > 1):
        largest = scale * logits[i, 0] + shift[0]
        for j in range(1, q):
            reading = scale * logits[i, j] + shift[j]
            largest = reading if reading > largest else largest
        total = 0
        a = 0
        b = 0
        for j in range(q):
            e = expf(scale * logits[i, j] + shift[j] - largest)
            total = total + e
            a = a + e * centres[0, j]
            b = b + e * centres[1, j]
        out[i, 0] = a / total
        out[i, 1] = b / total
