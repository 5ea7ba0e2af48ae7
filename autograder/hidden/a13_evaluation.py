"""Hidden checks for 13_evaluation: confusion matrix, precision/recall/F1, ROC AUC, a grid search.

The metrics are compared with scikit-learn's on hidden labels and scores,
ties and degenerate cases included (a class that never occurs, nothing
predicted positive, every score tied, perfect and inverted rankings).

``grid_search`` is probed with ``Fixture("logistic_units")`` as its
``build_fn``: logistic units whose weights the hyperparameters name. With a
learning rate of 0 training leaves them unchanged, so the grader knows what
``model.evaluate`` gives for every combination on any data. The hidden
validation labels are crafted so that the best combination on the
validation set is not the best on the training set (whose labels follow
another unit, as any other data drawn like it would): a search that scores
on the training data, on a test set, or on the loss picks another
combination. A second probe starts a unit that is wrong on every point: only
a search that trains each model before scoring it sees it learn.
"""
import itertools
from dataclasses import dataclass

import numpy as np

from autograder.checks import CheckFailure, Fixture, as_array, check_close, check_shape
from autograder.checks.training import seed_from
from autograder.kernel.fixtures import LogisticUnits
from autograder.results import weight

# Reference implementations (the notebook's solutions; the checks compare with scikit-learn).


def confusion_matrix(labels_true, labels_pred, num_classes):
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels_true), np.asarray(labels_pred)), 1)
    return counts


def precision_recall_f1(labels_true, labels_pred, positive=1):
    actual, predicted = np.asarray(labels_true) == positive, np.asarray(labels_pred) == positive
    tp = int(np.sum(actual & predicted))
    fp, fn = int(np.sum(~actual & predicted)), int(np.sum(actual & ~predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def roc_auc(y_true, scores):
    positive = np.asarray(y_true) == 1
    scores = np.asarray(scores, dtype=np.float64)
    pos, neg = scores[positive][:, None], scores[~positive][None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def grid_search(build_fn, param_grid, x_train, y_train, x_val, y_val, epochs, seed):
    import keras

    names, results = list(param_grid), []
    for values in itertools.product(*(param_grid[name] for name in names)):
        params = dict(zip(names, values))
        keras.utils.set_random_seed(seed)
        model = build_fn(**params)
        model.fit(x_train, y_train, epochs=epochs, verbose=0)
        scores = model.evaluate(x_val, y_val, verbose=0, return_dict=True)
        results.append((params, float(scores["accuracy"])))
    best_params, _ = max(results, key=lambda result: result[1])
    return best_params, results


# What scikit-learn says.


def sklearn_confusion_matrix(labels_true, labels_pred, num_classes):
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    return sk_confusion_matrix(labels_true, labels_pred, labels=np.arange(num_classes))


def sklearn_precision_recall_f1(labels_true, labels_pred, positive):
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        labels_true, labels_pred, labels=[positive], average="macro", zero_division=0)
    return float(precision), float(recall), float(f1)


def sklearn_roc_auc(y_true, scores):
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y_true, scores))


# confusion_matrix


def _confusion(student, labels_true, labels_pred, k):
    what = f"confusion_matrix(labels_true ({len(labels_true)},), labels_pred, num_classes={k})"
    return check_shape(student.call("confusion_matrix", labels_true, labels_pred, k), (k, k), what), what


def _noisy_copy(rng, labels, k, error_rate):
    """``labels`` with a share ``error_rate`` replaced by random classes below ``k``: predictions of a fair classifier."""
    wrong = rng.random(len(labels)) < error_rate
    return np.where(wrong, rng.integers(0, k, size=len(labels)), labels)


def check_confusion_matrix_values(student, rng):
    """confusion_matrix counts like scikit-learn's (rows true classes, columns predicted), num_classes x num_classes even when a class never occurs"""
    for k, n in ((2, 30), (int(rng.integers(4, 8)), int(rng.integers(40, 120)))):
        labels_true = rng.integers(0, k - 1, size=n)  # class k - 1 occurs in neither array
        labels_pred = _noisy_copy(rng, labels_true, k - 1, 0.4)
        got, what = _confusion(student, labels_true, labels_pred, k)
        expected = sklearn_confusion_matrix(labels_true, labels_pred, k)
        if (got.astype(np.float64) == expected.T).all() and not (expected == expected.T).all():
            raise CheckFailure(f"{what}: rows and columns are swapped; row i must count the samples whose true class "
                               "is i, column j those predicted as j")
        check_close(got, expected, what, rtol=0, atol=0, inputs="hidden labels (scikit-learn's confusion_matrix)")


