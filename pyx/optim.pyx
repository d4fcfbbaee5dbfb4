# Optimiser steps, in place on flat parameter vectors checked by colorcore/optim.py.
from _types cimport floating
from _adam cimport adam_step_at, adam_update


def adam_step(floating[::1] param, floating[::1] grad, floating[::1] m, floating[::1] v,
              double lr, double beta1, double beta2, double eps, Py_ssize_t t):
    """One Adam step at step t >= 1: updates param, m and v in place."""
    cdef Py_ssize_t n = param.shape[0]
    if n == 0:
        return
    with nogil:
        adam_update(&param[0], &grad[0], NULL, 0, &m[0], &v[0], n, adam_step_at(lr, beta1, beta2, eps, t))


def sgd_step(floating[::1] param, floating[::1] grad, floating[::1] velocity, double lr, double momentum):
    """velocity = momentum * velocity - lr * grad; param += velocity (plain SGD when momentum is 0)."""
    cdef Py_ssize_t i, n = param.shape[0]
    cdef floating mu = <floating>momentum, step = <floating>lr
    with nogil:
        for i in range(n):
            velocity[i] = mu * velocity[i] - step * grad[i]
            param[i] += velocity[i]
