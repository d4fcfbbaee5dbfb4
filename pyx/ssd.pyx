# The Efros-Leung matcher: windowed, Gaussian-weighted, validity-masked sum of squared differences,
# and one growing pass of the synthesis built on it. Inputs are checked by colorcore/texture.py.
from cython.parallel cimport prange

from _types cimport floating


cdef extern from "_clock.h":
    long long now_ns "colorcore_now_ns"() noexcept nogil


cdef enum:
    CHUNK = 512  # candidates per block: a block of errors stays in L1 while every template pixel passes
    # A pixel whose threaded match takes this many times the fastest one so far, plus STALL_NS, waited
    # for a thread that another program kept off its core; after STALLS_ALLOWED of them the pass goes on
    # with one thread.
    STALL_FACTOR = 3
    STALL_NS = 200000
    STALLS_ALLOWED = 2


cdef void window_errors(const floating* sample, Py_ssize_t n_channels, Py_ssize_t sample_h, Py_ssize_t sample_w,
                        Py_ssize_t window, const Py_ssize_t* offset_rows, const Py_ssize_t* offset_cols,
                        const floating* weights, const floating* values, Py_ssize_t n_valid, floating* out,
                        int n_threads) noexcept nogil:
    """Errors of every window of the sample against the template, into out (sample_h - window + 1, sample_w).

    Candidates are numbered along the flattened sample, so for one template pixel the sample values of
    all candidates are one contiguous run: the inner loop is long and vectorises. Numbers that fall in
    the last window - 1 columns of a row are not windows; they are computed on the way and then zeroed.
    Template pixels are taken four at a time so each error is loaded and stored once per four.
    """
    cdef Py_ssize_t n_rows = sample_h - window + 1, n_cols = sample_w - window + 1
    cdef Py_ssize_t length = (n_rows - 1) * sample_w + n_cols
    cdef Py_ssize_t n_terms = n_valid * n_channels, n_chunks = (length + CHUNK - 1) // CHUNK
    cdef Py_ssize_t chunk, first, count, i, term, k, y, x
    cdef floating w0, w1, w2, w3, t0, t1, t2, t3, d0, d1, d2, d3
    cdef const floating* s0
    cdef const floating* s1
    cdef const floating* s2
    cdef const floating* s3
    cdef floating* acc
    for chunk in prange(n_chunks, schedule="static", num_threads=n_threads, use_threads_if=n_threads > 1):
        first = chunk * CHUNK
        count = min(CHUNK, length - first)
        acc = out + first
        for i in range(count):
            acc[i] = 0
        # term = k * n_channels + c: template pixel k in channel c.
        term = 0
        while term < n_terms:
            if term + 4 <= n_terms:
                s0 = term_source(sample, term, n_channels, sample_h, sample_w, offset_rows, offset_cols) + first
                s1 = term_source(sample, term + 1, n_channels, sample_h, sample_w, offset_rows, offset_cols) + first
                s2 = term_source(sample, term + 2, n_channels, sample_h, sample_w, offset_rows, offset_cols) + first
                s3 = term_source(sample, term + 3, n_channels, sample_h, sample_w, offset_rows, offset_cols) + first
                w0, w1 = weights[term // n_channels], weights[(term + 1) // n_channels]
                w2, w3 = weights[(term + 2) // n_channels], weights[(term + 3) // n_channels]
                t0, t1, t2, t3 = values[term], values[term + 1], values[term + 2], values[term + 3]
                for i in range(count):
                    d0 = s0[i] - t0
                    d1 = s1[i] - t1
                    d2 = s2[i] - t2
                    d3 = s3[i] - t3
                    acc[i] += w0 * d0 * d0 + w1 * d1 * d1 + w2 * d2 * d2 + w3 * d3 * d3
                term = term + 4
            else:
                s0 = term_source(sample, term, n_channels, sample_h, sample_w, offset_rows, offset_cols) + first
                w0, t0 = weights[term // n_channels], values[term]
                for i in range(count):
                    d0 = s0[i] - t0
                    acc[i] += w0 * d0 * d0
                term = term + 1
    for y in range(n_rows):
        for x in range(n_cols, sample_w):
            out[y * sample_w + x] = 0


cdef inline const floating* term_source(const floating* sample, Py_ssize_t term, Py_ssize_t n_channels,
                                        Py_ssize_t sample_h, Py_ssize_t sample_w, const Py_ssize_t* offset_rows,
                                        const Py_ssize_t* offset_cols) noexcept nogil:
    """Where the sample values of template term (pixel k, channel c) start for the candidate at (0, 0)."""
    cdef Py_ssize_t k = term // n_channels, c = term % n_channels
    return sample + (c * sample_h + offset_rows[k]) * sample_w + offset_cols[k]


def masked_ssd(floating[:, :, ::1] sample, Py_ssize_t window, const Py_ssize_t[::1] offset_rows,
               const Py_ssize_t[::1] offset_cols, floating[::1] weights, floating[:, ::1] values,
               floating[:, ::1] out):
    """Weighted SSD between a template and every window of the sample.

    sample       (C, H, W) channel planes
    window       side of the (square) window
    offset_rows  (K,) row of each valid template pixel inside the window
    offset_cols  (K,) column of each valid template pixel inside the window
    weights      (K,) Gaussian weight of each valid pixel, already divided by C * (sum of the weights)
    values       (K, C) the template's values at those pixels
    out          (H - window + 1, W): out[y, x] is the error of the window with top-left corner (y, x) for
                 x <= W - window; the last window - 1 columns are set to 0 (no window starts there)
    """
    cdef Py_ssize_t n_valid = weights.shape[0]
    cdef int n_threads = 2 if out.shape[0] * out.shape[1] * n_valid * sample.shape[0] > 100000 else 1
    if out.shape[0] == 0 or out.shape[1] == 0:
        return
    with nogil:
        window_errors(&sample[0, 0, 0], sample.shape[0], sample.shape[1], sample.shape[2], window,
                      &offset_rows[0] if n_valid else NULL, &offset_cols[0] if n_valid else NULL,
                      &weights[0] if n_valid else NULL, &values[0, 0] if n_valid else NULL, n_valid,
                      &out[0, 0], n_threads)


def grow_pixels(floating[:, :, ::1] image, unsigned char[:, ::1] known, floating[:, :, ::1] sample,
                const unsigned char[:, ::1] usable, floating[:, ::1] gaussian,
                const Py_ssize_t[::1] pixel_rows, const Py_ssize_t[::1] pixel_cols, const double[::1] uniforms,
                double match_tolerance, double max_error,
                Py_ssize_t[::1] offset_rows, Py_ssize_t[::1] offset_cols, floating[::1] weights,
                floating[:, ::1] values, floating[:, ::1] errors, int n_threads=1, Py_ssize_t[:, :, ::1] sources=None):
    """One pass of Efros & Leung over the listed pixels, in order; returns how many were filled.

    image        (C, H + w - 1, W + w - 1) the image being grown, padded by w // 2 on each side
    known        (H + w - 1, W + w - 1) 1 where image holds a value (0 in the padding); updated
    sample       (C, Hs, Ws) where candidate windows come from
    usable       (Hs - w + 1, Ws - w + 1) 1 for windows that may be copied from
    gaussian     (w, w) the Gaussian weights of a window
    pixel_rows, pixel_cols  (P,) pixels to grow, in image (unpadded) coordinates
    uniforms     (P,) numbers in [0, 1) that pick among the good matches, drawn by the caller
    match_tolerance  candidates within (1 + match_tolerance) of the best error are good matches
    max_error    a pixel is filled only when its chosen match's error is below this
    offset_rows, offset_cols, weights (w * w,), values (w * w, C), errors (Hs - w + 1, Ws): scratch
    n_threads    threads for each pixel's match (large samples only); a pass whose threaded matches stall
                 (another program holds a core) finishes on one thread. The result never depends on it.
    sources      optional (H, W, 2): for each pixel filled, the sample coordinates of the centre it copied
    """
    cdef Py_ssize_t n_channels = image.shape[0], w = gaussian.shape[0]
    cdef Py_ssize_t n_rows = usable.shape[0], n_cols = usable.shape[1]
    cdef Py_ssize_t p, y, x, dy, dx, c, k, n_valid, n_good, pick, filled = 0
    cdef Py_ssize_t best_y = 0, best_x = 0
    cdef floating total, best, limit, e
    cdef long long began, took, fastest = -1
    cdef int stalls = 0
    if n_rows * n_cols * w * w * n_channels <= 200000:
        n_threads = 1  # too little work per pixel to share
    with nogil:
        for p in range(pixel_rows.shape[0]):
            y, x = pixel_rows[p], pixel_cols[p]
            # The template: the known pixels of the window centred on (y, x).
            n_valid, total = 0, 0
            for dy in range(w):
                for dx in range(w):
                    if known[y + dy, x + dx]:
                        offset_rows[n_valid], offset_cols[n_valid] = dy, dx
                        weights[n_valid] = gaussian[dy, dx]
                        total += gaussian[dy, dx]
                        for c in range(n_channels):
                            values[n_valid, c] = image[c, y + dy, x + dx]
                        n_valid += 1
            if n_valid == 0:
                continue
            for k in range(n_valid):
                weights[k] /= total * n_channels
            began = now_ns()
            window_errors(&sample[0, 0, 0], n_channels, sample.shape[1], sample.shape[2], w, &offset_rows[0],
                          &offset_cols[0], &weights[0], &values[0, 0], n_valid, &errors[0, 0], n_threads)
            if n_threads > 1:
                took = now_ns() - began
                if fastest >= 0 and took > STALL_FACTOR * fastest + STALL_NS:
                    stalls += 1
                    if stalls >= STALLS_ALLOWED:
                        n_threads = 1
                if fastest < 0 or took < fastest:
                    fastest = took
            # All usable windows within (1 + tolerance) of the best are good; pick one uniformly.
            best = -1
            for dy in range(n_rows):
                for dx in range(n_cols):
                    if usable[dy, dx] and (best < 0 or errors[dy, dx] < best):
                        best = errors[dy, dx]
            if best < 0:
                continue
            limit = best * (1 + match_tolerance)
            n_good = 0
            for dy in range(n_rows):
                for dx in range(n_cols):
                    if usable[dy, dx] and errors[dy, dx] <= limit:
                        n_good += 1
            pick = min(<Py_ssize_t>(uniforms[p] * n_good), n_good - 1)
            e = best
            for dy in range(n_rows):
                for dx in range(n_cols):
                    if usable[dy, dx] and errors[dy, dx] <= limit:
                        if pick == 0:
                            best_y, best_x, e = dy, dx, errors[dy, dx]
                        pick -= 1
            if e < max_error:
                for c in range(n_channels):
                    image[c, y + w // 2, x + w // 2] = sample[c, best_y + w // 2, best_x + w // 2]
                known[y + w // 2, x + w // 2] = 1
                if sources is not None:
                    sources[y, x, 0] = best_y + w // 2
                    sources[y, x, 1] = best_x + w // 2
                filled += 1
    return filled


# --- the fast path: a few candidates per pixel ---------------------------------------------------------

cdef inline Py_ssize_t add_candidate(Py_ssize_t[:, ::1] candidates, Py_ssize_t n, Py_ssize_t cy, Py_ssize_t cx,
                                     const unsigned char[:, ::1] usable, Py_ssize_t half) noexcept nogil:
    """Append the window centred on (cy, cx) when it may be copied and is not listed yet; the new count."""
    cdef Py_ssize_t ty = cy - half, tx = cx - half, k
    if ty < 0 or tx < 0 or ty >= usable.shape[0] or tx >= usable.shape[1] or not usable[ty, tx]:
        return n
    if n >= candidates.shape[0]:
        return n
    for k in range(n):
        if candidates[k, 0] == cy and candidates[k, 1] == cx:
            return n
    candidates[n, 0] = cy
    candidates[n, 1] = cx
    return n + 1


cdef inline floating window_error(floating[:, :, ::1] image, const unsigned char[:, ::1] known,
                                  floating[:, ::1] gaussian, Py_ssize_t y, Py_ssize_t x, Py_ssize_t cy,
                                  Py_ssize_t cx) noexcept nogil:
    """Gaussian-weighted SSD of the known pixels of the window at (y, x) against the window at (cy, cx)
    (both by their top-left corner in the padded image), not yet normalised."""
    cdef Py_ssize_t i, j, c, w = gaussian.shape[0]
    cdef floating difference, total, error = 0
    for i in range(w):
        for j in range(w):
            if known[y + i, x + j]:
                total = 0
                for c in range(image.shape[0]):
                    difference = image[c, y + i, x + j] - image[c, cy + i, cx + j]
                    total = total + difference * difference
                error = error + gaussian[i, j] * total
    return error


cdef inline floating known_weight(const unsigned char[:, ::1] known, floating[:, ::1] gaussian, Py_ssize_t y,
                                  Py_ssize_t x) noexcept nogil:
    """The Gaussian weight of the known pixels of the window at (y, x) (its top-left corner, padded)."""
    cdef Py_ssize_t i, j, w = gaussian.shape[0]
    cdef floating total = 0
    for i in range(w):
        for j in range(w):
            if known[y + i, x + j]:
                total = total + gaussian[i, j]
    return total


def grow_pixels_near(floating[:, :, ::1] image, unsigned char[:, ::1] known, Py_ssize_t[:, :, ::1] sources,
                     const unsigned char[:, ::1] usable, floating[:, ::1] gaussian,
                     const Py_ssize_t[::1] pixel_rows, const Py_ssize_t[::1] pixel_cols,
                     const Py_ssize_t[:, ::1] guesses, Py_ssize_t radius, const Py_ssize_t[:, :, ::1] jumps,
                     const double[::1] uniforms, double match_tolerance, double max_error,
                     Py_ssize_t[:, ::1] candidates, floating[::1] errors):
    """One pass of Efros & Leung over the listed pixels, each comparing a few candidate windows instead of
    all of them; returns how many were filled. The image is its own sample (hole filling).

    The candidates of pixel p: the windows centred within `radius` of guesses[p] (where the coarser level
    found p's match, scaled up); the coherent ones (Ashikhmin 2001): for each known or filled neighbour
    q = p + d, the window q's value came from, shifted back by d; then PatchMatch's random search (Barnes
    et al. 2009): the best candidate so far moved by each of jumps[p] in turn, so that a match far from
    the guesses can still be found (a pixel with no candidate starts it from its guess, or from itself).

    image, known  padded as in grow_pixels
    sources       (H, W, 2) the centre of the window each pixel copied (a pixel known from the start: its
                  own position); written for every pixel filled
    usable        (H - w + 1, W - w + 1) 1 for windows (by their top-left corner) that may be copied
    guesses       (P, 2) the centre to search around for each listed pixel (-1: none)
    jumps         (P, J, 2) offsets of the random search, usually of shrinking length
    candidates (K, 2), errors (K,)  scratch, K >= (2 radius + 1)^2 + 8 + J
    Other arguments as for grow_pixels.
    """
    cdef Py_ssize_t n_channels = image.shape[0], w = gaussian.shape[0], half = w // 2
    cdef Py_ssize_t h = sources.shape[0], width = sources.shape[1]
    cdef Py_ssize_t p, y, x, i, j, c, k, n, n_next, qy, qx, n_good, pick, chosen, best_k, filled = 0
    cdef floating norm, best, limit
    with nogil:
        for p in range(pixel_rows.shape[0]):
            y, x = pixel_rows[p], pixel_cols[p]
            n = 0
            if guesses[p, 0] >= 0:
                for i in range(-radius, radius + 1):
                    for j in range(-radius, radius + 1):
                        n = add_candidate(candidates, n, guesses[p, 0] + i, guesses[p, 1] + j, usable, half)
            for i in range(-1, 2):
                for j in range(-1, 2):
                    qy, qx = y + i, x + j
                    if (i != 0 or j != 0) and 0 <= qy < h and 0 <= qx < width and known[qy + half, qx + half]:
                        n = add_candidate(candidates, n, sources[qy, qx, 0] - i, sources[qy, qx, 1] - j, usable,
                                          half)
            norm = known_weight(known, gaussian, y, x)
            if norm == 0:
                continue
            norm = norm * n_channels
            # a candidate centred on (cy, cx) has its padded window's top-left corner at (cy, cx)
            best_k = 0
            for k in range(n):
                errors[k] = window_error(image, known, gaussian, y, x, candidates[k, 0], candidates[k, 1]) / norm
                if errors[k] < errors[best_k]:
                    best_k = k
            # with no candidate yet, the search starts from the guess, or from the pixel itself
            qy, qx = y, x
            if guesses[p, 0] >= 0:
                qy, qx = guesses[p, 0], guesses[p, 1]
            for k in range(jumps.shape[1]):
                if n > 0:
                    qy, qx = candidates[best_k, 0], candidates[best_k, 1]
                n_next = add_candidate(candidates, n, qy + jumps[p, k, 0], qx + jumps[p, k, 1], usable, half)
                if n_next > n:
                    errors[n] = window_error(image, known, gaussian, y, x, candidates[n, 0], candidates[n, 1]) / norm
                    if n == 0 or errors[n] < errors[best_k]:
                        best_k = n
                    n = n_next
            if n == 0:
                continue
            best = errors[best_k]
            limit = best * (1 + match_tolerance)
            n_good = 0
            for k in range(n):
                if errors[k] <= limit:
                    n_good += 1
            pick = min(<Py_ssize_t>(uniforms[p] * n_good), n_good - 1)
            chosen = 0
            for k in range(n):
                if errors[k] <= limit:
                    if pick == 0:
                        chosen = k
                    pick -= 1
            if errors[chosen] < max_error:
                qy, qx = candidates[chosen, 0], candidates[chosen, 1]
                for c in range(n_channels):
                    image[c, y + half, x + half] = image[c, qy + half, qx + half]
                known[y + half, x + half] = 1
                sources[y, x, 0] = qy
                sources[y, x, 1] = qx
                filled += 1
    return filled


def match_errors(floating[:, :, ::1] image, const unsigned char[:, ::1] known, floating[:, ::1] gaussian,
                 const Py_ssize_t[::1] pixel_rows, const Py_ssize_t[::1] pixel_cols,
                 const Py_ssize_t[:, :, ::1] sources, floating[::1] out):
    """out[p]: the error grow_pixels_near gives listed pixel p's window against the window centred on
    sources[p] (Gaussian-weighted SSD of its known pixels, over their weight and the channels); -1 where
    the window holds no known pixel. image and known padded as in grow_pixels."""
    cdef Py_ssize_t p, y, x
    cdef floating norm
    with nogil:
        for p in range(pixel_rows.shape[0]):
            y, x = pixel_rows[p], pixel_cols[p]
            norm = known_weight(known, gaussian, y, x)
            if norm == 0:
                out[p] = -1
            else:
                out[p] = window_error(image, known, gaussian, y, x, sources[y, x, 0], sources[y, x, 1]) / (
                    norm * image.shape[0])


def vote_pixels(floating[:, :, ::1] image, const Py_ssize_t[:, :, ::1] sources, const double[:, ::1] weights,
                Py_ssize_t half, const Py_ssize_t[::1] pixel_rows, const Py_ssize_t[::1] pixel_cols):
    """Wexler et al.'s vote: set each listed pixel p to the weighted mean, over the windows centred on the
    pixels q within `half` of it, of the value each window's copy gives p; the window centred on q copied
    the one centred on sources[q], so it gives p the value at sources[q] + (p - q). weights (H, W) is
    each window's say (0: it does not vote); a pixel no window votes for keeps its value.

    image  (C, H + 2 half, W + 2 half), padded by half; written in place, which is sound because a
           source window holds no listed pixel
    """
    cdef Py_ssize_t h = weights.shape[0], w = weights.shape[1], n_channels = image.shape[0]
    cdef Py_ssize_t p, y, x, qy, qx, c
    cdef double total
    with nogil:
        for p in range(pixel_rows.shape[0]):
            y, x = pixel_rows[p], pixel_cols[p]
            total = 0
            for qy in range(max(y - half, 0), min(y + half + 1, h)):
                for qx in range(max(x - half, 0), min(x + half + 1, w)):
                    total = total + weights[qy, qx]
            if total == 0:
                continue
            for c in range(n_channels):
                image[c, y + half, x + half] = 0
            for qy in range(max(y - half, 0), min(y + half + 1, h)):
                for qx in range(max(x - half, 0), min(x + half + 1, w)):
                    if weights[qy, qx] != 0:
                        for c in range(n_channels):
                            image[c, y + half, x + half] += <floating>(weights[qy, qx] / total) * image[
                                c, sources[qy, qx, 0] + y - qy + half, sources[qy, qx, 1] + x - qx + half]
