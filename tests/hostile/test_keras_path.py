"""Hostile submissions of 07_fashion_mnist, graded in one run beside honest students.

Classes 9-11 of the hostile-input issue: the grader trains a model it
builds itself (fresh weights from its seed, a fresh optimizer, exactly the
model its structure check saw), never reads a History, refuses frozen
layers, a zero learning rate, code, data tables and hand-written losses,
keeps the data it scores on out of the sandbox, caches only what it fixed
itself, and bounds every training before it starts.
"""
import json

import pytest

from autograder import notebooks as nbs
from autograder.engine.run import grade_assignment
from tests.conftest import ROOT
from tests.course_factory import make_course
from tests.hostile.harness import Case, feedback_text, grade_with_honest_students, items

pytestmark = pytest.mark.xdist_group("hostile-keras")

POINTS = nbs.graded_cells(nbs.read(ROOT / "source" / "07_fashion_mnist" / "fashion_mnist.ipynb"))
FULL = sum(POINTS.values())


def without(*cells):
    """Full marks less the points of ``cells`` (what a case that loses them may score at most)."""
    return FULL - sum(POINTS[f"test_{c}"] for c in cells)


def build_model(*layers, compile_args="optimizer='adam', loss='categorical_crossentropy'", before="", after=""):
    body = ",\n        ".join(("keras.Input(shape=(784,))",) + layers)
    return {"build_model": (f"def build_model():\n{before}    model = keras.Sequential([\n        {body},\n    ])\n"
                            f"    model.compile({compile_args})\n{after}    return model\n")}


def train(body):
    return {"train": "def train(model, x_train, y_train, x_val, y_val):\n" + body}


HIDDEN, SOFTMAX = "layers.Dense(128, activation='relu')", "layers.Dense(10, activation='softmax')"
MEMORISED = "    for w in model.weights:\n        w.assign(keras.random.normal(w.shape, seed=1) * 3)\n"
LEARNING = ("build_model_learns", "train", "early_stopping")

