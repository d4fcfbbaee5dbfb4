"""Texture synthesis and hole filling by non-parametric sampling (Efros & Leung, ICCV 1999).

Each unknown pixel on the boundary of the known region is given the centre of a window of the sample
whose known neighbourhood matches its own under a Gaussian-weighted SSD. The matcher and one growing
pass run in the kernel (pyx/ssd.pyx); the passes, the pixel order and all checks are here.

The fast path for photo-sized holes (fill_coarse_to_fine) completes the hole coarse to fine as Wexler et
al. do: at each size, every hole pixel's whole window is matched (near its current match, its neighbours'
coherent sources and PatchMatch's random jumps; kernel in pyx/ssd.pyx) and the matches vote on each
pixel's value; the full-size fill is blended into the photo in the gradient domain (blend_seams).

References
----------
A. A. Efros and T. K. Leung, "Texture synthesis by non-parametric sampling", ICCV 1999.
M. Ashikhmin, "Synthesizing natural textures", I3D 2001 (coherent candidates).
C. Barnes et al., "PatchMatch: a randomized correspondence algorithm for structural image editing",
SIGGRAPH 2009 (random search).
Y. Wexler, E. Shechtman and M. Irani, "Space-time completion of video", PAMI 2007 (matching and voting).
P. Perez, M. Gangnet and A. Blake, "Poisson image editing", SIGGRAPH 2003 (the blend).
"""
import numpy as np
from scipy import ndimage

from . import _affinity, _ssd, propagate, reference
from .images import as_float_image, from_float_image
from .threads import threads_for_now
from .progress import progress_bar

MATCH_TOLERANCE = 0.1   # ErrThreshold: good matches lie within (1 + 0.1) of the best
MAX_ERROR = 0.3         # MaxErrThreshold: a match is accepted only below this error...
MAX_ERROR_GROWTH = 1.1  # ...which grows by this factor after a pass that filled nothing
STARTING_PATCH = 3      # side of the patch of the sample a synthesis starts from
DTYPE = np.float32      # the grid the matcher works in; values are in [0, 1]
MAX_TEXTURE_PIXELS = 16_000_000  # synthesize() refuses larger outputs before allocating them
# The fast path (fill_coarse_to_fine): used by method="auto" when the exact search would compare more than
# FAST_ABOVE (hole pixel, window) pairs; coarser copies down to a hole of COARSEST_HOLE pixels a side (or
# an image COARSEST_WINDOWS windows across); EM_ROUNDS rounds of matching every hole pixel (refine: the
# windows within REFINE_RADIUS of its match, its neighbours' coherent ones and a random search) and voting
# at each level but the full-size one.
FAST_ABOVE = 50_000_000
COARSEST_HOLE = 24
COARSEST_WINDOWS = 8
EM_ROUNDS = 4  # more rounds (8) did no better on the scene photos and worse on the astronaut
REFINE_RADIUS = 1  # a pixel's current match is a good one: its close neighbours suffice
REFINE_SLICE = 2048  # pixels per kernel call of the refinement pass
SEAM_TOLERANCE = 1e-3  # the blend's solve stops within about a quarter of a grey level
METHODS = ("auto", "exact", "fast")


def gaussian_window(window, dtype=DTYPE):
    """(window, window) Gaussian weights with sigma = window / 6.4, as in the paper."""
    sigma = window / 6.4
    r = np.arange(window) - window // 2
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma ** 2))
    return (g / g.max()).astype(dtype)


# --- input checks -------------------------------------------------------------------------------------

def check_window(window, *shapes):
    """The window must be an odd integer >= 3 that fits inside every given (H, W)."""
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)):
        raise TypeError(f"window must be an odd integer, got {window!r}")
    window = int(window)
    if window < 3 or window % 2 == 0:
        raise ValueError(f"window must be an odd integer >= 3 (the paper uses 15), got {window}")
    smallest = min(min(shape[:2]) for shape in shapes)
    if window > smallest:
        raise ValueError(f"window {window} is larger than the sample ({smallest} pixels on its short side); "
                         f"use --window {smallest if smallest % 2 else smallest - 1} or less")
    return window


