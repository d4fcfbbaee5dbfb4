# The Adam update on a flat parameter block, shared by optim.pyx (one step) and dense.pyx (a whole epoch).
from libc.math cimport sqrt, sqrtf

from _types cimport floating


cdef inline floating root(floating x) noexcept nogil:
    if floating is float:
        return sqrtf(x)
    else:
        return sqrt(x)


cdef struct AdamStep:
    # One step's coefficients: the bias corrections 1 / (1 - beta^t) are worked out once per step, not
    # once per parameter block.
    double lr, beta1, beta2, eps, m_scale, v_scale


cdef inline AdamStep adam_step_at(double lr, double beta1, double beta2, double eps, Py_ssize_t t) noexcept nogil:
    """Coefficients of Adam step t >= 1 (Kingma & Ba, Algorithm 1)."""
    cdef AdamStep s
    s.lr, s.beta1, s.beta2, s.eps = lr, beta1, beta2, eps
    s.m_scale = 1.0 / (1.0 - beta1 ** t)
    s.v_scale = 1.0 / (1.0 - beta2 ** t)
    return s


cdef inline void adam_update(floating* param, const floating* grad, const floating* extra_grad, floating decay,
                             floating* m, floating* v, Py_ssize_t n, AdamStep s) noexcept nogil:
    """One Adam step in place on param, m and v, with the gradient grad + extra_grad + decay * param
    (extra_grad may be NULL). The training epoch passes its second shard's gradient as extra_grad and the
    weight penalty as decay, so that summing them costs no pass of its own."""
    cdef Py_ssize_t i
    cdef floating b1 = <floating>s.beta1, b2 = <floating>s.beta2
    cdef floating c1 = <floating>(1.0 - s.beta1), c2 = <floating>(1.0 - s.beta2)
    cdef floating v_scale = <floating>s.v_scale, epsilon = <floating>s.eps
    cdef floating step = <floating>(s.lr * s.m_scale)  # the learning rate times m's bias correction
    cdef floating g, mi, vi
    # Two copies of one loop, so that neither tests extra_grad per element and both vectorise. The new
    # moments go through locals: read back from m and v, they would be reloaded after each store.
    if extra_grad == NULL:
        for i in range(n):
            g = grad[i] + decay * param[i]
            mi = b1 * m[i] + c1 * g
            vi = b2 * v[i] + c2 * g * g
            m[i] = mi
            v[i] = vi
            param[i] -= step * mi / (root(vi * v_scale) + epsilon)
    else:
        for i in range(n):
            g = grad[i] + extra_grad[i] + decay * param[i]
            mi = b1 * m[i] + c1 * g
            vi = b2 * v[i] + c2 * g * g
            m[i] = mi
            v[i] = vi
            param[i] -= step * mi / (root(vi * v_scale) + epsilon)