CASES = [
    # 9. The grader trains what the student shipped, as shipped.
    Case("memorised-weights-and-learning-rate-0", 9, without(*LEARNING), build_model(
        HIDDEN, SOFTMAX, compile_args="optimizer=keras.optimizers.Adam(learning_rate=0.0), loss='categorical_crossentropy'",
        after=MEMORISED), reason="learning rate"),
    Case("frozen-layers", 9, without(*LEARNING), build_model(
        "layers.Dense(128, activation='relu', trainable=False)", "layers.Dense(10, activation='softmax', trainable=False)"),
        reason="frozen"),
    # From fresh weights the grader's 3 epochs leave the bottleneck far below the bar; the student's own train
    # (early stopping, up to 50 epochs) may lift it over: those points are earned without the shipped weights.
    Case("bottleneck-784-4-10-with-shipped-weights", 9, without("build_model_learns"), build_model(
        "layers.Dense(4, activation='relu')", SOFTMAX, after=MEMORISED), reason="is required"),
    Case("lucky-seed", 9, FULL, build_model(
        "layers.Dense(128, activation='relu', kernel_initializer=keras.initializers.GlorotUniform(seed=7))", SOFTMAX,
        before="    keras.utils.set_random_seed(7)\n"), exactly=FULL),
    Case("two-faced-builder", 9, without(*LEARNING), {"build_model": (
        "CALLS = []\ndef build_model():\n    CALLS.append(1)\n    model = keras.Sequential([keras.Input(shape=(784,)), "
        "layers.Dense(128, activation='relu'), layers.Dense(10, activation='softmax')])\n"
        "    rate = 1e-12 if len(CALLS) == 1 else 1e-3  # a model that passes the structure check, then a better one\n"
        "    model.compile(optimizer=keras.optimizers.SGD(rate), loss='categorical_crossentropy')\n    return model\n")},
        reason="is required"),
    Case("forged-history-without-training", 9, without("train", "early_stopping"), train(
        "    return {'loss': [2.0, 0.1], 'val_loss': [2.0, 2.1, 2.2, 2.3], 'accuracy': [0.99]}\n"), reason="is required"),
    Case("trains-on-the-test-split", 9, without("train", "early_stopping"), train(
        "    import gzip\n    with gzip.open('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz') as f:\n"
        "        f.read()\n    return model.fit(x_train, y_train, epochs=1, verbose=0)\n"), reason="No such file"),
    Case("lambda-layer", 9, without("build_model_structure", *LEARNING), build_model(
        "layers.Lambda(lambda x: x)", HIDDEN, SOFTMAX), reason="Lambda"),
    Case("lookup-table-layer", 9, without("build_model_structure", *LEARNING), build_model(
        "layers.Discretization(bin_boundaries=[0.5])", HIDDEN, SOFTMAX), reason="lookup"),
    Case("constant-initializer-table", 9, without("build_model_structure", *LEARNING), build_model(
        "layers.Dense(128, activation='relu', bias_initializer=keras.initializers.Constant(list(range(128))))", SOFTMAX),
        reason="list of 128 numbers"),
    Case("hand-written-loss", 9, without("build_model_structure", *LEARNING), {"build_model": (
        "def my_loss(y, p):\n    return keras.ops.mean(keras.ops.square(y - p))\n"
        "def build_model():\n    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation='relu'), "
        "layers.Dense(10, activation='softmax')])\n    model.compile(optimizer='adam', loss=my_loss)\n    return model\n")},
        reason="hand-written loss"),
    # 10. One student's model changed other students' grades.
    Case("crafted-optimizer-state", 10, FULL, build_model(
        HIDDEN, SOFTMAX, after="    model.fit(np.zeros((64, 784)), np.eye(10)[np.zeros(64, int)], epochs=20, verbose=0)\n"
                               "    model.optimizer.iterations.assign(10 ** 9)\n"), exactly=FULL),
    # 11. Grader-side training has no limits.
    Case("upsampling-activations", 11, without(*LEARNING), build_model(
        "layers.Reshape((28, 28, 1))", "layers.UpSampling2D(32)", "layers.Conv2D(8, 3)", "layers.GlobalAveragePooling2D()",
        SOFTMAX), reason="activations"),
    Case("two-conv2d-512", 11, without(*LEARNING), build_model(
        "layers.Reshape((28, 28, 1))", "layers.Conv2D(512, 3)", "layers.Conv2D(512, 3)", "layers.GlobalAveragePooling2D()",
        SOFTMAX), reason="TFLOP"),
    Case("six-million-parameters", 11, without(*LEARNING), build_model("layers.Dense(8000, activation='relu')", SOFTMAX),
         reason="parameters"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-keras")
    with pytest.MonkeyPatch.context() as env:  # a training cache of its own: one test here poisons every entry
        env.setenv("AUTOGRADER_TRAINING_CACHE", str(root / "training-cache"))
        course = make_course(root, "07_fashion_mnist", cell_timeout=120, submission_timeout=900, memory_mb=4096)
        honest = {"honest-solution": {}, "honest-two-layers": build_model("layers.Dense(256, activation='relu')", HIDDEN, SOFTMAX)}
        yield {**grade_with_honest_students(course, CASES, honest), "cache": root / "training-cache"}


def test_honest_students_get_exactly_what_they_get_alone(graded):
    assert not graded["outcome"].failures
    for student, scores in graded["alone"].items():
        assert items(graded["results"][student]) == scores
        assert sum(scores.values()) == FULL


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.student)
def test_a_hostile_model_gets_no_more_than_it_deserves(graded, case):
    result = graded["results"][case.student]
    text = feedback_text(result)
    assert result.score <= case.at_most, text[-3000:]
    if case.exactly is not None:
        assert result.score == case.exactly, text[-3000:]
    assert case.reason in text, text[-3000:]


def test_nothing_is_left_behind(graded):
    assert graded["unchanged"] and graded["processes"] == [] and graded["zombies"] == [] and graded["leftovers"] == []


def test_a_poisoned_cache_is_not_trusted_by_force(graded):
    """Every stored training result is overwritten with a failing score; --force trains again and the
    honest students keep their grades."""
    course = graded["course"]
    stored = list(graded["cache"].rglob("*.json"))
    assert stored
    for path in stored:
        entry = json.loads(path.read_text())
        entry["value"] = [0.0] * len(entry["value"]) if isinstance(entry["value"], list) else 0.0
        path.write_text(json.dumps(entry))
    again = grade_assignment(course.root, course.assignment, course.settings, force=True,
                             students=list(graded["alone"]))
    for result in again.results:
        assert items(result) == graded["alone"][result.student]
