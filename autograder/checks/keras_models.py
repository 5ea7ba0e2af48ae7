"""Structural checks on a student's compiled Keras model.

Each check raises CheckFailure naming what was expected and what the model
has. They read only the model's public structure (layers, shapes, weights,
compile settings) of the model the grader rebuilt from the student's
description (``keras_build``). Keras 3 has no ``layer.output_shape``: shapes come from
``layer.output.shape`` (keras-team/keras#19052); models are compared layer by
layer like deeplearning.ai's ``comparator`` (class, output shape, params,
activation).
"""
import re

from autograder.checks.errors import CheckFailure

# Layers that compute an activation and nothing else: class name -> activation name.
_ACTIVATION_LAYERS = {"Softmax": "softmax", "ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "PReLU": "prelu"}


def layers_of(model):
    """Every layer of ``model`` in order, nested models expanded, input layers left out."""
    out = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        out.extend(layers_of(layer) if hasattr(layer, "layers") else [layer])
    return out


def layers_within(model):
    """``layers_of(model)``, each wrapper followed by the layers it runs (Bidirectional's forward and backward
    layers, TimeDistributed's layer), so a check that looks for an LSTM finds one inside Bidirectional."""
    out = []
    for layer in layers_of(model):
        out.append(layer)
        out.extend(_wrapped(layer))
    return out


def _wrapped(layer):
    inner = [getattr(layer, name, None) for name in ("forward_layer", "backward_layer", "layer")]
    inner = [one for one in inner if hasattr(one, "count_params")]
    return [deeper for one in inner for deeper in [one, *_wrapped(one)]]


def _shape(tensor_shape):
    return tuple(None if d is None else int(d) for d in tensor_shape)


def _io_shape(model, kind, what):
    tensors = _io_tensors(model, kind, what)
    if len(tensors) != 1:
        raise CheckFailure(f"{what}: expected a model with one {kind}, got {len(tensors)}")
    return _shape(tensors[0].shape)[1:]


def _io_tensors(model, kind, what):
    try:
        tensors = model.inputs if kind == "input" else model.outputs
    except (AttributeError, ValueError):
        tensors = None
    if not tensors:
        raise CheckFailure(
            f"{what}: the model has no defined {kind} shape; start it with `keras.Input(shape=...)` "
            "so Keras knows the input size before training")
    return tensors


def check_input_shape(model, shape, what):
    """Fail unless the model takes one input of ``shape`` (without the batch axis)."""
    got = _io_shape(model, "input", what)
    if got != tuple(shape):
        raise CheckFailure(f"{what}: expected input shape {tuple(shape)} (one sample), got {got}")


def check_output_shape(model, shape, what):
    """Fail unless the model has one output of ``shape`` (without the batch axis)."""
    got = _io_shape(model, "output", what)
    if got != tuple(shape):
        raise CheckFailure(f"{what}: expected output shape {tuple(shape)} (one sample), got {got}")


def activation_name(activation):
    """The name of an activation function, layer or string (e.g. ``"softmax"``), ``"linear"`` for None."""
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation.lower()
    if type(activation).__name__ in _ACTIVATION_LAYERS:
        return _ACTIVATION_LAYERS[type(activation).__name__]
    name = getattr(activation, "__name__", None) or type(activation).__name__
    return _snake(name)


def output_activation(model):
    """The activation applied last: of a trailing Activation/Softmax layer, else of the last layer with weights."""
    for layer in reversed(layers_of(model)):
        kind = type(layer).__name__
        if kind in _ACTIVATION_LAYERS:
            return _ACTIVATION_LAYERS[kind]
        if kind == "Activation":
            return activation_name(layer.activation)
        if layer.weights:
            return activation_name(getattr(layer, "activation", None))
    return "linear"


def check_output_activation(model, activations, what):
    """Fail unless the output activation is one of ``activations`` (names like ``"softmax"``)."""
    allowed = [activations] if isinstance(activations, str) else list(activations)
    got = output_activation(model)
    if got not in [a.lower() for a in allowed]:
        raise CheckFailure(f"{what}: expected the output layer's activation to be {_one_of(allowed)}, got {got!r}")


def loss_name(loss):
    """A canonical name for a Keras loss given as a name, alias, function, class or instance.

    ``"categorical_crossentropy"``, ``keras.losses.categorical_crossentropy`` and
    ``keras.losses.CategoricalCrossentropy()`` all give ``"categorical_crossentropy"``;
    ``"mse"`` gives ``"mean_squared_error"``. A loss built with ``from_logits=True``
    gets ``" (from_logits=True)"`` appended: it expects raw scores, not probabilities.
    """
    import keras

    if loss is None:
        return "none"
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except (ValueError, TypeError):
            return loss.lower()
    if isinstance(loss, type):
        loss = loss()
    fn = getattr(loss, "fn", None)
    name = getattr(fn, "__name__", None) or getattr(loss, "__name__", None) or _snake(type(loss).__name__)
    name = _snake(name)
    config = getattr(loss, "_fn_kwargs", None) or {}
    return name + (" (from_logits=True)" if config.get("from_logits") else "")


def check_loss(model, losses, what):
    """Fail unless the model was compiled with one of ``losses`` (names, aliases, functions, classes or instances)."""
    allowed = [losses] if isinstance(losses, str) or not isinstance(losses, (list, tuple)) else list(losses)
    wanted = [loss_name(x) for x in allowed]
    compiled = getattr(model, "compiled", True) and getattr(model, "optimizer", None) is not None
    if not compiled:
        raise CheckFailure(f"{what}: the model is not compiled; call `model.compile(optimizer=..., loss=...)` before returning it")
    got = loss_name(getattr(model, "loss", None))
    if got not in wanted:
        raise CheckFailure(f"{what}: expected the loss {_one_of(wanted)}, got {got!r}")


def check_param_count(model, count=None, max_count=None, what="the model"):
    """Fail unless the model has exactly ``count`` parameters, or at most ``max_count``."""
    got = int(model.count_params())
    if count is not None and got != count:
        raise CheckFailure(f"{what}: expected {count:,} parameters, got {got:,}")
    if max_count is not None and got > max_count:
        raise CheckFailure(f"{what}: expected at most {max_count:,} parameters, got {got:,}")


def check_has_layers(model, class_names, what):
    """Fail unless the model has at least one layer of each class in ``class_names`` (e.g. ``["Dropout"]``),
    wrapped ones included (an LSTM inside Bidirectional is an LSTM)."""
    present = {type(layer).__name__ for layer in layers_within(model)}
    missing = [name for name in class_names if name not in present]
    if missing:
        raise CheckFailure(f"{what}: expected a {' and a '.join(missing)} layer; the model has {_list(sorted(present))}")


def _penalty_factors(regularizer):
    """The L1 and L2 factors of a weight regularizer (L1, L2 and L1L2 have them; others count as none)."""
    config = regularizer.get_config() if regularizer is not None and hasattr(regularizer, "get_config") else {}
    return [float(config.get(key, 0.0) or 0.0) for key in ("l1", "l2")]


def check_has_weight_penalty(model, what):
    """Fail unless some layer's weights carry an L1 or L2 penalty (``keras.regularizers.l2(...)``, ``l1``, ``l1_l2``)."""
    for layer in layers_within(model):
        for attr in ("kernel_regularizer", "depthwise_regularizer", "recurrent_regularizer", "embeddings_regularizer"):
            if any(factor > 0 for factor in _penalty_factors(getattr(layer, attr, None))):
                return
    raise CheckFailure(f"{what}: expected a layer with an L1 or L2 weight penalty, e.g. "
                       "`kernel_regularizer=keras.regularizers.l2(1e-4)`; found none")


def describe_layer(layer):
    """``(class, output shape, params, activation)`` of one layer, as compared by check_same_architecture."""
    try:
        shape = _shape(layer.output.shape)
    except (AttributeError, ValueError):
        shape = None
    activation = activation_name(layer.activation) if hasattr(layer, "activation") else None
    return type(layer).__name__, shape, int(layer.count_params()), activation


def describe_layers(model):
    """``describe_layer`` of every layer, an activation-only layer folded into the linear layer before it
    (``Dense(10)`` then ``Activation("softmax")`` reads as ``Dense(10, activation="softmax")``)."""
    out = []
    for layer in layers_of(model):
        kind = type(layer).__name__
        if (kind in _ACTIVATION_LAYERS or kind == "Activation") and out and out[-1][3] == "linear":
            name = _ACTIVATION_LAYERS.get(kind) or activation_name(layer.activation)
            out[-1] = out[-1][:3] + (name,)
            continue
        out.append(describe_layer(layer))
    return out


def check_same_architecture(model_a, model_b, what):
    """Fail unless the two models have the same layers in order: class, output shape, params and activation."""
    a, b = describe_layers(model_a), describe_layers(model_b)
    for i, (la, lb) in enumerate(zip(a, b)):
        if la != lb:
            raise CheckFailure(f"{what}: layer {i + 1} differs: {_fmt(la)} versus {_fmt(lb)}")
    if len(a) != len(b):
        raise CheckFailure(f"{what}: {len(a)} layers versus {len(b)} layers ({_list([x[0] for x in a])} versus {_list([x[0] for x in b])})")


def _fmt(desc):
    kind, shape, params, activation = desc
    return f"{kind}(output {shape}, {params:,} params" + (f", {activation})" if activation else ")")


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _one_of(names):
    names = [repr(n) for n in names]
    return names[0] if len(names) == 1 else "one of " + ", ".join(names)


def _list(names):
    return ", ".join(names) if names else "no layers"
