# The Adam update on a flat parameter block, shared by optim.pyx (one step) and dense.pyx (a whole epoch).
from libc.math cimport sqrt, sqrtf

from _types cimport floating


cdef inline void adam_update(floating* param, const floating* grad, floating* m, floating* v, Py_ssize_t n,
                             double lr, double beta1, double beta2, double eps, Py_ssize_t t) noexcept nogil:
    """One Adam step (Kingma & Ba, Algorithm 1) at step t >= 1, in place on param, m and v."""
    cdef Py_ssize_t i
    # Bias corrections 1 / (1 - beta^t), computed once per step in double.
    cdef floating m_scale = <floating>(1.0 / (1.0 - beta1 ** t))
    cdef floating v_scale = <floating>(1.0 / (1.0 - beta2 ** t))
    cdef floating b1 = <floating>beta1, b2 = <floating>beta2
    cdef floating c1 = <floating>(1.0 - beta1), c2 = <floating>(1.0 - beta2)
    cdef floating step = <floating>lr, epsilon = <floating>eps
    cdef floating g
    for i in range(n):
        g = grad[i]
        m[i] = b1 * m[i] + c1 * g
        v[i] = b2 * v[i] + c2 * g * g
        if floating is float:
            param[i] -= step * (m[i] * m_scale) / (sqrtf(v[i] * v_scale) + epsilon)
        else:
            param[i] -= step * (m[i] * m_scale) / (sqrt(v[i] * v_scale) + epsilon)
