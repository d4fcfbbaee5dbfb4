"""Colour propagation along lightness (Levin, Lischinski & Weiss, "Colorization using Optimization", 2004).

Given chroma at a few known pixels, find chroma x everywhere that minimises

    1/2 sum over neighbours r~s of W_rs |x_r - x_s|^2  +  1/2 prior_weight sum_r |x_r - prior_r|^2

with the known pixels held fixed. W_rs is large where the lightness of r and s is alike (pyx/affinity.pyx),
so colour flows within regions and stops at edges; the optional prior (the network's chroma) keeps what
the known pixels do not reach. Setting the gradient to zero gives one symmetric positive-definite system
for all chroma channels, (D - W + prior_weight I) x = prior_weight prior on the unknown pixels, D the row
sums of W.

Solver: conjugate gradients preconditioned by one multigrid V-cycle. Each coarser level merges 2x2 blocks
(the Galerkin operator P^T A P of piecewise-constant aggregation, again a 3x3 stencil, so one kernel serves
every level), with a damped Jacobi sweep before and after the coarse correction and a sparse LU solve on
the last level. It needs 10 to 20 iterations at any image size, where plain conjugate gradients needed
thousands; time and memory are linear in the pixels (a few image-sized arrays per channel).
"""
import numpy as np
from scipy import sparse
from scipy.sparse.linalg import splu

from . import _affinity, reference
from .threads import threads_for_now

TOLERANCE = 0.05  # stop when the preconditioned residual (about the error) is below this in every pixel
MAX_ITERATIONS = 200
COARSEST_SIDE = 32  # the last level, at most this many pixels a side, is solved directly
JACOBI_DAMPING = 0.67  # 2/3, the usual choice for Jacobi smoothing on a 9-point stencil


def affinities(lightness, use_reference=False):
    """(H, W) lightness in [0, 1] -> (weights (H, W, 4) to each pixel's forward neighbours, degree (H, W))."""
    kernels = reference if use_reference else _affinity
    lightness = np.ascontiguousarray(lightness, dtype=np.float64)
    n_threads = threads_for_now()
    scales = np.empty_like(lightness)
    kernels.affinity_scales(lightness, scales, n_threads)
    weights = np.empty(lightness.shape + (4,))
    kernels.affinity_weights(lightness, scales, weights, n_threads)
    degree = np.empty(lightness.shape + (1,))
    kernels.affinity_apply(weights, np.zeros_like(lightness), np.ones(lightness.shape + (1,)), degree, n_threads)
    return weights, -degree[..., 0]


def propagate(lightness, known, values, prior=None, prior_weight=0.0, tolerance=TOLERANCE, use_reference=False):
    """Chroma (H, W, C) that agrees with `values` where `known` and follows the lightness elsewhere.

    lightness: (H, W) in [0, 1]; known: (H, W) bool; values: (H, W, C), read where known; prior: (H, W, C)
    or None; prior_weight >= 0 (> 0 or at least one known pixel, else nothing defines the answer).
    use_reference runs the NumPy twins of the kernels (slow; for checking).
    """
    kernels = reference if use_reference else _affinity
    known = np.asarray(known, dtype=bool)
    values = np.asarray(values, dtype=np.float64)
    weights, degree = affinities(lightness, use_reference)
    free = ~known
    if prior is None or prior_weight == 0:
        prior_weight, rhs = 0.0, np.zeros_like(values)
        start = np.broadcast_to(values[known].mean(axis=0), values.shape).copy()
    else:
        start = np.array(prior, dtype=np.float64, order="C")
        rhs = prior_weight * start * free[..., None]
    start[known] = values[known]
    diagonal = np.where(known, 1.0, degree + prior_weight)  # known pixels: rows never used (zero there)
    residual = np.empty_like(start)
    kernels.affinity_residual(weights, diagonal, rhs, start, residual, threads_for_now())
    residual *= free[..., None]
    del rhs
    fine = Level(free_couplings(weights, free), diagonal, free, kernels)
    del weights, degree
    return conjugate_gradients(Multigrid(fine), start, residual, tolerance)