def check_confusion_matrix_integers(student, rng):
    """confusion_matrix returns integer counts (an integer dtype, like scikit-learn's)"""
    labels_true = rng.integers(0, 3, size=20)
    got, what = _confusion(student, labels_true, _noisy_copy(rng, labels_true, 3, 0.3), 3)
    if got.dtype.kind not in "iu":
        raise CheckFailure(f"{what}: expected integer counts, got dtype {got.dtype}; "
                           "start from e.g. np.zeros((num_classes, num_classes), dtype=int)")


# precision_recall_f1

PRF = ("precision", "recall", "f1")


def _check_prf(student, labels_true, labels_pred, positive, inputs):
    what = f"precision_recall_f1(labels_true ({len(labels_true)},), labels_pred, positive={positive})"
    out = student.call("precision_recall_f1", labels_true, labels_pred, positive)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise CheckFailure(f"{what}: expected a tuple (precision, recall, f1), got {type(out).__name__}")
    got = [as_array(v, f"{what}: {name}") for v, name in zip(out, PRF)]
    for value, name in zip(got, PRF):
        if value.size != 1:
            raise CheckFailure(f"{what}: expected {name} to be a single number, got an array of shape {value.shape}")
    got = [float(v.reshape(())) for v in got]
    expected = sklearn_precision_recall_f1(labels_true, labels_pred, positive)
    if got[:2] == list(expected[1::-1]) and expected[0] != expected[1]:
        raise CheckFailure(f"{what}: precision and recall are swapped on {inputs}: precision = TP / (TP + FP) "
                           "(of the predicted positives, how many are), recall = TP / (TP + FN)")
    for value, want, name in zip(got, expected, PRF):
        check_close(np.float64(value), want, f"{what}: {name}", rtol=1e-9, atol=1e-12,
                    inputs=f"{inputs} (scikit-learn, zero_division=0)")


def check_prf_values(student, rng):
    """precision_recall_f1 matches scikit-learn on hidden binary labels, with positive=1 and with positive=0"""
    for positive in (1, 0):
        n = int(rng.integers(30, 80))
        labels_true = (rng.random(n) < 0.4).astype(np.int64)
        _check_prf(student, labels_true, _noisy_copy(rng, labels_true, 2, 0.35), positive, "hidden labels")


def check_prf_undefined(student, rng):
    """precision_recall_f1 gives 0.0 where a ratio is undefined (nothing predicted positive, no positive sample), like scikit-learn's zero_division=0"""
    n = int(rng.integers(8, 20))
    labels_true = (rng.random(n) < 0.5).astype(np.int64)
    labels_true[:2] = (0, 1)
    cases = [
        (labels_true, np.zeros(n, dtype=np.int64), "predictions with no positive (precision undefined)"),
        (np.zeros(n, dtype=np.int64), labels_true, "labels with no positive sample (recall undefined)"),
        (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), "no positive anywhere (every ratio undefined)"),
        (labels_true, labels_true, "perfect predictions"),
    ]
    for labels, predicted, inputs in cases:
        _check_prf(student, labels, predicted, 1, inputs)


# roc_auc


def _check_auc(student, y_true, scores, inputs):
    what = f"roc_auc(y_true ({len(y_true)},), scores)"
    out = as_array(student.call("roc_auc", y_true, scores), what)
    if out.size != 1:
        raise CheckFailure(f"{what}: expected a single number, got an array of shape {out.shape}")
    check_close(out.reshape(()).astype(np.float64), sklearn_roc_auc(y_true, scores), what, rtol=1e-9, atol=1e-12,
                inputs=f"{inputs} (scikit-learn's roc_auc_score)")


def _labels_with_both(rng, n, share=0.4):
    labels = (rng.random(n) < share).astype(np.int64)
    labels[:2] = (1, 0)
    return rng.permutation(labels)


def check_auc_values(student, rng):
    """roc_auc matches scikit-learn's roc_auc_score on hidden labels and distinct scores (probabilities and raw logits)"""
    for n in (int(rng.integers(20, 60)), int(rng.integers(200, 400))):
        y_true = _labels_with_both(rng, n)
        logits = 1.2 * y_true + rng.normal(size=n)
        _check_auc(student, y_true, 1 / (1 + np.exp(-logits)), "hidden probabilities")
        _check_auc(student, y_true, logits, "hidden logits (scores need not lie in [0, 1])")