# --- the growing loop ---------------------------------------------------------------------------------

def window_sums(mask, window):
    """Sum of mask over the window centred on every pixel (zero outside), by a summed-area table."""
    half = window // 2
    padded = np.pad(mask.astype(np.int32), half + 1)[: mask.shape[0] + 2 * half + 1, : mask.shape[1] + 2 * half + 1]
    table = padded.cumsum(0).cumsum(1)
    h, w = mask.shape
    return (table[window:window + h, window:window + w] - table[:h, window:window + w]
            - table[window:window + h, :w] + table[:h, :w])


def padded_planes(canvas, half):
    """(C, H + 2 half, W + 2 half) contiguous DTYPE copy of canvas (H, W, C), zero-padded: the kernels' grid."""
    return np.ascontiguousarray(np.pad(canvas, ((half, half), (half, half), (0, 0))).transpose(2, 0, 1), dtype=DTYPE)


def unpadded(planes, half):
    """The (H, W, C) view of padded_planes' grid without its border."""
    return planes[:, half:planes.shape[1] - half, half:planes.shape[2] - half].transpose(1, 2, 0)


def grow(canvas, known, sample, usable, window, rng, progress=False, use_reference=False, sources=None):
    """Fill every unknown pixel of canvas (H, W, C) in place, growing out from the known ones.

    known (H, W) bool is where canvas holds values; sample (Hs, Ws, C) supplies candidate windows, of which
    only those with usable (Hs - w + 1, Ws - w + 1) true may be copied. Follows the paper's pseudo-code:
    each pass visits the unknown pixels that touch known ones, most known neighbours first (ties broken
    at random), and raises the acceptance threshold by 10% after a pass that filled nothing.

    sources (H, W, 2) int, optional: receives the centre each filled pixel copied.
    """
    kernels = reference if use_reference else _ssd
    half = window // 2
    n_channels = canvas.shape[2]
    planes = padded_planes(canvas, half)
    known_padded = np.pad(known, half).astype(np.uint8)
    usable = np.ascontiguousarray(usable, dtype=np.uint8)
    gaussian = gaussian_window(window)
    sample_planes = np.ascontiguousarray(sample.transpose(2, 0, 1), dtype=DTYPE)
    scratch = dict(offset_rows=np.empty(window * window, np.intp), offset_cols=np.empty(window * window, np.intp),
                   weights=np.empty(window * window, DTYPE), values=np.empty((window * window, n_channels), DTYPE),
                   errors=np.empty((usable.shape[0], sample.shape[1]), DTYPE))
    max_error = MAX_ERROR
    # Each pass looks at the unknown pixels' bounding box only, widened by half a window plus one so that
    # the frontier and its known-neighbour counts are those of the whole image.
    unknown_rows, unknown_cols = np.nonzero(~known)
    top, left = max(0, unknown_rows.min(initial=0) - half - 1), max(0, unknown_cols.min(initial=0) - half - 1)
    height, width = known.shape
    box = (slice(top + half, min(height, unknown_rows.max(initial=0) + half + 2) + half),
           slice(left + half, min(width, unknown_cols.max(initial=0) + half + 2) + half))
    remaining = int((~known).sum())
    with progress_bar(total=remaining, disable=not progress, unit="px", desc="growing", leave=False) as bar:
        while remaining:
            known_core = known_padded[box].astype(bool)
            frontier = ~known_core & ndimage.binary_dilation(known_core, structure=np.ones((3, 3), bool))
            rows, cols = np.nonzero(frontier)
            neighbours = window_sums(known_core, window)[rows, cols]
            order = np.lexsort((rng.random(rows.size), -neighbours))
            rows, cols = (rows[order] + top).astype(np.intp), (cols[order] + left).astype(np.intp)
            filled = kernels.grow_pixels(
                planes, known_padded, sample_planes, usable, gaussian, rows, cols, rng.random(rows.size),
                MATCH_TOLERANCE, max_error, **scratch, n_threads=threads_for_now(), sources=sources)
            if filled == 0:
                max_error *= MAX_ERROR_GROWTH
            remaining -= filled
            bar.update(filled)
    canvas[...] = unpadded(planes, half)
    return canvas


