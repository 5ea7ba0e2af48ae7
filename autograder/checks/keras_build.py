"""The grader builds every Keras model it checks or trains itself, from the student's description.

A student's builder gives an architecture (``model.to_json()``) and compile
settings (``model.get_compile_config()``). The grader never uses the
weights, optimizer state or random seeds that came with them: it checks the
description, builds the model with fresh weights drawn from its own seed
and compiles it with a fresh optimizer (running many batches per call
from Python: ``batches_per_call``). So weights memorised inside the
sandbox, a lucky seed or a restored optimizer state change nothing, and
structure checks and training see exactly the same model.

Accepted: Keras's own layers, initializers, regularizers, constraints,
optimizers and losses, with scalar settings and short tuples (shapes,
kernel sizes); Keras's own loss functions are taken by name. Refused with
a message that says why: code (Lambda and custom classes cannot be loaded
safely), hand-written losses (likewise: judged from the compile settings,
which the architecture of a compiled model repeats and which are left out of it),
layers that carry data tables (lookup and preprocessing layers), settings
with long lists of numbers, and descriptions over ``MAX_CONFIG_BYTES``.
Before training, frozen layers and a learning rate of zero are refused,
and the training's compute and memory are estimated and bounded.
"""
import json
import math

from autograder.checks.errors import CheckFailure, StudentError

MAX_CONFIG_BYTES = 256 << 10
BATCHES_PER_CALL = 64  # see batches_per_call
MAX_LIST = 64
KERAS_MODULES = ("keras", "keras.layers", "keras.models", "keras.initializers", "keras.regularizers",
                 "keras.constraints", "keras.optimizers", "keras.optimizers.schedules", "keras.losses",
                 "keras.activations", "keras.src")
REFUSED_LAYERS = {
    "Lambda": "a Lambda layer runs Python code, which cannot be loaded safely; use Keras's built-in layers",
    "TFSMLayer": "it wraps a saved graph", "TorchModuleWrapper": "it wraps torch code", "JaxLayer": "it wraps JAX code",
    "FlaxLayer": "it wraps JAX code", "IntegerLookup": "lookup tables are not part of these exercises",
    "StringLookup": "lookup tables are not part of these exercises", "Hashing": "hashing layers are not part of these exercises",
    "Discretization": "lookup tables are not part of these exercises", "CategoryEncoding": "not part of these exercises",
    "TextVectorization": "not part of these exercises", "HashedCrossing": "not part of these exercises",
}


def description(model):
    """``(architecture JSON, compile settings JSON or None)`` of a model built in this process."""
    config = model.get_compile_config() if getattr(model, "compiled", False) else None
    return model.to_json(), (None if config is None else json.dumps(config, default=lambda o: f"<{type(o).__name__}>"))


def build(architecture, compile_settings, seed, what, compiled=True):
    """A fresh model from a student's description: checked, weights drawn from ``seed``, a fresh optimizer."""
    import keras

    config = _parse(architecture, what, "architecture", MAX_CONFIG_BYTES)
    if isinstance(config, dict):
        # A compiled model's JSON repeats its compile settings: they are judged (and a hand-written loss
        # named) from ``compile_settings`` alone, never by the layers' rules.
        config.pop("compile_config", None)
    _check_objects(config, what)
    _reset_seeds(config)
    keras.utils.set_random_seed(int(seed))
    try:
        model = keras.models.model_from_json(json.dumps(config))
    except Exception as err:  # noqa: BLE001 - whatever Keras says about the description
        raise StudentError(f"{what}: the model could not be rebuilt from its description "
                           f"({type(err).__name__}: {_gist(err)}); use Keras's built-in layers") from None
    if compiled and compile_settings is not None:
        optimizer, loss = compile_objects(_parse(compile_settings, what, "compile settings", MAX_CONFIG_BYTES), what)
        model.compile(optimizer=optimizer, loss=loss, steps_per_execution=batches_per_call())
    return model


