"""Callables and generators that checks pass as arguments to student functions.

A check cannot send a Python function into the sandbox, so it names one of
these with its parameters (``Fixture("quadratic", A=..., c=...)``) and both
sides build the same object. They are public on purpose: the inputs that
make a check hidden are their seeded parameters, not their code.
"""
import numpy as np


class Quadratic:
    """f(w) = sum(a * w**2) + sum(c * w) + sum(sin(w)): smooth, any shape, separable (see CoupledQuadratic)."""

    def __init__(self, a, c):
        self.a, self.c = np.asarray(a, dtype=np.float64), np.asarray(c, dtype=np.float64)

    def __call__(self, w):
        w = np.asarray(w, dtype=np.float64)
        return float(np.sum(self.a * w**2) + np.sum(self.c * w) + np.sum(np.sin(w)))

    def gradient(self, w):
        w = np.asarray(w, dtype=np.float64)
        return 2 * self.a * w + self.c + np.cos(w)


class CoupledQuadratic(Quadratic):
    """``Quadratic`` plus 0.5 * (sum(d * w))**2, which couples every pair of entries.

    A numerical gradient that leaves earlier entries perturbed gets later
    partial derivatives wrong on this function (it would not on a separable one).
    """

    def __init__(self, a, c, d):
        super().__init__(a, c)
        self.d = np.asarray(d, dtype=np.float64)

    def __call__(self, w):
        return super().__call__(w) + 0.5 * float(np.sum(self.d * np.asarray(w, dtype=np.float64))) ** 2

    def gradient(self, w):
        w = np.asarray(w, dtype=np.float64)
        return super().gradient(w) + self.d * np.sum(self.d * w)


class QuadraticGradient:
    """The gradient of ``Quadratic`` without the sine: grad(w) = 2 a w + c (for gradient descent)."""

    def __init__(self, a, c):
        self.a, self.c = np.asarray(a, dtype=np.float64), np.asarray(c, dtype=np.float64)

    def __call__(self, w):
        return 2 * self.a * np.asarray(w, dtype=np.float64) + self.c


def rng(seed):
    """A fresh ``numpy.random.Generator``."""
    return np.random.default_rng(int(seed))


FACTORIES = {"quadratic": Quadratic, "coupled_quadratic": CoupledQuadratic,
             "quadratic_gradient": QuadraticGradient, "rng": rng}


class Fixture:
    """A named argument built from FACTORIES on whichever side calls the student."""

    def __init__(self, name, **params):
        if name not in FACTORIES:
            raise KeyError(f"unknown fixture {name!r}")
        self.name, self.params = name, params

    def build(self):
        return FACTORIES[self.name](**self.params)

    def __repr__(self):
        return f"Fixture({self.name!r})"
