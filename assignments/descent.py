"""Data and plots for the optimisation notebooks (04, 05): a regression toy set and optimizer paths."""
import matplotlib.pyplot as plt
import numpy as np


def regression_data(n=60, seed=0):
    """A noisy plane y = 1.5 x1 - 2 x2 + 1 with standardised features: X (n, 2), y (n,), float64."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X @ np.array([1.5, -2.0]) + 1.0 + rng.normal(scale=0.3, size=n)
    return X, y


def plot_paths(f, paths, minimum=(0.0, 0.0), ax=None, window=((-5, 5), (-3, 3)), steps=120):
    """Contours of ``f`` (a function of a (2,) array), its ``minimum`` and each ``{label: (k, 2) array}`` path."""
    ax = ax or plt.gca()
    (x0, x1), (y0, y1) = window
    g1, g2 = np.meshgrid(np.linspace(x0, x1, steps), np.linspace(y0, y1, steps))
    values = np.array([f(np.array(p)) for p in zip(g1.ravel(), g2.ravel())]).reshape(g1.shape)
    ax.contour(g1, g2, values, levels=np.geomspace(max(values.min(), 1e-3), values.max(), 15), colors="grey",
               linewidths=0.5)
    for label, path in paths.items():
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], ".-", label=label, markersize=3)
    ax.plot([minimum[0]], [minimum[1]], "k*", markersize=10)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend()
    return ax