def batches_per_call():
    """Batches the grader's compiled training step runs per call from Python (Keras's ``steps_per_execution``):
    the same updates in the same order, bit for bit, with less Python between batches. TensorFlow only:
    PyTorch's backend allows 1, and JAX's unrolls the steps into one compilation."""
    import keras

    return BATCHES_PER_CALL if keras.backend.backend() == "tensorflow" else 1


def compile_objects(settings, what):
    """The optimizer and loss of compile settings, as fresh Keras objects; refuses what is not built in.
    The student's metrics are left out: the grader scores with its own."""
    import keras

    if not isinstance(settings, dict):
        raise StudentError(f"{what}: the compile settings could not be read")
    optimizer, loss = settings.get("optimizer"), settings.get("loss")
    if not _builtin(optimizer, "keras.optimizers"):
        raise CheckFailure(f"{what}: compiled with an optimizer that is not one of Keras's built-in optimizers; "
                           "use e.g. optimizer='adam' or keras.optimizers.SGD(...)")
    _check_objects(optimizer, what)
    try:
        optimizer = keras.optimizers.deserialize(optimizer)
        loss = _loss(loss, what)
    except CheckFailure:
        raise
    except Exception as err:  # noqa: BLE001
        raise StudentError(f"{what}: the compile settings could not be rebuilt ({type(err).__name__}: {_gist(err)})") from None
    return optimizer, loss


def _loss(loss, what):
    import keras

    if isinstance(loss, list):
        return [_loss(item, what) for item in loss]
    if isinstance(loss, str):
        try:
            keras.losses.get(loss)
        except (ValueError, TypeError):
            raise CheckFailure(f"{what}: compiled with the loss {loss!r}, which Keras does not know") from None
        return loss
    if isinstance(loss, dict) and loss.get("class_name") == "function" and loss.get("module") == "builtins":
        name = loss.get("config")
        if _keras_loss_function(name):  # e.g. loss=keras.losses.categorical_crossentropy: Keras's own, by name
            return name
        raise _hand_written(what, f"a hand-written loss function `{name}`")
    if isinstance(loss, dict) and loss.get("class_name") == "__lambda__":
        raise _hand_written(what, "a lambda as its loss")
    if _builtin(loss, "keras.losses"):
        _check_objects(loss, what)
        return keras.losses.deserialize(loss)
    raise _hand_written(what, f"the loss {_name(loss)}, which is not one of Keras's built-in losses")


def _keras_loss_function(name):
    """Whether ``name`` is one of Keras's loss functions (a function a notebook defines has its own name,
    or one that Keras's function of that name replaces: the grader only ever runs Keras's)."""
    import keras

    try:
        found = keras.losses.get(name) if isinstance(name, str) and ">" not in name else None
    except (ValueError, TypeError):
        return False
    return callable(found) and getattr(found, "__name__", None) == name and \
        str(getattr(found, "__module__", "")).startswith("keras.")


def _hand_written(what, loss):
    return CheckFailure(
        f"{what}: compiled with {loss}. The grader trains only with Keras's built-in losses, because code from "
        "your notebook (a function, a lambda or a Loss class) cannot be loaded safely: compile with one of Keras's "
        "losses by name (e.g. loss='mse', loss='binary_crossentropy', loss='categorical_crossentropy') or as a "
        "class (e.g. keras.losses.MeanSquaredError())")


def check_trainable(model, what):
    """Fail if a layer with weights (or the model) is frozen: the exercise is to train it."""
    from autograder.checks.keras_models import layers_of

    frozen = [layer.name for layer in layers_of(model) if layer.weights and not layer.trainable]
    if not model.trainable or frozen:
        raise CheckFailure(f"{what}: {'the model is' if not model.trainable else 'layers ' + ', '.join(frozen[:5]) + ' are'} "
                           "frozen (trainable=False); the grader trains every layer, so leave them trainable")


