"""The numpy references of 11 and 12 agree with Keras itself, and the array-valued gradient helpers with exact gradients.

The hidden checks of 12 claim "the conventions of keras.layers.BatchNormalization" and "exactly
keras.optimizers.RMSprop / Adagrad"; these tests hold the references to that claim, in float64.
"""
import keras
import numpy as np
import pytest

from autograder.checks import CheckFailure, check_layer_gradient, numerical_gradient_array, relative_error
from autograder.hidden import a11_modular_backprop as a11
from autograder.hidden import a12_batchnorm_optimizers as a12


def test_array_numerical_gradient_weights_by_dout_and_survives_views():
    rng = np.random.default_rng(3)
    x, A, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(4, 5))
    assert relative_error(numerical_gradient_array(lambda v: v @ A, x, dout), dout @ A.T) < 1e-8
    flat_dout = rng.normal(size=12)
    assert relative_error(numerical_gradient_array(lambda v: v.reshape(-1), x, flat_dout), flat_dout.reshape(4, 3)) < 1e-8


def test_check_layer_gradient_catches_a_transpose_that_ones_would_hide():
    rng = np.random.default_rng(4)
    x, W = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    W = W + W.T  # symmetric: with dout all ones, dout @ W and dout @ W.T are equal
    W[0, 1] += 1.0
    dout = rng.normal(size=(3, 3))
    check_layer_gradient(dout @ W.T, lambda v: v @ W, x, dout, "dX", rng)
    with pytest.raises(CheckFailure, match=r"dX: gradient does not match .* worst at index \(\d, \d\)"):
        check_layer_gradient(dout @ W, lambda v: v @ W, x, dout, "dX", rng)


@pytest.mark.parametrize("momentum, eps", [(0.99, 1e-3), (0.9, 1e-5)])
def test_batchnorm_reference_is_keras_batch_normalization(momentum, eps):
    rng = np.random.default_rng(0)
    X, gamma, beta, running_mean, running_var = a12.batch(rng, 16, 5)
    layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=eps, dtype="float64")
    layer.build(X.shape)
    layer.set_weights([gamma, beta, running_mean, running_var])
    out, _, new_mean, new_var = a12.batchnorm_forward(X, gamma, beta, True, running_mean, running_var, momentum, eps)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(X, training=True)), out, rtol=1e-10, atol=1e-12)
    keras_gamma, keras_beta, keras_mean, keras_var = layer.get_weights()
    np.testing.assert_allclose(keras_mean, new_mean, rtol=1e-10)
    np.testing.assert_allclose(keras_var, new_var, rtol=1e-10)  # the biased batch variance, as in the reference
    inference, _, same_mean, same_var = a12.batchnorm_forward(X, gamma, beta, False, new_mean, new_var, momentum, eps)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(X, training=False)), inference, rtol=1e-10, atol=1e-12)
    assert same_mean is new_mean and same_var is new_var


def test_batchnorm_reference_defaults_are_keras_defaults():
    layer = keras.layers.BatchNormalization()
    assert (layer.momentum, layer.epsilon) == (0.99, 1e-3)
    defaults = a12.batchnorm_forward.__defaults__
    assert defaults == (0.99, 1e-3)


def keras_trajectory(optimizer, w0, gradients):
    """The weights after each of Keras's own updates with the given gradients, in float64."""
    variable = keras.Variable(w0, dtype="float64")
    path = []
    for g in gradients:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g, dtype="float64"), variable)])
        path.append(keras.ops.convert_to_numpy(variable).copy())
    return path


@pytest.mark.parametrize("name", ["rmsprop", "adagrad"])
def test_optimizer_steps_are_keras_optimizers(name):
    rng = np.random.default_rng(1)
    w0 = rng.normal(size=(3, 2))
    gradients = [rng.normal(size=(3, 2)) * scale for scale in (1.0, 0.1, 3.0, 1e-4, 0.5)]
    learning_rate = float(np.float32(0.01))  # Keras keeps the learning rate in a float32 variable
    if name == "rmsprop":
        optimizer, step, s = keras.optimizers.RMSprop(learning_rate, rho=0.8), a12.rmsprop_step, np.zeros_like(w0)
        options = {"learning_rate": learning_rate, "rho": 0.8}
    else:
        optimizer, step = keras.optimizers.Adagrad(learning_rate), a12.adagrad_step
        s, options = np.full_like(w0, a12.KERAS_INITIAL_ACCUMULATOR), {"learning_rate": learning_rate}
        assert optimizer.initial_accumulator_value == a12.KERAS_INITIAL_ACCUMULATOR
    w = w0
    for g, expected in zip(gradients, keras_trajectory(optimizer, w0, gradients)):
        w, s = step(w, g, s, **options)
        np.testing.assert_allclose(w, expected, rtol=1e-10, atol=1e-12)


def test_optimizer_reference_defaults_are_keras_defaults():
    rmsprop, adagrad = keras.optimizers.RMSprop(), keras.optimizers.Adagrad()
    assert a12.rmsprop_step.__defaults__ == (rmsprop.learning_rate, rmsprop.rho, rmsprop.epsilon)
    assert a12.adagrad_step.__defaults__ == (adagrad.learning_rate, adagrad.epsilon)


def test_mlp_loss_reference_is_a_keras_relu_mlp_with_sparse_crossentropy_from_logits():
    rng = np.random.default_rng(2)
    X, labels, params = a11.network(rng, 9, [6, 5, 4, 3])
    model = keras.Sequential([keras.Input((6,), dtype="float64"), keras.layers.Dense(5, "relu", dtype="float64"),
                              keras.layers.Dense(4, "relu", dtype="float64"), keras.layers.Dense(3, dtype="float64")])
    model.set_weights([params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3")])
    logits = keras.ops.convert_to_numpy(model(X))
    np.testing.assert_allclose(logits, a11.mlp_logits(params, X), rtol=1e-12)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")(labels, logits)
    assert a11.mlp_loss(params, X, labels)[0] == pytest.approx(float(keras.ops.convert_to_numpy(loss)), rel=1e-10)
