"""NumPy twins of every Cython kernel: same argument order, same outputs, plain array code.

They define what the kernels must compute (the property tests pair each one with its kernel) and are the
baseline the benchmarks measure against. Like the kernels, they trust their inputs.
"""
import numpy as np

from .activations import ACTIVATIONS, apply, derivative_from_output
from .losses import LOSSES, loss_sum, output_gradient


# --- dense layers (pyx/dense.pyx) -------------------------------------------------------------------

def dense_forward(X, W, b, A, activation):
    """A = act(X @ W + b)."""
    A[...] = apply(X @ W + b, ACTIVATIONS[activation])


def dense_backward(X, W, A, dA, activation, weight_decay, dZ, dW, db, dX, compute_dX):
    """dZ = dA * act'(A); dW = X^T dZ + weight_decay W; db = sum_rows dZ; dX = dZ W^T if compute_dX."""
    dZ[...] = dA * derivative_from_output(A, ACTIVATIONS[activation])
    dW[...] = X.T @ dZ + weight_decay * W
    db[...] = dZ.sum(axis=0)
    if compute_dX:
        dX[...] = dZ @ W.T


def parameter_views(params, sizes):
    """[(W0, b0), (W1, b1), ...] as views of the flat parameter vector (layout W0, b0, W1, b1, ...)."""
    views, offset = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = params[offset:offset + n_in * n_out].reshape(n_in, n_out)
        offset += n_in * n_out
        views.append((W, params[offset:offset + n_out]))
        offset += n_out
    return views