# --- the fast path for photos: coarse to fine ------------------------------------------------------------

def fully_known_windows(hole, window):
    """(H - w + 1, W - w + 1) True where the window (by its top-left corner) holds no hole pixel."""
    half = window // 2
    return window_sums(hole, window)[half: hole.shape[0] - half, half: hole.shape[1] - half] == 0


def halve(image):
    """Average 2x2 blocks (an odd last row or column is averaged with itself)."""
    h, w = image.shape[:2]
    padded = np.pad(image, [(0, h % 2), (0, w % 2)] + [(0, 0)] * (image.ndim - 2), mode="edge")
    return 0.25 * (padded[0::2, 0::2] + padded[1::2, 0::2] + padded[0::2, 1::2] + padded[1::2, 1::2])


def coarse_levels(floats, hole, window):
    """[(image, hole), ...] from full size down, halving until the hole fits in COARSEST_HOLE pixels a side
    or a smaller copy would be less than COARSEST_WINDOWS windows across (there, a window sees whole
    objects rather than texture, and copies them). A coarse pixel is a hole pixel when any pixel of its
    block is."""
    levels = [(floats, hole)]
    while True:
        image, level_hole = levels[-1]
        rows, cols = np.nonzero(level_hole)
        extent = max(np.ptp(rows), np.ptp(cols)) + 1
        smaller_hole = halve(level_hole.astype(np.float64)) > 0
        if (extent <= COARSEST_HOLE or min(image.shape[:2]) < 2 * COARSEST_WINDOWS * window
                or not fully_known_windows(smaller_hole, window).any()):
            return levels
        levels.append((halve(image), smaller_hole))


def fill_coarse_to_fine(floats, hole, window, rng, progress=False, use_reference=False):
    """Fill the hole level by level, as Wexler et al. (2007) complete a photo: on the smallest copy, from
    the better of two starts (coarsest_fill); at each larger size, the coarser matches scaled up vote this
    level's detail into the hole, and rounds of matching every hole pixel's whole window (refine) and
    voting make the fill agree with itself and with the photo. The full-size fill takes each pixel's own
    match's value, which keeps the texture sharp, and ends with a gradient-domain blend of its seams.
    Returns the filled canvas."""
    levels = coarse_levels(floats, hole, window)
    with progress_bar(total=len(levels), disable=not progress, unit="level", desc="filling", leave=False) as bar:
        canvas, sources = coarsest_fill(*levels[-1], window, rng, use_reference)
        bar.update(1)
        for depth in range(len(levels) - 2, -1, -1):
            image, level_hole = levels[depth]
            h, w = level_hole.shape
            own = np.stack(np.indices((h, w)), axis=-1).astype(np.intp)
            usable = fully_known_windows(level_hole, window)
            coarse_rows, coarse_cols = np.arange(h)[:, None] // 2, np.arange(w)[None, :] // 2
            canvas = np.where(level_hole[:, :, None], canvas[coarse_rows, coarse_cols], image)
            sources = np.ascontiguousarray(np.where(
                level_hole[:, :, None], 2 * sources[coarse_rows, coarse_cols] + own % 2, own), dtype=np.intp)
            vote(canvas, level_hole, sources, usable, window, use_reference, by_error=False)
            match_and_vote(canvas, level_hole, sources, usable, window, rng, EM_ROUNDS if depth else 0, use_reference)
            bar.update(1)
    blend_seams(canvas, hole, sources, use_reference)
    return canvas