def check_auc_ties(student, rng):
    """roc_auc counts a positive and a negative with the same score as half a correctly ordered pair, like scikit-learn"""
    n = int(rng.integers(40, 100))
    y_true = _labels_with_both(rng, n)
    coarse = np.round(np.clip(0.5 + 0.25 * y_true + rng.normal(scale=0.25, size=n), 0, 1), 1)
    _check_auc(student, y_true, coarse, "hidden scores rounded to one decimal (many ties)")
    _check_auc(student, y_true, np.full(n, 0.7), "scores that are all equal (every pair tied: AUC 0.5)")


def check_auc_degenerate(student, rng):
    """roc_auc is 1 for a perfect ranking, 0 for an inverted one, and right with a single positive or just two samples"""
    n = int(rng.integers(10, 30))
    y_true = _labels_with_both(rng, n)
    scores = y_true + rng.uniform(0.05, 0.9, size=n)
    _check_auc(student, y_true, scores, "scores that rank every positive first (AUC 1)")
    _check_auc(student, y_true, -scores, "scores that rank every positive last (AUC 0)")
    single = np.zeros(n, dtype=np.int64)
    single[int(rng.integers(n))] = 1
    _check_auc(student, single, rng.normal(size=n), "hidden scores with a single positive")
    _check_auc(student, np.array([0, 1]), np.array([0.3, 0.3]), "two samples with the same score")


# grid_search

SELECTION_SCALE = 4.0   # units confident enough that every hidden point is far from p = 0.5
TRAINING_SCALE = 2.0    # the unit the second probe trains: wrong on every point, but not saturated
MARGIN = 0.1            # no hidden point lies closer than this to a unit's boundary


@dataclass
class Probe:
    """A grid for ``Fixture("logistic_units")``, hidden data, and what a correct search reports on it."""

    grid: dict
    data: tuple           # x_train, y_train, x_val, y_val
    val_accuracy: dict    # combination (tuple of values, in the grid's order) -> what model.evaluate gives
    train_accuracy: dict
    val_loss: dict

    @property
    def combinations(self):
        return grid_combinations(self.grid)

    @property
    def best(self):
        return max(self.val_accuracy, key=self.val_accuracy.get)

    @property
    def best_on_training_data(self):
        return max(self.train_accuracy, key=self.train_accuracy.get)


def grid_combinations(grid):
    """Every combination of a grid's values, as tuples in the grid's key order."""
    return list(itertools.product(*grid.values()))


def evaluate_accuracy(correct):
    """The accuracy ``model.evaluate`` reports for a boolean array of correct predictions (a float32 mean)."""
    return float(np.float32(np.sum(correct)) / np.float32(len(correct)))


def _points(rng, n, units, combinations, make):
    """``n`` points from ``make(rng, m)``, none within MARGIN of any unit's boundary."""
    kept = np.zeros((0, 2))
    while len(kept) < n:
        x = make(rng, 4 * n)
        far = np.all([np.abs(units.logits(x, *c[:2])) >= units.scale * MARGIN for c in combinations], axis=0)
        kept = np.concatenate([kept, x[far]])
    return kept[:n]


def _flip(rng, labels, share):
    flipped = labels.copy()
    chosen = rng.choice(len(labels), size=int(round(share * len(labels))), replace=False)
    flipped[chosen] = 1 - flipped[chosen]
    return flipped