def check_learning_rate(model, what):
    """Fail unless the optimizer's (initial) learning rate is a positive number."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return
    config = optimizer.get_config()
    rate = config.get("learning_rate")
    if isinstance(rate, dict):
        rate = rate.get("config", {}).get("initial_learning_rate", 1.0)
    if not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate <= 0:
        raise CheckFailure(f"{what}: the optimizer's learning rate is {rate!r}; it must be a positive number for "
                           "the model to learn")


def estimate_cost(model):
    """``(multiply-adds per sample, activation values per sample)`` of a built model's forward pass.

    A layer costs its parameters once per output position (Dense: once; a
    convolution: once per output pixel; a recurrent layer: once per time
    step), which is exact for dense and convolution layers and an upper
    bound's order of magnitude for the rest. Activations are every layer's
    output values.
    """
    from autograder.checks.keras_models import layers_of

    macs, values = 0, 0
    for layer in layers_of(model):
        try:
            shape = [d for d in layer.output.shape[1:]]
            inputs = layer.input.shape[1:] if hasattr(layer, "input") else ()
        except (AttributeError, ValueError):
            continue
        size = math.prod(int(d or 1) for d in shape)
        values += size
        params = int(layer.count_params())
        positions = size // max(int(shape[-1] or 1), 1) if shape else 1
        steps = int(inputs[0] or 1) if _recurrent(layer) and len(inputs) >= 2 else 1
        macs += params * max(positions, 1) * steps
    return macs, values


def _recurrent(layer):
    kind = type(layer).__name__
    return kind in ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")


# -- the description's checks --------------------------------------------------------------
def _parse(text, what, kind, limit):
    if not isinstance(text, str):
        raise StudentError(f"{what}: the model's {kind} could not be read")
    if len(text) > limit:
        raise CheckFailure(f"{what}: the model's {kind} is {len(text):,} characters long, over the grader's "
                           f"{limit:,}: no exercise needs a description that large")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise StudentError(f"{what}: the model's {kind} is not valid JSON") from None


def _check_objects(node, what, depth=0):
    """Every serialized object is one of Keras's own, no layer carries code or a data table, no setting a long list."""
    if depth > 200:
        raise CheckFailure(f"{what}: the model is nested too deeply")
    if isinstance(node, list):
        if len(node) > MAX_LIST and all(isinstance(v, (int, float)) for v in node):
            raise CheckFailure(f"{what}: a layer setting holds a list of {len(node)} numbers; the grader accepts "
                               f"settings of at most {MAX_LIST} (shapes, sizes), not tables of data")
        for item in node:
            _check_objects(item, what, depth + 1)
        return
    if not isinstance(node, dict):
        return
    if "class_name" in node and "module" in node:
        kind, module = node.get("class_name"), node.get("module") or ""
        if kind in REFUSED_LAYERS:
            raise CheckFailure(f"{what}: the grader cannot train a model with a {kind} layer: {REFUSED_LAYERS[kind]}")
        registered = node.get("registered_name")
        if kind == "function" and module == "builtins":
            raise CheckFailure(f"{what}: the model uses the function `{node.get('config')}` from your notebook; a "
                               "function cannot be loaded safely by the grader, so use Keras's built-in activations")
        if not (module in KERAS_MODULES or module.startswith("keras.src.")) or registered not in (None, kind, "function"):
            raise CheckFailure(f"{what}: the model uses {kind} from {module or 'your notebook'}, which is not part of "
                               "Keras; custom classes cannot be loaded safely, so use Keras's built-in layers")
    for value in node.values():
        _check_objects(value, what, depth + 1)


def _reset_seeds(node):
    """Drop every seed a layer or initializer carries, so the grader's seed decides all randomness."""
    if isinstance(node, list):
        for item in node:
            _reset_seeds(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "seed":
                node[key] = None
            else:
                _reset_seeds(value)


def _builtin(obj, module):
    return isinstance(obj, dict) and (obj.get("module") == module or str(obj.get("module", "")).startswith(module + ".")) \
        and obj.get("registered_name") in (None, obj.get("class_name"))


def _name(obj):
    return obj.get("class_name", "?") if isinstance(obj, dict) else type(obj).__name__


def _gist(err):
    text = " ".join(str(err).split())
    return text if len(text) <= 300 else text[:297] + "..."