def coarsest_fill(image, hole, window, rng, use_reference=False):
    """(canvas, sources): the smallest copy filled from two starts, each followed by EM_ROUNDS of
    matching and voting, keeping the one whose windows match the photo better (the lower mean error,
    the quantity the rounds minimise). A smooth start (the known pixels around the hole, blurred in)
    settles on the background where an object was removed; Efros and Leung's growing continues
    structure, such as a ridge crossing the hole, that a blur would wash out."""
    usable = fully_known_windows(hole, window)
    own = np.stack(np.indices(hole.shape), axis=-1).astype(np.intp)
    best = None
    for start in ("smooth", "grown"):
        sources = np.where(hole[:, :, None], -1, own).astype(np.intp)
        if start == "smooth":
            canvas = smooth_fill(image, hole)
        else:
            canvas = np.where(hole[:, :, None], 0.0, image)
            grow(canvas, ~hole, image, usable, window, rng, use_reference=use_reference, sources=sources)
        match_and_vote(canvas, hole, sources, usable, window, rng, EM_ROUNDS, use_reference)
        # a start that left a pixel without a match (the random search can miss a few usable windows)
        # loses; the grown start never does, since growing copies only usable windows
        matched = copyable_sources(hole, sources, usable, window)
        error = np.mean(match_errors(canvas, hole, sources, window, use_reference)) if matched[hole].all() else np.inf
        if best is None or error < best[0]:
            best = error, canvas, sources
    return best[1:]


def match_and_vote(canvas, hole, sources, usable, window, rng, rounds, use_reference=False):
    """`rounds` rounds of matching every hole pixel (refine) and voting, then one last match, which
    leaves each pixel its own match's value; canvas and sources are updated in place."""
    for _ in range(rounds):
        refine(canvas, hole, sources, usable, window, rng, use_reference)
        vote(canvas, hole, sources, usable, window, use_reference)
    refine(canvas, hole, sources, usable, window, rng, use_reference)


def smooth_fill(image, hole):
    """A copy of image (H, W, C) whose hole holds a Gaussian-weighted mean of the known pixels around it
    (normalized convolution), blurred wide enough to reach the hole's middle."""
    rows, cols = np.nonzero(hole)
    sigma = (max(np.ptp(rows), np.ptp(cols)) + 1) / 2
    known = (~hole).astype(np.float64)
    weight = np.maximum(ndimage.gaussian_filter(known, sigma, mode="nearest"), 1e-12)
    filled = image.copy()
    for c in range(image.shape[2]):
        blurred = ndimage.gaussian_filter(image[:, :, c] * known, sigma, mode="nearest") / weight
        filled[:, :, c] = np.where(hole, blurred, image[:, :, c])
    return filled


def copyable_sources(hole, sources, usable, window):
    """(H, W) True at the hole pixels whose source is the centre of a window that may be copied."""
    half = window // 2
    corners = sources - half
    inside = ((0 <= corners[..., 0]) & (corners[..., 0] < usable.shape[0]) & (0 <= corners[..., 1])
              & (corners[..., 1] < usable.shape[1]))
    found = hole & inside
    found[found] = usable[corners[found][:, 0], corners[found][:, 1]]
    return found


def match_errors(canvas, hole, sources, window, use_reference=False):
    """Each hole pixel's window error against its source's window (row-major order), as the matcher
    measures it. Every hole pixel's source must be a copyable window's centre (copyable_sources)."""
    kernels = reference if use_reference else _ssd
    half = window // 2
    rows, cols = (a.astype(np.intp) for a in np.nonzero(hole))
    errors = np.empty(rows.size, DTYPE)
    kernels.match_errors(padded_planes(canvas, half), np.pad(np.ones(hole.shape, np.uint8), half),
                         gaussian_window(window), rows, cols, sources, errors)
    return errors


