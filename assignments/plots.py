"""Plots the notebooks share, on matplotlib."""
import matplotlib.pyplot as plt
import numpy as np


def scatter_classes(X, y, ax=None, labels=("y = 0", "y = 1")):
    """Scatter two-feature points coloured by their 0/1 label."""
    ax = ax or plt.gca()
    y = np.asarray(y).ravel()
    for value, label in zip((0, 1), labels):
        ax.scatter(X[y == value, 0], X[y == value, 1], s=18, label=label)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend()
    return ax


def probability_map(predict, X, ax=None, steps=200):
    """Shade P(Y=1|x) of ``predict`` (a function of an (n, 2) array) over the range of X."""
    ax = ax or plt.gca()
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(x0, x1, steps), np.linspace(y0, y1, steps))
    p = np.asarray(predict(np.c_[g1.ravel(), g2.ravel()])).reshape(g1.shape)
    mesh = ax.contourf(g1, g2, p, levels=20, cmap="RdBu_r", alpha=0.4)
    plt.colorbar(mesh, ax=ax, label="P(Y=1|x)")
    return ax


def curves(history, keys=("loss", "val_loss"), ax=None):
    """Plot training curves from a Keras History (or its .history dict)."""
    ax = ax or plt.gca()
    logs = getattr(history, "history", history)
    for key in keys:
        if key in logs:
            ax.plot(np.arange(1, len(logs[key]) + 1), logs[key], label=key)
    ax.set_xlabel("epoch")
    ax.legend()
    return ax