def epoch_workspace_size(sizes, batch_size):
    """Elements of scratch space the kernel's train_epoch needs; the twin allocates its own and ignores it.

    Same formula as the kernel: for each of its two shards, a copy of the parameters and both moments, the
    shard's gradient twice over and a spare gradient (each padded to whole 16-element cache lines), then
    W^T of every layer and buffers for a tile of at most 64 rows (its layers' outputs and two deltas).
    """
    sizes = [int(s) for s in sizes]
    shard_rows = max((batch_size + 1) // 2, min(batch_size, 15))
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    copies_and_gradients = 6 * _whole_lines(n_params)  # params, m1, m2; even, odd and spare gradients
    scratch = _whole_lines(n_params) + _whole_lines(min(shard_rows, 64) * (sum(sizes) + 2 * max(sizes)))
    return 2 * (copies_and_gradients + scratch) + 16  # two shards, and room to start on a cache line


def _whole_lines(count):
    return (count + 15) // 16 * 16


def train_epoch(X, T, order, sizes, activations, loss, params, m1, m2, workspace, batch_size,
                lr, beta1, beta2, eps, lam, step, n_threads=1):
    """One epoch of minibatch Adam on J = (1/m) sum_rows loss + lam/(2m) sum w^2 (n_threads is ignored).

    Returns (step after the epoch, summed loss of each minibatch before its update).
    """
    names = [ACTIVATIONS[a] for a in activations]
    loss_name = LOSSES[loss]
    grads = np.empty_like(params)
    layers = parameter_views(params, sizes)
    grad_layers = parameter_views(grads, sizes)
    total = 0.0
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        m = len(rows)
        outputs = [X[rows]]
        for (W, b), name in zip(layers, names):
            outputs.append(apply(outputs[-1] @ W + b, name))
        total += loss_sum(loss_name, outputs[-1], T[rows])
        delta = output_gradient(loss_name, outputs[-1], T[rows]) / m
        for i in range(len(layers) - 1, -1, -1):
            (W, _), (dW, db) = layers[i], grad_layers[i]
            delta = delta * derivative_from_output(outputs[i + 1], names[i])  # (softmax's output is linear)
            dW[...] = outputs[i].T @ delta + (lam / m) * W
            db[...] = delta.sum(axis=0)
            if i > 0:
                delta = delta @ W.T
        step += 1
        adam_step(params, grads, m1, m2, lr, beta1, beta2, eps, step)
    return step, total


# --- optimisers (pyx/optim.pyx) ---------------------------------------------------------------------

def adam_step(param, grad, m, v, lr, beta1, beta2, eps, t):
    """One Adam step at step t >= 1 (Kingma & Ba, Algorithm 1), in place."""
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    param -= lr * m_hat / (np.sqrt(v_hat) + eps)


def sgd_step(param, grad, velocity, lr, momentum):
    """velocity = momentum * velocity - lr * grad; param += velocity."""
    velocity *= momentum
    velocity -= lr * grad
    param += velocity


# --- context windows (pyx/windows.pyx) --------------------------------------------------------------

NUMPY_PAD_MODES = ("edge", "reflect", "constant")  # indexed by the padding code


def context_windows(image, radius, step, padding, out, col0=0, n_threads=1):
    """out[y * w + x, col0 + (dy + r)(2r + 1) + (dx + r)] = image[y + step dy, x + step dx], padded at the
    borders (n_threads is ignored)."""
    h, w = image.shape
    side = 2 * radius + 1
    reach = radius * step
    padded = np.pad(image, reach, mode=NUMPY_PAD_MODES[padding])
    for dy in range(side):
        for dx in range(side):
            y0, x0 = dy * step, dx * step
            out[:, col0 + dy * side + dx] = padded[y0:y0 + h, x0:x0 + w].ravel()


def context_windows_at(image, radius, step, padding, pixels, out, col0=0):
    """context_windows for the listed pixels only: out row i is the window of flat pixel pixels[i]."""
    side = 2 * radius + 1
    whole = np.empty((image.size, side * side), dtype=out.dtype)
    context_windows(image, radius, step, padding, whole)
    out[:, col0:col0 + side * side] = whole[pixels]


def chroma_to_rgb(gray, ab, rgb_from_xyz, white, weights, out, n_threads=1):
    """out = keep_luma(gray, lab2rgb(L*(gray), a*, b*)), as skimage and NumPy compute it (n_threads is
    ignored; rgb_from_xyz and white are skimage's, passed so the kernel needs no copy of them)."""
    from skimage import color

    from .features import gray_lightness, keep_luma

    lab = np.empty(gray.shape + (3,))
    lab[..., 0] = gray_lightness(gray)
    lab[..., 1:] = ab
    # lab2rgb sets a negative Z (b* above 200 (L* + 16) / 116) to zero, with a warning; capping b* just
    # below that bound gives the same colours to 1e-9 and no warning.
    lab[..., 2] = np.minimum(lab[..., 2], (200 - 1e-7) * (lab[..., 0] + 16) / 116)
    out[...] = keep_luma(gray, np.clip(color.lab2rgb(lab), 0, 1), weights)


def guided_chroma_to_rgb(gray, coefficients, rgb_from_xyz, white, weights, out, n_threads=1):
    """chroma_to_rgb at a* = A gray + B, b* = C gray + D, the maps A, B, C, D (coefficients' four channels)
    resized bilinearly to gray's size (colorcore.upsample's guided upsampling, then chroma_to_rgb)."""
    from .upsample import apply_coefficients

    chroma_to_rgb(gray, apply_coefficients(coefficients, gray), rgb_from_xyz, white, weights, out)


def softmax_mean(logits, scale, shift, centres, out, n_threads=1):
    """out = softmax(scale * logits + shift) @ centres.T, row by row."""
    z = scale * logits.astype(np.float64) + shift
    q = np.exp(z - z.max(axis=1, keepdims=True))
    out[...] = (q @ centres.T.astype(np.float64)) / q.sum(axis=1, keepdims=True)


# --- lightness affinities (pyx/affinity.pyx) --------------------------------------------------------

# (dy, dx) of each pixel's forward neighbours, in the kernel's order
FORWARD_NEIGHBOURS = ((0, 1), (1, -1), (1, 0), (1, 1))


def forward_pairs(h, w):
    """For each forward neighbour k: (k, pixels, their neighbours), the two as (rows, cols) slices of an
    (h, w) image, covering every pixel whose k-th neighbour lies inside it."""
    for k, (dy, dx) in enumerate(FORWARD_NEIGHBOURS):
        yield (k, (slice(0, h - dy), slice(max(0, -dx), w - max(0, dx))),
               (slice(dy, h), slice(max(0, dx), w + min(0, dx))))


def _neighbourhoods(image):
    """(H, W, 9) values of each pixel's 3x3 window, NaN where it leaves the image."""
    padded = np.pad(image, 1, constant_values=np.nan)
    return np.lib.stride_tricks.sliding_window_view(padded, (3, 3)).reshape(*image.shape, 9)


def affinity_scales(lightness, out, n_threads=1):
    """out = max(0.6 var(3x3 window), min squared difference to a neighbour / ln 100, 2e-6)."""
    windows = _neighbourhoods(lightness)
    neighbours = np.delete(windows, 4, axis=2)
    squared = (neighbours - lightness[..., None]) ** 2
    closest = np.where(np.isnan(squared).all(axis=2), 0.0, np.nanmin(np.nan_to_num(squared, nan=np.inf), axis=2))
    out[...] = np.maximum(np.maximum(0.6 * np.nanvar(windows, axis=2), closest / np.log(100)), 2e-6)


def affinity_weights(lightness, scales, out, n_threads=1):
    """out[y, x, k] = exp(-2 (l_r - l_s)^2 / (scale_r + scale_s)), s the k-th forward neighbour; 0 outside."""
    h, w = lightness.shape
    out[...] = 0
    for k, pixels, neighbours in forward_pairs(h, w):
        d = lightness[pixels] - lightness[neighbours]
        out[pixels + (k,)] = np.exp(-2 * d * d / (scales[pixels] + scales[neighbours]))


def affinity_matrix(weights):
    """The symmetric (H W, H W) scipy.sparse matrix of the weights (flat index y * W + x)."""
    from scipy import sparse

    h, w = weights.shape[:2]
    index = np.arange(h * w).reshape(h, w)
    rows, cols, values = [], [], []
    for k, pixels, neighbours in forward_pairs(h, w):
        rows.append(index[pixels].ravel())
        cols.append(index[neighbours].ravel())
        values.append(weights[pixels + (k,)].ravel())
    rows, cols, values = np.concatenate(rows), np.concatenate(cols), np.concatenate(values)
    upper = sparse.coo_matrix((values, (rows, cols)), shape=(h * w, h * w))
    return (upper + upper.T).tocsr()


def affinity_apply(weights, diagonal, values, out, n_threads=1):
    """out[r, c] = diagonal[r] values[r, c] - sum_s W_rs values[s, c]."""
    h, w, n = values.shape
    flat = values.reshape(h * w, n)
    out[...] = (diagonal.reshape(-1, 1) * flat - affinity_matrix(weights) @ flat).reshape(h, w, n)


# --- texture matcher (pyx/ssd.pyx) ------------------------------------------------------------------

def masked_ssd(sample, window, offset_rows, offset_cols, weights, values, out):
    """out[y, x] = sum_k weights[k] sum_c (sample[c, y + offset_rows[k], x + offset_cols[k]] - values[k, c])^2
    for every window inside the sample; out is (H - window + 1, W) and its last window - 1 columns are 0."""
    n_rows = out.shape[0]
    n_cols = sample.shape[2] - window + 1
    out[...] = 0
    for k in range(len(weights)):
        r, c = offset_rows[k], offset_cols[k]
        diff = sample[:, r:r + n_rows, c:c + n_cols] - values[k][:, None, None]
        out[:, :n_cols] += weights[k] * np.sum(diff * diff, axis=0)


def grow_pixels(image, known, sample, usable, gaussian, pixel_rows, pixel_cols, uniforms, match_tolerance, max_error,
                offset_rows, offset_cols, weights, values, errors, n_threads=1, sources=None):
    """One pass of Efros & Leung over the listed pixels, in order; returns how many were filled.

    Same arguments as the kernel (pyx/ssd.pyx); the scratch arrays are used the same way; n_threads is
    ignored.
    """
    n_channels, w = image.shape[0], gaussian.shape[0]
    half = w // 2
    filled = 0
    for p in range(len(pixel_rows)):
        y, x = pixel_rows[p], pixel_cols[p]
        valid = known[y:y + w, x:x + w].astype(bool)
        n_valid = int(valid.sum())
        if n_valid == 0:
            continue
        offset_rows[:n_valid], offset_cols[:n_valid] = np.nonzero(valid)
        weights[:n_valid] = gaussian[valid]
        weights[:n_valid] /= weights[:n_valid].sum() * n_channels
        values[:n_valid] = image[:, y:y + w, x:x + w][:, valid].T
        masked_ssd(sample, w, offset_rows[:n_valid], offset_cols[:n_valid], weights[:n_valid], values[:n_valid],
                   errors)
        good_errors = np.where(usable.astype(bool), errors[:, :usable.shape[1]], np.inf)
        best = good_errors.min()
        if not np.isfinite(best):
            continue
        good = np.flatnonzero(good_errors.ravel() <= best * (1 + match_tolerance))
        choice = good[min(int(uniforms[p] * len(good)), len(good) - 1)]
        best_y, best_x = divmod(int(choice), usable.shape[1])
        if errors[best_y, best_x] < max_error:
            image[:, y + half, x + half] = sample[:, best_y + half, best_x + half]
            known[y + half, x + half] = 1
            if sources is not None:
                sources[y, x] = best_y + half, best_x + half
            filled += 1
    return filled


def grow_pixels_near(image, known, sources, usable, gaussian, pixel_rows, pixel_cols, guesses, radius, jumps,
                     uniforms, match_tolerance, max_error, candidates, errors):
    """grow_pixels with each pixel's search cut to the windows near its guess and its neighbours' sources,
    then a random search from the best of them (see pyx/ssd.pyx); the image is its own sample. Returns
    how many were filled."""
    w = gaussian.shape[0]
    half = w // 2
    h, width = sources.shape[:2]

    def may_copy(cy, cx, listed):
        ty, tx = cy - half, cx - half
        return (0 <= ty < usable.shape[0] and 0 <= tx < usable.shape[1] and usable[ty, tx]
                and (cy, cx) not in listed and len(listed) < len(candidates))

    filled = 0
    for p in range(len(pixel_rows)):
        y, x = pixel_rows[p], pixel_cols[p]
        listed = []
        wanted = []
        if guesses[p, 0] >= 0:
            wanted += [(guesses[p, 0] + i, guesses[p, 1] + j) for i in range(-radius, radius + 1)
                       for j in range(-radius, radius + 1)]
        wanted += [(sources[y + i, x + j, 0] - i, sources[y + i, x + j, 1] - j) for i in (-1, 0, 1) for j in (-1, 0, 1)
                   if (i or j) and 0 <= y + i < h and 0 <= x + j < width and known[y + i + half, x + j + half]]
        for cy, cx in wanted:
            if may_copy(cy, cx, listed):
                listed.append((cy, cx))
        valid = known[y:y + w, x:x + w].astype(bool)
        if not valid.any():
            continue
        weights = np.where(valid, gaussian, 0.0)
        norm = weights.sum() * image.shape[0]

        def error(cy, cx):
            return np.sum(weights * np.sum((image[:, y:y + w, x:x + w] - image[:, cy:cy + w, cx:cx + w]) ** 2,
                                           axis=0)) / norm

        found = [error(cy, cx) for cy, cx in listed]
        best = int(np.argmin(found)) if found else None
        start = (guesses[p, 0], guesses[p, 1]) if guesses[p, 0] >= 0 else (y, x)
        for dy, dx in jumps[p]:
            cy, cx = (listed[best] if found else start)
            cy, cx = cy + dy, cx + dx
            if may_copy(cy, cx, listed):
                listed.append((cy, cx))
                found.append(error(cy, cx))
                if best is None or found[-1] < found[best]:
                    best = len(found) - 1
        if not found:
            continue
        found = np.array(found)
        good = np.flatnonzero(found <= found[best] * (1 + match_tolerance))
        chosen = good[min(int(uniforms[p] * len(good)), len(good) - 1)]
        if found[chosen] < max_error:
            cy, cx = listed[chosen]
            image[:, y + half, x + half] = image[:, cy + half, cx + half]
            known[y + half, x + half] = 1
            sources[y, x] = cy, cx
            filled += 1
    return filled


def match_errors(image, known, gaussian, pixel_rows, pixel_cols, sources, out):
    """Each listed pixel's window error against the window centred on its source; -1 with no known pixel."""
    w = gaussian.shape[0]
    for p, (y, x) in enumerate(zip(pixel_rows, pixel_cols)):
        weights = np.where(known[y:y + w, x:x + w], gaussian, 0.0)
        if not weights.any():
            out[p] = -1
            continue
        cy, cx = sources[y, x]
        squares = np.sum((image[:, y:y + w, x:x + w] - image[:, cy:cy + w, cx:cx + w]) ** 2, axis=0)
        out[p] = np.sum(weights * squares) / (weights.sum() * image.shape[0])


def vote_pixels(image, sources, weights, half, pixel_rows, pixel_cols):
    """Each listed pixel becomes the weighted mean of what the windows over it copied (in place)."""
    h, w = weights.shape
    for y, x in zip(pixel_rows, pixel_cols):
        says, values = [], []
        for qy in range(max(y - half, 0), min(y + half + 1, h)):
            for qx in range(max(x - half, 0), min(x + half + 1, w)):
                if weights[qy, qx] != 0:
                    says.append(weights[qy, qx])
                    values.append(image[:, sources[qy, qx, 0] + y - qy + half, sources[qy, qx, 1] + x - qx + half])
        if says:
            image[:, y + half, x + half] = np.average(values, axis=0, weights=says)


def affinity_residual(weights, diagonal, rhs, values, out, n_threads=1):
    """out = rhs - A values (A as in affinity_apply)."""
    affinity_apply(weights, diagonal, values, out)
    out[...] = rhs - out


def affinity_smooth(weights, diagonal, free, rhs, values, omega, out, n_threads=1):
    """out = values + omega free (rhs - A values) / diagonal."""
    affinity_residual(weights, diagonal, rhs, values, out)
    out[...] = values + (omega * free / diagonal)[..., None] * out


def coarsen_affinities(weights, diagonal, free, coarse_weights, coarse_diagonal):
    """P^T A P for P spreading each 2x2 block's value over its free pixels (adds into the coarse arrays)."""
    from scipy import sparse

    h, w = diagonal.shape
    hc, wc = coarse_diagonal.shape
    block = ((np.arange(h)[:, None] // 2) * wc + np.arange(w)[None, :] // 2).ravel()
    P = sparse.csr_matrix((free.ravel().astype(np.float64), (np.arange(block.size), block)),
                          shape=(block.size, hc * wc))
    A = sparse.diags(diagonal.ravel()) - affinity_matrix(weights)
    coarse = (P.T @ A @ P).tocsr()
    coarse_diagonal += coarse.diagonal().reshape(hc, wc)
    for k, (dy, dx) in enumerate(FORWARD_NEIGHBOURS):
        for Y in range(hc):
            for X in range(wc):
                if 0 <= Y + dy < hc and 0 <= X + dx < wc:
                    coarse_weights[Y, X, k] -= coarse[Y * wc + X, (Y + dy) * wc + X + dx]


def block_sums(fine, coarse, n_threads=1):
    """coarse[Y, X] = the sum of fine over the 2x2 block at (2Y, 2X), clipped at the edge."""
    h, w = fine.shape[:2]
    padded = np.pad(fine, [(0, h % 2), (0, w % 2), (0, 0)])
    coarse[...] = padded[0::2, 0::2] + padded[1::2, 0::2] + padded[0::2, 1::2] + padded[1::2, 1::2]


def block_spread_add(coarse, free, scale, fine, n_threads=1):
    """fine[y, x] += scale free[y, x] coarse[y // 2, x // 2]."""
    h, w = fine.shape[:2]
    spread = np.repeat(np.repeat(coarse, 2, axis=0), 2, axis=1)[:h, :w]
    fine += scale * free[..., None] * spread


def cg_update(x, residual, direction, product, step, n_threads=1):
    """x += step[c] direction; residual -= step[c] product."""
    x += step * direction
    residual -= step * product


def cg_direction(direction, z, beta, n_threads=1):
    """direction = z + beta[c] direction."""
    direction[...] = z + beta * direction


def dot_and_largest(a, b, dots):
    """dots[c] = sum of a[..., c] b[..., c]; returns max |b|."""
    dots[...] = np.einsum("hwc,hwc->c", a, b)
    return float(np.abs(b).max()) if b.size else 0.0