def vote(canvas, hole, sources, usable, window, use_reference=False, by_error=True):
    """Set every hole pixel to the weighted mean of the values the windows over it copied, in place (the
    vote of Wexler et al. 2007; see _ssd.vote_pixels). Windows centred on hole pixels with a copyable
    source vote; with by_error, a window that matches its copy well has more say: exp(-e / (2 e75)), e its
    error and e75 the 75th percentile of them all (Wexler et al.'s similarity weight)."""
    kernels = reference if use_reference else _ssd
    half = window // 2
    voters = copyable_sources(hole, sources, usable, window)
    weights = voters.astype(np.float64)
    if by_error:
        errors = match_errors(canvas, voters, sources, window, use_reference).astype(np.float64)
        scale = 2 * max(np.percentile(errors, 75), 1e-12) if errors.size else 1.0
        weights[voters] = np.exp(-np.minimum(errors / scale, 50.0))
    rows, cols = (a.astype(np.intp) for a in np.nonzero(hole))
    planes = padded_planes(canvas, half)
    kernels.vote_pixels(planes, sources, weights, half, rows, cols)
    canvas[...] = unpadded(planes, half)


def refine(canvas, hole, sources, usable, window, rng, use_reference=False):
    """Match every hole pixel once more, now that its whole window is filled, and take the new match's
    value (one step of the iterative refinement of Wexler et al. 2007 and PatchMatch): a pixel filled
    early, from a window that was mostly hole, is re-chosen knowing all its neighbours. Border inward,
    as the hole was grown; canvas and sources are updated in place."""
    kernels = reference if use_reference else _ssd
    half = window // 2
    planes = padded_planes(canvas, half)
    everywhere = np.pad(np.ones(hole.shape, np.uint8), half)
    rows, cols = np.nonzero(hole)
    order = np.lexsort((rng.random(rows.size), ndimage.distance_transform_cdt(hole)[rows, cols]))
    rows, cols = rows[order].astype(np.intp), cols[order].astype(np.intp)
    jumps = random_jumps(rng, rows.size, hole.shape)
    uniforms = rng.random(rows.size)
    candidates, errors = near_scratch(jumps)
    usable, gaussian = np.ascontiguousarray(usable, dtype=np.uint8), gaussian_window(window)
    # In slices of pixels, so that Ctrl-C is answered between kernel calls (the result is the same).
    for start in range(0, rows.size, REFINE_SLICE):
        part = slice(start, start + REFINE_SLICE)
        kernels.grow_pixels_near(planes, everywhere, sources, usable, gaussian, rows[part], cols[part],
                                 np.ascontiguousarray(sources[rows[part], cols[part]]), REFINE_RADIUS, jumps[part],
                                 uniforms[part], MATCH_TOLERANCE, np.inf, candidates, errors)
    canvas[...] = unpadded(planes, half)


def blend_seams(canvas, hole, sources, use_reference=False):
    """Blend the fill into the photo in the gradient domain (Perez, Gangnet & Blake 2003), in place.

    The hole's values are solved for so that from each pixel to its 4 neighbours they change as the
    copied windows do, while meeting the known pixels around the hole. Between two neighbours that copied
    from different places (a seam, where two growing fronts met or at the hole's border) the step is the
    mean of the steps each copy continues with, so a jump in brightness there is spread smoothly over the
    hole instead of showing as an edge; inside a coherent copy the steps are the copy's own. Solved by
    colorcore.propagate's multigrid conjugate gradients over the hole's bounding box.
    """
    kernels = reference if use_reference else _affinity
    height, width = hole.shape
    filled = canvas.copy()

    def value(rows, cols):
        return filled[np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1)]

    rows, cols = np.nonzero(hole)
    source_rows, source_cols = sources[rows, cols, 0], sources[rows, cols, 1]
    top, left = max(rows.min() - 1, 0), max(cols.min() - 1, 0)
    box = (slice(top, min(rows.max() + 2, height)), slice(left, min(cols.max() + 2, width)))
    free = np.ascontiguousarray(hole[box])
    rhs = np.zeros(free.shape + (canvas.shape[2],))
    for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        inside = (0 <= rows + dy) & (rows + dy < height) & (0 <= cols + dx) & (cols + dx < width)
        p_rows, p_cols = rows[inside], cols[inside]
        p_source_rows, p_source_cols = source_rows[inside], source_cols[inside]
        step = value(p_source_rows + dy, p_source_cols + dx) - value(p_source_rows, p_source_cols)
        seam = hole[p_rows + dy, p_cols + dx]  # both in the hole: the mean of both copies' steps
        q_sources = sources[p_rows[seam] + dy, p_cols[seam] + dx]
        step[seam] = 0.5 * (step[seam] + value(q_sources[:, 0], q_sources[:, 1])
                            - value(q_sources[:, 0] - dy, q_sources[:, 1] - dx))
        np.subtract.at(rhs, (p_rows - top, p_cols - left), step)
    # The 4-neighbour graph Laplacian in colorcore.propagate's stencil form: couplings to the right and
    # down neighbours (its FORWARD_NEIGHBOURS 0 and 2), each pixel's degree on the diagonal.
    box_h, box_w = free.shape
    weights = np.zeros((box_h, box_w, 4))
    weights[:, :-1, 0] = 1
    weights[:-1, :, 2] = 1
    degree = np.zeros(free.shape)
    degree[:, :-1] += 1
    degree[:, 1:] += 1
    degree[:-1] += 1
    degree[1:] += 1
    diagonal = np.where(free, degree, 1.0)
    x = np.ascontiguousarray(filled[box], dtype=np.float64)
    residual = np.empty_like(x)
    kernels.affinity_residual(weights, diagonal, rhs, x, residual, threads_for_now())
    residual *= free[..., None]
    fine = propagate.Level(propagate.free_couplings(weights, free), diagonal, free, kernels)
    propagate.conjugate_gradients(propagate.Multigrid(fine), x, residual, SEAM_TOLERANCE)
    canvas[box][free] = np.clip(x[free], 0.0, 1.0)


