"""Memoised training: the same model, data and budget give the stored score; anything else trains again."""
import numpy as np
import pytest

from autograder.checks.training_cache import memoized, model_key


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def build(keras, seed=0, units=4, lr=0.01):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units, activation="tanh"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(lr), "mse")
    return model


def test_key_ignores_layer_names_but_not_what_training_depends_on(keras):
    x = np.ones((5, 3), np.float32)
    same = model_key(build(keras), [x], epochs=2)
    assert model_key(build(keras), [x], epochs=2) == same          # second build: new layer names, same key
    assert model_key(build(keras, seed=1), [x], epochs=2) != same  # other initial weights
    assert model_key(build(keras, units=5), [x], epochs=2) != same  # other architecture
    assert model_key(build(keras, lr=0.1), [x], epochs=2) != same   # other optimizer settings
    assert model_key(build(keras), [x + 1], epochs=2) != same       # other data
    assert model_key(build(keras), [x], epochs=3) != same           # other budget


def test_memoized_computes_once_per_key(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_TRAINING_CACHE", str(tmp_path))
    calls = []

    def train():
        calls.append(1)
        return 0.875

    assert memoized("k1", train) == 0.875 and memoized("k1", train) == 0.875 and len(calls) == 1
    assert np.isnan(memoized("k2", lambda: float("nan"))) and np.isnan(memoized("k2", train))


def test_memoized_keeps_tuples_of_floats(tmp_path, monkeypatch):
    """A check that measures several figures in one training (08's gaps) stores them together."""
    monkeypatch.setenv("AUTOGRADER_TRAINING_CACHE", str(tmp_path))
    calls = []

    def train():
        calls.append(1)
        return 0.25, float("nan"), 3

    first, again = memoized("k", train), memoized("k", train)
    assert len(calls) == 1 and first[0] == again[0] == 0.25 and np.isnan(again[1]) and again[2] == 3.0


@pytest.mark.parametrize("setting", [None, "off"])
def test_memoized_is_off_without_a_folder(monkeypatch, tmp_path, setting):
    monkeypatch.chdir(tmp_path)
    if setting is None:
        monkeypatch.delenv("AUTOGRADER_TRAINING_CACHE", raising=False)
    else:
        monkeypatch.setenv("AUTOGRADER_TRAINING_CACHE", setting)
    calls = []
    memoized("k", lambda: calls.append(1) or 1.0)
    memoized("k", lambda: calls.append(1) or 1.0)
    assert len(calls) == 2 and not any(tmp_path.iterdir())
