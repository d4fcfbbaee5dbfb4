# Random permutations for the training epochs' row order; the seed comes from colorcore/minibatch.py.
#
# A plain Fisher-Yates shuffle driven by splitmix64 takes about a third of the time of NumPy's
# Generator.permutation on the original assignment's 409,600 rows, which was most of what an epoch spent
# outside the kernel.
from libc.stdint cimport uint32_t, uint64_t


cdef inline uint64_t splitmix64(uint64_t* state) noexcept nogil:
    """Next value of Vigna's splitmix64 generator."""
    cdef uint64_t z
    state[0] += 0x9E3779B97F4A7C15ULL
    z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline uint32_t below(uint32_t bound, uint64_t* state) noexcept nogil:
    """A uniform integer in [0, bound) for bound >= 1, by Lemire's multiply-and-reject method (no modulo
    bias, and a division only in the rare case that may need a second draw)."""
    cdef uint64_t product = (splitmix64(state) >> 32) * bound
    cdef uint32_t low = <uint32_t>product
    cdef uint32_t threshold
    if low < bound:
        threshold = (-bound) % bound  # 2^32 mod bound
        while low < threshold:
            product = (splitmix64(state) >> 32) * bound
            low = <uint32_t>product
    return <uint32_t>(product >> 32)


def permutation(Py_ssize_t[::1] out, uint64_t seed):
    """Fill out (length n < 2^32) with a uniformly random permutation of 0 .. n-1, the same for the same
    seed."""
    cdef Py_ssize_t n = out.shape[0], i, j
    cdef uint64_t state = seed
    with nogil:
        for i in range(n):
            out[i] = i
        for i in range(n - 1, 0, -1):
            j = below(<uint32_t>(i + 1), &state)
            out[i], out[j] = out[j], out[i]
