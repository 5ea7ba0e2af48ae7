"""Small seeded datasets the lectures use: banknote-like blobs, XOR, many-class Gaussian clusters and
heteroscedastic regression."""
import numpy as np


def banknotes(n=100, seed=0):
    """Two Gaussian blobs standing in for real (y=0) and faked (y=1) banknotes, two features each.

    Returns X (n, 2) float64 and y (n,) int64, half of each class.
    """
    rng = np.random.default_rng(seed)
    half = n // 2
    real = rng.normal(loc=(-1.0, 1.5), scale=0.8, size=(half, 2))
    fake = rng.normal(loc=(1.0, -0.5), scale=0.8, size=(n - half, 2))
    X = np.vstack([real, fake])
    y = np.concatenate([np.zeros(half, dtype=np.int64), np.ones(n - half, dtype=np.int64)])
    order = rng.permutation(n)
    return X[order], y[order]


def xor():
    """The four XOR points: X (4, 2) float64 and y (4, 1) float64."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def noisy_xor(n=200, noise=0.1, seed=0):
    """n points scattered around the XOR corners, labels (n,) int64: XOR with some room to generalise."""
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(n, 2))
    X = corners + rng.normal(scale=noise, size=(n, 2))
    y = (corners[:, 0] ^ corners[:, 1]).astype(np.int64)
    return X, y


def clusters(n=500, num_classes=10, dim=20, spread=1.0, seed=0):
    """n points around num_classes random centres in dim dimensions (the same number per class, shuffled).

    Returns X (n, dim) float64 and labels (n,) int64; a larger ``spread`` makes the classes overlap.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(num_classes, dim))
    labels = rng.permutation(np.arange(n) % num_classes)
    return centres[labels] + rng.normal(scale=spread, size=(n, dim)), labels.astype(np.int64)


def heteroscedastic(n=500, seed=0):
    """Regression data whose noise grows with |x| (seed 002: a network predicts a Gaussian per input).

    x is uniform on [-2, 2]; y = x + sin(2x) + sigma(x) * eps with eps standard normal and
    sigma(x) = 0.05 + 0.5 |x|: almost exact near 0, twenty times noisier at the edges.
    Returns x (n, 1), y (n,) and the true sigma (n,), float64.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=(n, 1))
    sigma = 0.05 + 0.5 * np.abs(x[:, 0])
    y = x[:, 0] + np.sin(2.0 * x[:, 0]) + sigma * rng.normal(size=n)
    return x, y, sigma
