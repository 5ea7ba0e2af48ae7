"""Hidden checks for 09_cnn: convolution and max-pooling by hand, checked against Keras layers; a Keras CNN.

The references for ``conv2d_forward`` and ``maxpool2d_forward`` are
``keras.layers.Conv2D`` and ``keras.layers.MaxPooling2D`` themselves, given
the same weights. Keras computes in float32, so values are compared with
rtol = atol = 1e-4 (float32 round-off on sums of a few dozen unit-sized
products is below 1e-5; every bug in the zoo is off by more than 0.1).
"""
import numpy as np

from autograder.checks import check_close, check_dtype_kind, check_scalar
from autograder.checks import keras_models as km
from autograder.checks import training
from autograder.checks.training import Training, course_seeded, seed_from

A = "09_cnn"
TOL = {"rtol": 1e-4, "atol": 1e-4}


def conv_output_size(n, kernel, stride=1, padding="valid"):
    if padding == "same":
        return -(-n // stride)
    return (n - kernel) // stride + 1


def _numpy(tensor):
    import keras

    return np.asarray(keras.ops.convert_to_numpy(tensor), dtype=np.float64)


def keras_conv2d(X, K, b, stride, padding):
    """What ``keras.layers.Conv2D`` computes with kernel K and bias b."""
    import keras

    layer = keras.layers.Conv2D(K.shape[3], K.shape[:2], strides=stride, padding=padding)
    layer.build(X.shape)
    layer.set_weights([K.astype(np.float32), b.astype(np.float32)])
    return _numpy(layer(X.astype(np.float32)))


def keras_maxpool(X, pool_size):
    import keras

    return _numpy(keras.layers.MaxPooling2D(pool_size)(X.astype(np.float32)))


# conv_output_size

SIZE_TABLE = [(28, 3, 1, "valid"), (28, 3, 1, "same"), (28, 5, 2, "valid"), (7, 3, 2, "valid"),
              (7, 3, 2, "same"), (8, 2, 2, "same"), (6, 4, 3, "valid"), (256, 3, 1, "valid")]


def _check_sizes(student, cases):
    for n, k, s, p in cases:
        what = f"conv_output_size({n}, {k}, stride={s}, padding={p!r})"
        got = check_scalar(student.call("conv_output_size", n, k, stride=s, padding=p), what)
        check_close(got, conv_output_size(n, k, s, p), what, rtol=0, atol=0)


def check_output_size_table(student, rng):
    """conv_output_size gives Keras's sizes: valid floor((n - k) / s) + 1, same ceil(n / s)"""
    _check_sizes(student, SIZE_TABLE)


def check_output_size_hidden(student, rng):
    """conv_output_size is right on hidden sizes, kernels and strides, for both paddings"""
    cases = []
    for _ in range(12):
        k, s = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        cases.append((int(rng.integers(k, 40)), k, s, str(rng.choice(["valid", "same"]))))
    _check_sizes(student, cases)


# conv2d_forward


def _conv_case(rng, x_shape, k_shape):
    return rng.normal(size=x_shape), rng.normal(size=k_shape), rng.normal(size=k_shape[-1:])


def _check_conv(student, rng, x_shape, k_shape, stride, padding):
    X, K, b = _conv_case(rng, x_shape, k_shape)
    what = f"conv2d_forward(X {x_shape}, K {k_shape}, b, stride={stride}, padding={padding!r})"
    out = student.call("conv2d_forward", X, K, b, stride=stride, padding=padding)
    out = check_dtype_kind(out, "f", what)
    check_close(out, keras_conv2d(X, K, b, stride, padding), what, inputs="hidden inputs, compared with keras.layers.Conv2D", **TOL)


def check_conv_example(student, rng):
    """a vertical-edge kernel on a 4x4 image with a step gives the notebook's example output"""
    X = np.array([[0, 0, 1, 1]] * 4, dtype=np.float64).reshape(1, 4, 4, 1)
    K = np.array([[-1.0, 1.0]] * 2).reshape(2, 2, 1, 1)
    b = np.array([0.5])
    out = student.call("conv2d_forward", X, K, b)
    check_close(out, keras_conv2d(X, K, b, 1, "valid"), "conv2d_forward of the edge example", **TOL)


def check_conv_valid(student, rng):
    """valid padding, stride 1: matches keras Conv2D (non-square kernel, 3 input channels, 4 filters, bias)"""
    _check_conv(student, rng, (2, 7, 6, 3), (3, 2, 3, 4), 1, "valid")


def check_conv_valid_stride(student, rng):
    """valid padding, stride 2: matches keras Conv2D(strides=2)"""
    _check_conv(student, rng, (3, 9, 8, 2), (3, 3, 2, 5), 2, "valid")


def check_conv_same(student, rng):
    """same padding, stride 1: output has the input's height and width and matches keras Conv2D"""
    _check_conv(student, rng, (2, 6, 7, 3), (3, 5, 3, 2), 1, "same")


def check_conv_same_stride(student, rng):
    """same padding, stride 2, odd and even kernels: an odd number of padding rows/columns puts the extra one at the bottom/right, as Keras does"""
    _check_conv(student, rng, (2, 8, 6, 2), (3, 3, 2, 3), 2, "same")
    _check_conv(student, rng, (2, 7, 8, 2), (2, 4, 2, 3), 2, "same")


# maxpool2d_forward


def check_maxpool_example(student, rng):
    """the lecture's 4x4 example pools to [[4, 6], [6, 7]]"""
    X = np.array([[1, 0, 3, 6], [2, 4, 5, 2], [2, 6, 2, 0], [3, 4, 1, 7]], dtype=np.float64).reshape(1, 4, 4, 1)
    out = student.call("maxpool2d_forward", X)
    check_close(out, np.array([[4.0, 6.0], [6.0, 7.0]]).reshape(1, 2, 2, 1), "maxpool2d_forward of the lecture's example")


def check_maxpool_hidden(student, rng):
    """matches keras MaxPooling2D on negative inputs with several channels, odd sizes and pool sizes 2 and 3"""
    for x_shape, pool in [((2, 7, 9, 3), 2), ((3, 9, 7, 2), 3), ((1, 6, 6, 4), 2)]:
        X = rng.normal(size=x_shape) - 3.0
        what = f"maxpool2d_forward(X {x_shape}, pool_size={pool})"
        out = check_dtype_kind(student.call("maxpool2d_forward", X, pool_size=pool), "f", what)
        check_close(out, keras_maxpool(X, pool), what, inputs="hidden inputs, compared with keras.layers.MaxPooling2D", **TOL)


# build_cnn

INPUT, CLASSES, MAX_PARAMS = (28, 28, 1), 10, 250_000


def build_cnn():
    """The lecture's MNIST network with a pooling after each convolution: 225,034 parameters, fast on a CPU."""
    import keras

    model = keras.Sequential([
        keras.Input(shape=INPUT),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def check_cnn_structure(student, rng):
    """build_cnn: input (28, 28, 1), Conv2D and MaxPooling2D layers, 10 softmax outputs, a cross-entropy loss, small enough to train on a CPU"""
    model = student.keras_model("build_cnn")
    what = "build_cnn()"
    km.check_input_shape(model, INPUT, what)
    km.check_has_layers(model, ["Conv2D", "MaxPooling2D"], what)
    km.check_output_shape(model, (CLASSES,), what)
    km.check_output_activation(model, "softmax", what)
    km.check_loss(model, ["categorical_crossentropy", "sparse_categorical_crossentropy"], what)
    km.check_param_count(model, max_count=MAX_PARAMS, what=f"{what} (the grader trains it on a CPU)")


def fashion_images(seed, n_train, n_test):
    """Seeded Fashion-MNIST subsets: float32 (n, 28, 28, 1) in [0, 1] and integer labels."""
    from assignments.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist()
    rng = np.random.default_rng(seed)
    i = rng.choice(len(x_train), n_train, replace=False)
    j = rng.choice(len(x_test), n_test, replace=False)

    def images(x):
        return (x[..., None] / 255.0).astype(np.float32)

    return images(x_train[i]), y_train[i].astype(np.int64), images(x_test[j]), y_test[j].astype(np.int64)


def score_cnn(student, seed, budget):
    """Test accuracy of the student's CNN after the grader trains it on a hidden Fashion-MNIST subset."""
    model = student.keras_model("build_cnn", seed=seed)
    x_train, y_train, x_test, y_test = fashion_images(seed, budget["n_train"], budget["n_test"])
    targets = training.targets_for_loss(model, y_train, CLASSES)
    return training.fit_and_score(model, x_train, targets, x_test, y_test, budget["epochs"],
                                  budget["batch_size"], seed, "accuracy")


# On 2,000 images smaller CNNs trail the reference by up to 0.05 (over 25 seeds the zoo's 12.8k-parameter
# Conv16-Conv32 net scores down to 0.743, the reference down to 0.774), hence the wider cpu margin.
CPU_BUDGET = {"n_train": 2000, "n_test": 2000, "epochs": 5, "batch_size": 32}
GPU_BUDGET = {"n_train": 60000, "n_test": 10000, "epochs": 10, "batch_size": 128}  # all of Fashion-MNIST
TRAINING = {
    "cnn": Training(score=score_cnn, reference={"build_cnn": build_cnn}, metric="accuracy",
                    budgets={"cpu": CPU_BUDGET, "gpu": GPU_BUDGET}, min_margin={"cpu": 0.06, "gpu": 0.03}),
}


@course_seeded
def check_cnn_learns(student, rng):
    """build_cnn reaches the required test accuracy on hidden Fashion-MNIST images after the grader trains it"""
    model = student.keras_model("build_cnn")
    km.check_param_count(model, max_count=MAX_PARAMS, what="build_cnn() (the grader trains it on a CPU and does not train larger models)")
    score = score_cnn(student, seed_from(rng), training.budget(A, "cnn"))
    training.check_min_score(score, A, "cnn", "build_cnn, trained by the grader")


CHECKS = {
    "test_conv_output_size": [check_output_size_table, check_output_size_hidden],
    "test_conv2d_forward_visible": [check_conv_example],
    "test_conv2d_forward_valid": [check_conv_valid, check_conv_valid_stride],
    "test_conv2d_forward_same": [check_conv_same, check_conv_same_stride],
    "test_maxpool2d_forward_visible": [check_maxpool_example],
    "test_maxpool2d_forward_hidden": [check_maxpool_hidden],
    "test_build_cnn_structure": [check_cnn_structure],
    "test_build_cnn_training": [check_cnn_learns],
}
