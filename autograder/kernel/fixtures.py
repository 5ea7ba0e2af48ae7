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


class SmoothLayer:
    """An array-valued f(X) = tanh(X @ A) + (X ** 2) @ B, (n, d) -> (n, k) (for numerical_gradient_array).

    Every output entry depends on a whole row of X, so a numerical gradient that
    leaves an entry perturbed gets later entries wrong; ``gradient(X, dout)`` is
    the exact gradient of sum(f(X) * dout).
    """

    def __init__(self, A, B):
        self.A, self.B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)

    def __call__(self, X):
        X = np.asarray(X, dtype=np.float64)
        return np.tanh(X @ self.A) + (X**2) @ self.B

    def gradient(self, X, dout):
        X = np.asarray(X, dtype=np.float64)
        t = np.tanh(X @ self.A)
        return ((1 - t**2) * dout) @ self.A.T + 2 * X * (dout @ self.B.T)


class Flatten:
    """f(X) = X.reshape(len(X), -1): a view of X, as a reshape layer returns, so its values change when X does;
    a numerical gradient must use (or copy) f's output before it changes X again, as CS231n's ``f(x).copy()`` does."""

    def __call__(self, X):
        return X.reshape(len(X), -1)


class LeastSquaresClassifier:
    """``loss_and_grads(params, X, labels) -> (loss, grads)`` in the interface of 11's ``mlp_loss``, for a
    network without hidden layer (params ``W1`` (d, k), ``b1`` (k,)) and the squared error to the one-hot
    labels: 0.5 / n * sum((X W1 + b1 - Y) ** 2). A small batch with n <= d can be fitted exactly."""

    def __call__(self, params, X, labels):
        W, b = np.asarray(params["W1"], dtype=np.float64), np.asarray(params["b1"], dtype=np.float64)
        X = np.asarray(X, dtype=np.float64)
        residual = X @ W + b - np.eye(W.shape[1])[np.asarray(labels, dtype=np.int64)]
        n = len(X)
        return float(0.5 / n * np.sum(residual**2)), {"W1": X.T @ residual / n, "b1": residual.sum(axis=0) / n}


class LogisticUnits:
    """A ``build_fn`` for ``grid_search``: ``build_fn(angle, offset, learning_rate=0.0)`` returns a compiled Keras
    logistic unit on 2 features whose weights its hyperparameters name.

    The unit predicts ``sigmoid(scale * (cos(angle) x1 + sin(angle) x2 + offset))``; it is compiled with
    SGD at ``learning_rate``, the binary cross-entropy and ``metrics=["accuracy"]``. With a learning rate
    of 0 training leaves its weights as they are, so what ``model.evaluate`` reports for each combination
    is known before the search runs. Run eagerly: a few batches of a 3-weight model train faster
    without graph tracing.
    """

    def __init__(self, scale):
        self.scale = float(scale)

    def logits(self, x, angle, offset):
        """The unit's logits for ``x`` (n, 2) before any training, in float64."""
        x = np.asarray(x, dtype=np.float64)
        return self.scale * (np.cos(angle) * x[:, 0] + np.sin(angle) * x[:, 1] + offset)

    def __call__(self, angle, offset, learning_rate=0.0):
        import keras

        unit = keras.layers.Dense(1, activation="sigmoid")
        model = keras.Sequential([keras.Input(shape=(2,)), unit])
        kernel = self.scale * np.array([[np.cos(angle)], [np.sin(angle)]])
        unit.set_weights([kernel, np.array([self.scale * float(offset)])])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=float(learning_rate)),
                      loss="binary_crossentropy", metrics=["accuracy"], run_eagerly=True)
        return model


def rng(seed):
    """A fresh ``numpy.random.Generator``."""
    return np.random.default_rng(int(seed))


FACTORIES = {"quadratic": Quadratic, "coupled_quadratic": CoupledQuadratic,
             "quadratic_gradient": QuadraticGradient, "rng": rng,
             # 11_modular_backprop and 12_batchnorm_optimizers
             "smooth_layer": SmoothLayer, "flatten": Flatten, "least_squares_classifier": LeastSquaresClassifier,
             # 13_evaluation
             "logistic_units": LogisticUnits}


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