def conjugate_gradients(multigrid, x, residual, tolerance=TOLERANCE, max_iterations=MAX_ITERATIONS):
    """Preconditioned conjugate gradients from x (whose residual is given), every channel at once, each
    with its own step sizes; x is updated in place and returned."""
    fine = multigrid.levels[0]
    kernels, n_channels = fine.kernels, x.shape[2]
    z = multigrid.cycle(residual)
    direction, product = z.copy(), np.empty_like(x)
    rz, rz_next = np.empty(n_channels), np.empty(n_channels)
    largest = kernels.dot_and_largest(residual, z, rz)
    for _ in range(max_iterations):
        if largest <= tolerance or not rz.any():
            break
        fine.apply(direction, product)
        kernels.dot_and_largest(direction, product, rz_next)
        kernels.cg_update(x, residual, direction, product, rz / np.maximum(rz_next, 1e-300), threads_for_now())
        z = multigrid.cycle(residual)
        largest = kernels.dot_and_largest(residual, z, rz_next)
        kernels.cg_direction(direction, z, rz_next / np.maximum(rz, 1e-300), threads_for_now())
        rz, rz_next = rz_next, rz
    return x


def free_couplings(weights, free):
    """The weights with every coupling to a known pixel set to 0 (what the unknowns' system keeps), in place."""
    for k, pixels, neighbours in reference.forward_pairs(*free.shape):
        weights[pixels + (k,)] *= free[pixels] & free[neighbours]
    return weights


class Level:
    """One level of the multigrid hierarchy: its operator (weights, diagonal) and which pixels are free."""

    def __init__(self, weights, diagonal, free, kernels):
        self.weights = np.ascontiguousarray(weights)
        self.diagonal = np.ascontiguousarray(diagonal, dtype=np.float64)
        self.free = np.ascontiguousarray(free, dtype=np.float64)
        self.kernels = kernels
        self.first_sweep = (JACOBI_DAMPING * self.free / self.diagonal)[..., None]

    @property
    def shape(self):
        return self.diagonal.shape

    def apply(self, values, out):
        self.kernels.affinity_apply(self.weights, self.diagonal, values, out, threads_for_now())
        return out

    def coarsen(self):
        h, w = self.shape
        coarse_weights = np.zeros(((h + 1) // 2, (w + 1) // 2, 4))
        coarse_diagonal = np.zeros(coarse_weights.shape[:2])
        self.kernels.coarsen_affinities(self.weights, self.diagonal, self.free, coarse_weights, coarse_diagonal)
        coarse_free = np.empty(coarse_diagonal.shape + (1,))
        self.kernels.block_sums(self.free[..., None], coarse_free, 1)
        coarse_free = coarse_free[..., 0] > 0
        return Level(coarse_weights, np.where(coarse_free, coarse_diagonal, 1.0), coarse_free, self.kernels)


class Multigrid:
    """A symmetric V-cycle over 2x2-block levels, used as the preconditioner of conjugate gradients."""

    def __init__(self, fine):
        self.levels = [fine]
        while max(self.levels[-1].shape) > COARSEST_SIDE:
            self.levels.append(self.levels[-1].coarsen())
        last = self.levels[-1]
        matrix = sparse.diags(last.diagonal.ravel()) - reference.affinity_matrix(last.weights)
        self.coarsest = splu(matrix.tocsc())
        self.buffers = {}

    def cycle(self, rhs, depth=0):
        """About A^-1 rhs, zero on the known pixels. The result is a buffer the next cycle overwrites."""
        level = self.levels[depth]
        kernels, n_threads = level.kernels, threads_for_now()
        if depth == len(self.levels) - 1:
            h, w, n = rhs.shape
            solution = self.coarsest.solve(np.asfortranarray(rhs.reshape(h * w, n)))
            return np.ascontiguousarray(solution.reshape(h, w, n) * level.free[..., None])
        x, residual, smoothed, coarse = self._buffers(depth, rhs.shape[2])
        np.multiply(rhs, level.first_sweep, out=x)
        kernels.affinity_residual(level.weights, level.diagonal, rhs, x, residual, n_threads)
        kernels.block_sums(residual, coarse, n_threads)
        kernels.block_spread_add(self.cycle(coarse, depth + 1), level.free, 1.0, x, n_threads)
        kernels.affinity_smooth(level.weights, level.diagonal, level.free, rhs, x, JACOBI_DAMPING, smoothed,
                                n_threads)
        return smoothed

    def _buffers(self, depth, n_channels):
        """Work arrays of one level, made once (fresh arrays each cycle cost page faults)."""
        key = (depth, n_channels)
        if key not in self.buffers:
            shape = self.levels[depth].shape + (n_channels,)
            self.buffers[key] = (np.empty(shape), np.empty(shape), np.empty(shape),
                                 np.empty(self.levels[depth + 1].shape + (n_channels,)))
        return self.buffers[key]
