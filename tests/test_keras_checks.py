"""Unit tests of the Keras check library: structural checks, training checks, calibration records."""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder import calibrate  # noqa: E402
from autograder.checks import CheckFailure, LocalStudent  # noqa: E402
from autograder.checks import keras_build as kb  # noqa: E402
from autograder.checks import keras_models as km  # noqa: E402
from autograder.checks import training  # noqa: E402

L = keras.layers


def mlp_sequential(loss="categorical_crossentropy", last=None):
    model = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"), last or L.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss=loss)
    return model


def mlp_functional():
    inputs = keras.Input((784,))
    outputs = L.Dense(10, activation="softmax")(L.Dense(512, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy())
    return model


def fails(fn, *args, match):
    with pytest.raises(CheckFailure, match=match):
        fn(*args)


def test_shapes():
    model = mlp_sequential()
    km.check_input_shape(model, (784,), "m")
    km.check_output_shape(model, (10,), "m")
    fails(km.check_input_shape, model, (28, 28), "m", match=r"expected input shape \(28, 28\).*got \(784,\)")
    fails(km.check_output_shape, model, (1,), "m", match=r"expected output shape \(1,\).*got \(10,\)")
    fails(km.check_input_shape, keras.Sequential([L.Dense(3)]), (2,), "m", match="keras.Input")


def test_output_activation_reads_trailing_activation_layers():
    km.check_output_activation(mlp_sequential(), "softmax", "m")
    split = keras.Sequential([keras.Input((4,)), L.Dense(10), L.Activation("softmax"), L.Dropout(0.1)])
    km.check_output_activation(split, ["softmax"], "m")
    km.check_output_activation(keras.Sequential([keras.Input((4,)), L.Dense(3), L.Softmax()]), "softmax", "m")
    fails(km.check_output_activation, mlp_sequential(last=L.Dense(10, activation="sigmoid")), "softmax", "m",
          match="expected the output layer's activation to be 'softmax', got 'sigmoid'")
    km.check_output_activation(keras.Sequential([keras.Input((4,)), L.Dense(1)]), ["linear"], "m")


@pytest.mark.parametrize("given, wanted", [
    ("categorical_crossentropy", keras.losses.CategoricalCrossentropy()),
    (keras.losses.CategoricalCrossentropy(), "categorical_crossentropy"),
    ("mse", "mean_squared_error"),
    (keras.losses.MeanSquaredError, "mse"),
    (keras.losses.binary_crossentropy, "binary_crossentropy"),
])
def test_loss_aliases(given, wanted):
    model = mlp_sequential(loss=given)
    km.check_loss(model, [wanted], "m")


def test_loss_mismatch_and_from_logits():
    fails(km.check_loss, mlp_sequential(loss="sparse_categorical_crossentropy"), "categorical_crossentropy", "m",
          match="expected the loss 'categorical_crossentropy', got 'sparse_categorical_crossentropy'")
    logits = mlp_sequential(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    fails(km.check_loss, logits, "categorical_crossentropy", "m", match="from_logits=True")
    uncompiled = keras.Sequential([keras.Input((2,)), L.Dense(1)])
    fails(km.check_loss, uncompiled, "mse", "m", match="not compiled")


def test_structure_survives_keras_file(tmp_path):
    path = tmp_path / "m.keras"
    mlp_sequential(loss="categorical_crossentropy").save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    km.check_loss(loaded, "categorical_crossentropy", "m")
    km.check_output_activation(loaded, "softmax", "m")
    km.check_same_architecture(loaded, mlp_functional(), "m")


def test_param_count_layers_l2():
    model = mlp_sequential()
    km.check_param_count(model, count=407_050, what="m")
    fails(km.check_param_count, model, 1, None, "m", match="expected 1 parameters, got 407,050")
    fails(km.check_param_count, model, None, 1000, "m", match="at most 1,000")
    fails(km.check_has_layers, model, ["Dropout"], "m", match="expected a Dropout layer; the model has Dense")
    fails(km.check_has_weight_penalty, model, "m", match="L1 or L2")
    reg = keras.Sequential([keras.Input((4,)), L.Dense(3, kernel_regularizer=keras.regularizers.l2(1e-3)), L.Dropout(0.2)])
    km.check_has_weight_penalty(reg, "m")
    km.check_has_layers(reg, ["Dropout", "Dense"], "m")
    for penalty in (keras.regularizers.l1(1e-4), keras.regularizers.l1_l2(l1=1e-4, l2=0.0)):
        km.check_has_weight_penalty(keras.Sequential([keras.Input((4,)), L.Dense(3, kernel_regularizer=penalty)]), "m")
    none = keras.Sequential([keras.Input((4,)), L.Dense(3, kernel_regularizer=keras.regularizers.l1_l2(l1=0.0, l2=0.0))])
    fails(km.check_has_weight_penalty, none, "m", match="L1 or L2")


def test_layers_inside_bidirectional_count():
    model = keras.Sequential([keras.Input((20,)), L.Embedding(100, 8), L.Bidirectional(L.LSTM(4)), L.Dense(1, activation="sigmoid")])
    km.check_has_layers(model, ["Embedding", "LSTM"], "m")
    assert [type(layer).__name__ for layer in km.layers_of(model)] == ["Embedding", "Bidirectional", "Dense"]
    fails(km.check_has_layers, model, ["GRU"], "m", match="expected a GRU layer; the model has Bidirectional, Dense, Embedding, LSTM")


def _compiled_with(loss):
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=loss)
    return kb.description(model)


def my_loss(y, p):
    return keras.ops.mean(keras.ops.square(y - p))


class MyLoss(keras.losses.Loss):
    def call(self, y, p):
        return my_loss(y, p)


@pytest.mark.parametrize("loss, named", [(my_loss, "a hand-written loss function `my_loss`"),
                                         (lambda y, p: my_loss(y, p), "a lambda as its loss"),
                                         (MyLoss(), "the loss MyLoss, which is not one of Keras's built-in losses")])
def test_a_hand_written_loss_is_refused_as_a_loss_not_as_a_layer(loss, named):
    description = _compiled_with(loss)
    with pytest.raises(CheckFailure) as err:
        kb.build(*description, 0, "`build_model`")
    message = str(err.value)
    assert message.startswith(f"`build_model`: compiled with {named}. The grader trains only with Keras's built-in losses")
    assert "cannot be loaded safely" in message and "loss='mse'" in message and "layer" not in message
    assert not kb.build(*description, 0, "`build_model`", compiled=False).compiled  # the architecture alone is fine


def test_keras_own_loss_function_is_accepted_by_name():
    model = kb.build(*_compiled_with(keras.losses.categorical_crossentropy), 0, "m")
    km.check_loss(model, "categorical_crossentropy", "m")


def test_same_architecture():
    km.check_same_architecture(mlp_sequential(), mlp_functional(), "m")
    split = keras.Sequential([keras.Input((784,)), L.Dense(512), L.ReLU(), L.Dense(10), L.Activation("softmax")])
    km.check_same_architecture(split, mlp_functional(), "m")
    wider = keras.Sequential([keras.Input((784,)), L.Dense(256, activation="relu"), L.Dense(10, activation="softmax")])
    fails(km.check_same_architecture, mlp_sequential(), wider, "m", match=r"layer 1 differs: Dense\(output \(None, 512\)")
    deeper = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"), L.Dense(10, activation="softmax"), L.Dropout(0.1)])
    fails(km.check_same_architecture, mlp_sequential(), deeper, "m", match="2 layers versus 3 layers")


def test_profile(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PROFILE", "gpu")
    assert training.profile() == "gpu"
    monkeypatch.setenv("AUTOGRADER_PROFILE", "auto")
    assert training.profile() in ("cpu", "gpu")
    monkeypatch.setenv("AUTOGRADER_PROFILE", "fast")
    with pytest.raises(ValueError):
        training.profile()


def test_score_predictions_label_formats():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert training.score_predictions(probs, np.array([0, 1, 1]), "accuracy") == pytest.approx(2 / 3)
    assert training.score_predictions(probs, np.eye(2)[[0, 1, 0]], "accuracy") == 1.0
    assert training.score_predictions(np.array([[0.7], [0.2]]), np.array([1, 1]), "accuracy") == 0.5
    assert training.score_predictions(np.array([[1.0], [3.0]]), np.array([2.0, 1.0]), "mse") == 2.5
    assert np.isnan(training.score_predictions(np.array([[np.nan]]), np.array([1.0]), "mse"))


def test_targets_for_loss():
    labels = np.array([2, 0])
    assert training.targets_for_loss(mlp_sequential(), labels, 10).shape == (2, 10)
    assert training.targets_for_loss(mlp_sequential(loss="sparse_categorical_crossentropy"), labels, 10).shape == (2,)


def _toy_score(student, seed, budget):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32).reshape(-1, 1)
    model = student.keras_model("build", seed=seed)
    return training.fit_and_score(model, x[:48], y[:48], x[48:], y[48:], budget["epochs"], 16, seed, "accuracy")


def _build():
    model = keras.Sequential([keras.Input((2,)), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy")
    return model


TOY = training.Training(score=_toy_score, reference={"build": _build}, metric="accuracy",
                        budgets={"cpu": {"epochs": 20, "n_test": 16}, "gpu": {"epochs": 20, "n_test": 16}}, min_margin=0.05)


def test_fit_and_score_is_seeded():
    student = LocalStudent({"build": _build})
    assert _toy_score(student, 3, {"epochs": 5}) == _toy_score(student, 3, {"epochs": 5})


def test_fit_and_score_uses_the_training_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRADER_TRAINING_CACHE", str(tmp_path))
    student = LocalStudent({"build": _build})
    first = _toy_score(student, 4, {"epochs": 3})
    assert len(list(tmp_path.glob("*.json"))) == 1
    assert _toy_score(student, 4, {"epochs": 3}) == first and len(list(tmp_path.glob("*.json"))) == 1


def test_calibrate_and_check(monkeypatch, tmp_path):
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps({"other": {"k": {"cpu": {"threshold": 0.5}}}}))
    monkeypatch.setattr(training, "THRESHOLDS", path)
    monkeypatch.setattr(training, "training_items", lambda a: {"toy": TOY})
    monkeypatch.setenv("AUTOGRADER_PROFILE", "cpu")
    rec = calibrate.calibrate_item(TOY, "cpu", seeds=2, reliability=1)
    assert rec["threshold"] > 0.5, rec
    assert rec["threshold"] == pytest.approx(rec["worst"] - rec["margin"], abs=1e-4) and rec["margin"] >= 0.05
    assert rec["reliability"]["of"] == 1
    assert rec["calibrated_on"] == f"CPU ({os.cpu_count()} cores), keras {keras.backend.backend()}" and "note" not in rec
    calibrate._write("toy_assignment", "toy", "cpu", rec)
    data = json.loads(path.read_text())
    assert data["other"]["k"]["cpu"]["threshold"] == 0.5 and "toy" in data["toy_assignment"]
    training.check_min_score(1.0, "toy_assignment", "toy", "toy model")
    with pytest.raises(CheckFailure, match=r"toy model: test accuracy 0\.1 after 20 epochs on 16 hidden samples; "
                                           r"at least .* is required \(the reference reaches .* over 2 seeds\)"):
        training.check_min_score(0.1, "toy_assignment", "toy", "toy model")
    with pytest.raises(CheckFailure):
        training.check_min_score(float("nan"), "toy_assignment", "toy", "toy model")


def test_min_margin_per_profile():
    item = training.Training(_toy_score, {"build": _build}, "accuracy", TOY.budgets, min_margin={"cpu": 0.2, "gpu": 0.05})
    assert (item.min_margin_for("cpu"), item.min_margin_for("gpu"), TOY.min_margin_for("cpu")) == (0.2, 0.05, 0.05)
    assert calibrate.calibrate_item(item, "cpu", seeds=2, reliability=0)["margin"] >= 0.2


def test_gpu_calibration_without_a_gpu_says_so():
    if training.gpu_visible():
        pytest.skip("this machine has a GPU")
    rec = calibrate.calibrate_item(TOY, "gpu", seeds=2, reliability=0)
    assert rec["calibrated_on"].startswith("CPU") and "without a GPU" in rec["note"]


def test_fit_builds_a_model_without_input(tmp_path):
    model = keras.Sequential([L.Dense(4, activation="relu"), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    x = np.random.default_rng(0).normal(size=(32, 3))
    score = training.fit_and_score(loaded, x, (x[:, :1] > 0), x, (x[:, 0] > 0), 1, 16, 0, "accuracy")
    assert 0.0 <= score <= 1.0


def test_fit_failure_is_a_check_failure():
    model = mlp_sequential()
    with pytest.raises(CheckFailure, match="training your model on the hidden data failed"):
        training.fit(model, np.zeros((4, 784)), np.zeros((4,)), 1, 2, 0)


def test_models_too_large_to_train_are_refused_before_training(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PROFILE", "cpu")
    monkeypatch.setitem(training.MAX_PARAMS, "cpu", 100)
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(10)])
    model.compile("adam", "mse")
    with pytest.raises(CheckFailure, match="210 parameters; the grader trains models of at most 100"):
        training.fit(model, np.zeros((4, 20)), np.zeros((4, 10)), 1, 2, 0)


def _batch_normalized():
    model = keras.Sequential([keras.Input((20,)), L.Dense(32, activation="relu"), L.BatchNormalization(), L.Dropout(0.3),
                              L.Dense(3, activation="softmax")])
    return model, np.random.default_rng(0).normal(size=(300, 20))


def _convolutional():
    model = keras.Sequential([keras.Input((12, 12, 1)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
                              L.Dense(3, activation="softmax")])
    return model, np.random.default_rng(0).normal(size=(300, 12, 12, 1))


def _recurrent():
    model = keras.Sequential([keras.Input((10,)), L.Embedding(50, 8), L.LSTM(8, dropout=0.2), L.Dense(3, activation="softmax")])
    return model, np.random.default_rng(0).integers(0, 50, size=(300, 10))


@pytest.mark.parametrize("make", [_batch_normalized, _convolutional, _recurrent])
def test_many_batches_per_call_train_exactly_the_model_one_batch_per_call_trains(make, monkeypatch):
    student, x = make()
    student.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    architecture, settings = kb.description(student)
    y = np.random.default_rng(1).integers(0, 3, size=len(x))
    trained = []
    for per_call in (1, 64):
        monkeypatch.setattr(kb, "BATCHES_PER_CALL", per_call)
        model = kb.build(architecture, settings, 5, "your model")
        assert model.steps_per_execution == (per_call if keras.backend.backend() == "tensorflow" else 1)
        training.fit(model, x, y, 3, 16, 7)  # 19 batches an epoch: the last call runs fewer than 64
        trained.append((model.get_weights(), training.predict(model, x)))
    (weights_one, predicted_one), (weights_many, predicted_many) = trained
    assert all(np.array_equal(a, b) for a, b in zip(weights_one, weights_many))
    assert np.array_equal(predicted_one, predicted_many)