def _bce(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _probe(grid, units, x_train, y_train, x_val, y_val):
    """The Probe of frozen units: accuracies and losses computed here, exactly as evaluate reports them."""
    val_accuracy, train_accuracy, val_loss = {}, {}, {}
    for combination in grid_combinations(grid):
        angle, offset = combination[:2]
        val_logits, train_logits = units.logits(x_val, angle, offset), units.logits(x_train, angle, offset)
        val_accuracy[combination] = evaluate_accuracy((val_logits > 0) == (y_val[:, 0] > 0.5))
        train_accuracy[combination] = evaluate_accuracy((train_logits > 0) == (y_train[:, 0] > 0.5))
        val_loss[combination] = _bce(y_val[:, 0], 1 / (1 + np.exp(-val_logits)))
    data = tuple(a.astype(np.float32) for a in (x_train, y_train, x_val, y_val))
    return Probe(grid, data, val_accuracy, train_accuracy, val_loss)


def selection_probe(rng, n_train=40, n_val=40):
    """Four frozen units; the training labels follow one of them (``natural``), the validation labels the
    one that disagrees with it most (``target``), each with some labels flipped. Redrawn until the best
    on the validation set is unique, is not the best on the training set, and is not the unit with the
    largest validation loss."""
    units = LogisticUnits(SELECTION_SCALE)
    while True:
        grid = {"angle": [float(a) for a in np.round(np.sort(rng.uniform(0, 2 * np.pi, size=2)), 2)],
                "offset": [float(o) for o in np.round(np.sort(rng.uniform(-0.6, 0.6, size=2)), 2)]}
        combinations = grid_combinations(grid)
        x_train = _points(rng, n_train, units, combinations, lambda r, m: r.normal(size=(m, 2)))
        x_val = _points(rng, n_val, units, combinations, lambda r, m: r.normal(size=(m, 2)))
        natural = combinations[int(rng.integers(len(combinations)))]
        votes = {c: units.logits(x_val, *c) > 0 for c in combinations}
        target = min(combinations, key=lambda c: (votes[c] == votes[natural]).mean())
        y_train = _flip(rng, (units.logits(x_train, *natural) > 0).astype(np.float64), 0.1)[:, None]
        y_val = _flip(rng, votes[target].astype(np.float64), 0.15)[:, None]
        probe = _probe(grid, units, x_train, y_train, x_val, y_val)
        accuracies = sorted(probe.val_accuracy.values())
        if (target != natural and probe.best == target and accuracies[-1] > accuracies[-2]
                and probe.best_on_training_data != target and max(probe.val_loss, key=probe.val_loss.get) != target):
            return probe


def training_probe(rng, n_train=64, n_val=40):
    """One unit pointing against two well separated blobs (wrong on every point), at learning rates 0 and 1.
    The Probe's accuracies are the untrained unit's: what a search reports for learning rate 0."""
    phi = float(np.round(rng.uniform(0, 2 * np.pi), 2))
    direction = np.array([np.cos(phi), np.sin(phi)])
    angle = float(np.round(phi + np.pi, 2))
    grid = {"angle": [angle], "offset": [0.0], "learning_rate": [0.0, 1.0]}
    units = LogisticUnits(TRAINING_SCALE)

    def blobs(r, m):
        side = np.where(r.random(m) < 0.5, 1.0, -1.0)
        return side[:, None] * 2.5 * direction + r.normal(scale=0.5, size=(m, 2))

    x_train, x_val = (_points(rng, n, units, grid_combinations(grid), blobs) for n in (n_train, n_val))
    y_train, y_val = ((x @ direction > 0).astype(np.float64)[:, None] for x in (x_train, x_val))
    return _probe(grid, units, x_train, y_train, x_val, y_val)


def _describe(grid, combination):
    return "{" + ", ".join(f"{name}: {value:g}" for name, value in zip(grid, combination)) + "}"


def _combination(params, grid, what):
    """The grid combination a returned params dict names, or a CheckFailure."""
    if not isinstance(params, dict) or set(params) != set(grid):
        keys = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise CheckFailure(f"{what}: expected a dict with the keys {sorted(grid)}, got {keys}")
    values = []
    for name, options in grid.items():
        value = as_array(params[name], f"{what}[{name!r}]")
        matches = [o for o in options if value.size == 1 and abs(float(value.reshape(())) - o) <= 1e-9 * max(1.0, abs(o))]
        if not matches:
            raise CheckFailure(f"{what}[{name!r}] is {value.tolist()}, not one of the grid's values {options}")
        values.append(matches[0])
    return tuple(values)


def _search(student, probe, epochs, scale, rng):
    """Run the student's grid_search on a probe: ``(best combination, [(combination, accuracy)])``."""
    call = f"grid_search(build_fn, {probe.grid}, ..., epochs={epochs}, seed)"
    out = student.call("grid_search", Fixture("logistic_units", scale=scale), probe.grid, *probe.data,
                       epochs, seed_from(rng))
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailure(f"{call}: expected a pair (best_params, results), got {type(out).__name__}")
    best, results = out
    if not isinstance(results, (tuple, list)):
        raise CheckFailure(f"{call}: expected results to be a list of (params, val_accuracy) pairs, got {type(results).__name__}")
    found = []
    for i, entry in enumerate(results):
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise CheckFailure(f"{call}: results[{i}] should be a pair (params, val_accuracy), got {type(entry).__name__}")
        accuracy = as_array(entry[1], f"{call}: results[{i}]'s val_accuracy")
        if accuracy.size != 1:
            raise CheckFailure(f"{call}: results[{i}]'s val_accuracy should be one number, got shape {accuracy.shape}")
        found.append((_combination(entry[0], probe.grid, f"{call}: results[{i}]'s params"), float(accuracy.reshape(()))))
    _check_every_combination(call, probe, [c for c, _ in found])
    return _combination(best, probe.grid, f"{call}: best_params"), found, call


def _check_every_combination(call, probe, tried):
    missing = [c for c in probe.combinations if c not in tried]
    repeated = sorted({c for c in tried if tried.count(c) > 1})
    if missing or repeated:
        problem = (f"{len(missing)} of the {len(probe.combinations)} combinations {'is' if len(missing) == 1 else 'are'} "
                   f"missing, e.g. "
                   f"{_describe(probe.grid, missing[0])}" if missing else
                   f"{_describe(probe.grid, repeated[0])} appears more than once")
        raise CheckFailure(f"{call}: results must hold every combination of the grid exactly once (itertools.product "
                           f"over the lists): {problem}")


def _check_reported(call, probe, combination, accuracy):
    expected = probe.val_accuracy[combination]
    if abs(accuracy - expected) <= 1e-6:
        return
    name = _describe(probe.grid, combination)
    if abs(accuracy - probe.train_accuracy[combination]) <= 1e-6:
        hint = "that is its accuracy on the training data: score each model on (x_val, y_val)"
    elif abs(accuracy - probe.val_loss[combination]) <= 1e-4:
        hint = "that is its validation loss: model.evaluate returns [loss, accuracy]"
    else:
        hint = "score each trained model with model.evaluate(x_val, y_val) and report its accuracy"
    raise CheckFailure(f"{call}: for {name} you report a validation accuracy of {accuracy:.4f}; "
                       f"model.evaluate on the hidden validation data gives {expected:.4f}: {hint}")


@weight(3)
def check_grid_search_selects_by_validation(student, rng):
    """grid_search tries every combination once, reports model.evaluate's validation accuracy for each, and returns the best by validation accuracy (on hidden data where another combination is best on the training data)"""
    probe = selection_probe(rng)
    best, found, call = _search(student, probe, 1, SELECTION_SCALE, rng)
    for combination, accuracy in found:
        _check_reported(call, probe, combination, accuracy)
    if best != probe.best:
        got, want = _describe(probe.grid, best), _describe(probe.grid, probe.best)
        worst = min(probe.val_accuracy, key=probe.val_accuracy.get)
        why = ("; that is the worst: pick the largest validation accuracy" if best == worst else
               "; that is the best on the training data: choose by validation accuracy"
               if best == probe.best_on_training_data else "")
        raise CheckFailure(f"{call}: best_params is {got} (validation accuracy {probe.val_accuracy[best]:.4f}), "
                           f"but {want} has the best validation accuracy, {probe.val_accuracy[probe.best]:.4f}{why}")


def check_grid_search_trains(student, rng):
    """grid_search trains each model before scoring it: a unit that starts wrong on every hidden point learns them with learning_rate 1.0 (at least 90% validation accuracy) and stays wrong with learning_rate 0"""
    probe = training_probe(rng)
    best, found, call = _search(student, probe, 3, TRAINING_SCALE, rng)
    frozen, learning = probe.combinations
    for combination, accuracy in found:
        if combination == frozen:
            _check_reported(call, probe, combination, accuracy)
        elif accuracy < 0.9:
            raise CheckFailure(f"{call}: {_describe(probe.grid, combination)} reached a validation accuracy of {accuracy:.4f}, "
                               f"the untrained unit's is {probe.val_accuracy[frozen]:.4f}; every correct search reaches "
                               "at least 0.9 here: train each model with model.fit(x_train, y_train, epochs=epochs) "
                               "before model.evaluate")
    if best != learning:
        raise CheckFailure(f"{call}: best_params is {_describe(probe.grid, best)}, but {_describe(probe.grid, learning)} "
                           "has the best validation accuracy")


CHECKS = {
    "test_confusion_matrix": [check_confusion_matrix_values, check_confusion_matrix_integers],
    "test_precision_recall_f1": [check_prf_values, check_prf_undefined],
    "test_roc_auc": [check_auc_values, check_auc_ties, check_auc_degenerate],
    "test_grid_search": [check_grid_search_selects_by_validation, check_grid_search_trains],
}