def random_jumps(rng, n_pixels, shape):
    """(n_pixels, J, 2) offsets for the random search of grow_pixels_near: uniform in a square whose half
    side starts at the image's longer side and halves down to one pixel (PatchMatch's schedule)."""
    longest = max(shape)
    radii = longest * 0.5 ** np.arange(int(np.log2(longest)) + 1)
    return np.rint(rng.uniform(-1, 1, (n_pixels, radii.size, 2)) * radii[:, None]).astype(np.intp)


def near_scratch(jumps):
    """The candidates and errors scratch arrays grow_pixels_near needs with these jumps."""
    size = (2 * REFINE_RADIUS + 1) ** 2 + 8 + jumps.shape[1]
    return np.empty((size, 2), np.intp), np.empty(size, DTYPE)


# --- public API ---------------------------------------------------------------------------------------

def synthesize(sample, size, window=15, seed=0, progress=False, use_reference=False):
    """Grow a new texture of `size` from a sample texture.

    Parameters
    ----------
    sample : array (H, W) or (H, W, C), uint8 or float in [0, 1], or a PIL image
    size : int or (height, width)
    window : odd int, the neighbourhood side (the paper's WindowSize; 15 by default)
    seed : int or numpy.random.Generator; the same seed gives the same texture
    progress : show a progress bar over pixels
    use_reference : run the NumPy twin of the kernel (for benchmarks and tests)

    Returns
    -------
    array of `size` with the sample's channels and dtype.

    Examples
    --------
    >>> stripes = np.tile(np.array([0, 0, 255, 255], np.uint8), (8, 2))
    >>> synthesize(stripes, (10, 10), window=3).shape
    (10, 10)
    """
    floats, dtype, was_2d = as_float_image(sample, "sample")
    height, width = (size, size) if np.isscalar(size) else tuple(size)
    if int(height) != height or int(width) != width or min(height, width) < 1:
        raise ValueError(f"size must be positive integers (height, width), got {size!r}")
    height, width = int(height), int(width)
    if height * width > MAX_TEXTURE_PIXELS:
        raise ValueError(f"a {width}x{height} texture is {height * width / 1e6:.0f} megapixels; colorcore grows at "
                         f"most {MAX_TEXTURE_PIXELS / 1e6:.0f} (one pixel at a time, it would take days)")
    window = check_window(window, floats.shape)
    rng = np.random.default_rng(seed)
    canvas = np.zeros((height, width, floats.shape[2]))
    known = np.zeros((height, width), bool)
    # Start from a random STARTING_PATCH x STARTING_PATCH patch of the sample, placed in the middle.
    patch_h, patch_w = min(STARTING_PATCH, height), min(STARTING_PATCH, width)
    sy = rng.integers(0, floats.shape[0] - patch_h + 1)
    sx = rng.integers(0, floats.shape[1] - patch_w + 1)
    cy, cx = (height - patch_h) // 2, (width - patch_w) // 2
    canvas[cy:cy + patch_h, cx:cx + patch_w] = floats[sy:sy + patch_h, sx:sx + patch_w]
    known[cy:cy + patch_h, cx:cx + patch_w] = True
    usable = np.ones((floats.shape[0] - window + 1, floats.shape[1] - window + 1), bool)
    grow(canvas, known, floats, usable, window, rng, progress, use_reference)
    return from_float_image(canvas, dtype, was_2d)


