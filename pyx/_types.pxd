# Shared declarations for the colorcore kernels: the fused floating type and the activations.
# Kernels are compiled without boundscheck/wraparound (setup.py; COLORCORE_DEBUG_CYTHON=1 turns them on).
from libc.math cimport exp, expf, log, logf, tanh, tanhf

ctypedef fused floating:
    float
    double

# Activation codes shared with colorcore/nn.py (ACTIVATION_CODES).
cdef enum:
    IDENTITY = 0
    SIGMOID = 1
    TANH = 2
    RELU = 3


cdef inline floating sigmoid(floating z) noexcept nogil:
    # Clamping keeps exp finite (the build assumes finite math so that gcc can call the vector exp);
    # sigmoid(-80) < 2e-35 already rounds to the limit.
    cdef floating one = 1  # keeps float arithmetic in float (a bare 1.0 would promote to double)
    if floating is float:
        z = min(max(z, <float>-80), <float>80)
        return one / (one + expf(-z))
    else:
        z = min(max(z, -700.0), 700.0)
        return one / (one + exp(-z))


cdef inline floating hyperbolic_tangent(floating z) noexcept nogil:
    if floating is float:
        return tanhf(z)
    else:
        return tanh(z)


cdef inline void activate(floating* z, Py_ssize_t n, int activation) noexcept nogil:
    """Apply the activation to z[0:n] in place; one loop per activation so each vectorises."""
    cdef Py_ssize_t i
    if activation == SIGMOID:
        for i in range(n):
            z[i] = sigmoid(z[i])
    elif activation == TANH:
        for i in range(n):
            z[i] = hyperbolic_tangent(z[i])
    elif activation == RELU:
        for i in range(n):
            z[i] = z[i] if z[i] > 0 else 0


cdef inline void activation_backward(const floating* a, const floating* da, floating* dz,
                                     Py_ssize_t n, int activation) noexcept nogil:
    """dz = da * f'(z), with f'(z) written in terms of the saved output a = f(z)."""
    cdef Py_ssize_t i
    cdef floating one = 1  # a bare 1 would become the double 1.0 and take float32 through double
    if activation == SIGMOID:
        for i in range(n):
            dz[i] = da[i] * a[i] * (one - a[i])
    elif activation == TANH:
        for i in range(n):
            dz[i] = da[i] * (one - a[i] * a[i])
    elif activation == RELU:
        for i in range(n):
            dz[i] = da[i] if a[i] > 0 else 0
    else:
        for i in range(n):
            dz[i] = da[i]


# Loss codes shared with colorcore/losses.py (LOSS_CODES).
cdef enum:
    SQUARED_ERROR = 0
    SOFTMAX_CROSS_ENTROPY = 1


cdef inline floating exponential(floating x) noexcept nogil:
    if floating is float:
        return expf(x)
    else:
        return exp(x)


cdef inline floating logarithm(floating x) noexcept nogil:
    if floating is float:
        return logf(x)
    else:
        return log(x)
