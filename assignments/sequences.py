"""Sequence data for 10_rnn: IMDB reviews where they can be downloaded, a seeded stand-in where not.

``opinions`` makes "reviews" of word ids whose label depends on word ORDER:
each holds exactly one positive and one negative opinion word among filler
words, and the label is the polarity of the one that comes LAST ("good
acting, but boring" is negative). Both classes use the same words, so a
bag-of-words model is stuck at 50%; a recurrent network can learn it.

Word ids follow ``keras.datasets.imdb``: 0 is padding, sequences are
padded and cut at the front (like ``keras.utils.pad_sequences``).
"""
import os
import socket

import numpy as np

PAD = 0


def opinion_words(vocab_size):
    """The ids of the positive and of the negative opinion words for a vocabulary of ``vocab_size``."""
    if vocab_size < 20:
        raise ValueError(f"vocab_size must be at least 20, got {vocab_size}")
    k = max(2, vocab_size // 50)
    return np.arange(1, 1 + k), np.arange(1 + k, 1 + 2 * k)


def opinions(n, vocab_size=1000, maxlen=40, seed=0):
    """``n`` seeded reviews: x (n, maxlen) int32 word ids, y (n,) int32 (1 = the last opinion is positive).

    Review lengths vary from maxlen // 2 to maxlen; shorter ones are padded with 0 at the front.
    """
    if maxlen < 4:
        raise ValueError(f"maxlen must be at least 4, got {maxlen}")
    rng = np.random.default_rng(seed)
    positive, negative = opinion_words(vocab_size)
    first_filler = 1 + len(positive) + len(negative)
    x = np.full((n, maxlen), PAD, dtype=np.int32)
    y = rng.integers(0, 2, size=n).astype(np.int32)
    lengths = rng.integers(maxlen // 2, maxlen + 1, size=n)
    for i in range(n):
        words = rng.integers(first_filler, vocab_size, size=lengths[i])
        early, late = np.sort(rng.choice(lengths[i], size=2, replace=False))
        last_positive = y[i] == 1
        words[late] = rng.choice(positive if last_positive else negative)
        words[early] = rng.choice(negative if last_positive else positive)
        x[i, maxlen - lengths[i]:] = words
    return x, y


def load_reviews(num_words=1000, maxlen=40, n_train=2000, n_test=1000, seed=0, timeout=10.0):
    """``((x_train, y_train), (x_test, y_test), source)``: IMDB if it can be had, else ``opinions``.

    IMDB (``keras.datasets.imdb``, cut to ``n_train``/``n_test`` reviews) is tried only when the
    environment variable ``COURSE_OFFLINE`` is not ``1``; a failed or slow download (``timeout``
    seconds per network operation) falls back to the synthetic reviews. ``source`` is ``"imdb"`` or
    ``"opinions"``.
    """
    if os.environ.get("COURSE_OFFLINE") != "1":
        try:
            return (*_imdb(num_words, maxlen, n_train, n_test, timeout), "imdb")
        except Exception:  # no network, a refused or broken download: the stand-in is always there
            pass
    train = opinions(n_train, num_words, maxlen, seed)
    test = opinions(n_test, num_words, maxlen, seed + 1)
    return train, test, "opinions"


def _imdb(num_words, maxlen, n_train, n_test, timeout):
    import keras

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=num_words)
    finally:
        socket.setdefaulttimeout(previous)

    def pad(x):
        return keras.utils.pad_sequences(x, maxlen=maxlen).astype(np.int32)

    return (pad(x_train[:n_train]), y_train[:n_train].astype(np.int32)), (pad(x_test[:n_test]), y_test[:n_test].astype(np.int32))