def fill_holes(image, mask, window=15, seed=0, sample=None, progress=False, use_reference=False, method="auto"):
    """Fill the masked pixels of an image with texture grown from the rest of it.

    Parameters
    ----------
    image : array (H, W) or (H, W, C), uint8 or float in [0, 1], or a PIL image
    mask : array (H, W); nonzero / True marks the hole
    window : odd int, the neighbourhood side (15 by default)
    seed : int or numpy.random.Generator; the same seed gives the same fill
    sample : optional image to copy windows from; by default the image's own fully known windows
    progress, use_reference : as for synthesize
    method : "exact" compares every pixel with every window (the paper; its cost grows with hole x image
        pixels); "fast" fills coarse to fine as Wexler et al. complete photos: at each size every hole
        pixel's window is matched, comparing only the windows near its current match, those its
        neighbours' matches suggest and a few random ones (PatchMatch's search), and the matches vote on
        each pixel's value; the fill is then blended in the gradient domain; "auto" (default) takes
        "fast" when the exact search would make more than FAST_ABOVE comparisons. With a sample image:
        always "exact".

    Returns
    -------
    A copy of image, same dtype and shape, with the hole filled; pixels outside the mask are unchanged.
    """
    floats, dtype, was_2d = as_float_image(image, "image")
    hole = np.asarray(mask)
    if hole.ndim == 3 and hole.shape[2] == 1:
        hole = hole[:, :, 0]
    if hole.shape != floats.shape[:2]:
        raise ValueError(f"mask has shape {hole.shape} but the image is {floats.shape[0]}x{floats.shape[1]}; "
                         "they must be the same size")
    hole = hole.astype(bool)
    if not hole.any():
        return np.array(image, copy=True)
    if hole.all():
        raise ValueError("the mask covers the whole image; nothing is left to grow from (pass sample= to "
                         "synthesize from another image)")
    if sample is None:
        source = floats
        window = check_window(window, floats.shape)
        usable = fully_known_windows(hole, window)
        if not usable.any():
            raise ValueError(f"no fully known {window}x{window} window in the image to copy from; "
                             "use a smaller window or a smaller hole, or pass a sample image")
    else:
        source, _, _ = as_float_image(sample, "sample")
        if source.shape[2] != floats.shape[2]:
            raise ValueError(f"sample has {source.shape[2]} channels but the image has {floats.shape[2]}")
        window = check_window(window, source.shape)
        usable = np.ones((source.shape[0] - window + 1, source.shape[1] - window + 1), bool)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    rng = np.random.default_rng(seed)
    work = int(hole.sum()) * int(usable.sum())
    if sample is None and (method == "fast" or (method == "auto" and work > FAST_ABOVE)):
        canvas = fill_coarse_to_fine(floats, hole, window, rng, progress, use_reference)
    else:
        canvas = np.where(hole[:, :, None], 0.0, floats)
        grow(canvas, ~hole, source, usable, window, rng, progress, use_reference)
    # Only hole pixels take new values, so known pixels come back bit for bit.
    result = np.array(image, copy=True)
    filled = from_float_image(canvas, dtype, was_2d)
    result[hole] = filled[hole]
    return result
