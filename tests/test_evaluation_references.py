"""13_evaluation's references agree with scikit-learn, and its grid-search probes hold what the checks assume."""
import numpy as np
import pytest

from autograder.hidden import a13_evaluation as a13
from autograder.kernel.fixtures import LogisticUnits

SEEDS = range(40)


def labels_and_scores(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    y = rng.integers(0, 2, size=n)
    y[:2] = (0, 1)
    scores = np.round(y + rng.normal(size=n), int(rng.integers(0, 3)))  # rounding makes ties
    return rng, y, scores


@pytest.mark.parametrize("seed", SEEDS)
def test_metrics_match_scikit_learn(seed):
    rng, y, scores = labels_and_scores(seed)
    predicted = (scores > 0.5).astype(np.int64)
    k = int(rng.integers(2, 6))
    labels, guesses = rng.integers(0, k, size=len(y)), rng.integers(0, k, size=len(y))
    assert (a13.confusion_matrix(labels, guesses, k) == a13.sklearn_confusion_matrix(labels, guesses, k)).all()
    for positive in (0, 1):
        np.testing.assert_allclose(a13.precision_recall_f1(y, predicted, positive),
                                   a13.sklearn_precision_recall_f1(y, predicted, positive), rtol=1e-12)
    assert a13.roc_auc(y, scores) == pytest.approx(a13.sklearn_roc_auc(y, scores), rel=1e-12)


def test_undefined_ratios_are_zero_like_scikit_learn():
    for truth, guess in [([1, 0], [0, 0]), ([0, 0], [1, 0]), ([0, 0], [0, 0])]:
        assert a13.precision_recall_f1(np.array(truth), np.array(guess)) == a13.sklearn_precision_recall_f1(
            np.array(truth), np.array(guess), 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_selection_probe_separates_validation_from_every_other_choice(seed):
    probe = a13.selection_probe(np.random.default_rng(seed))
    accuracies = sorted(probe.val_accuracy.values())
    assert accuracies[-1] > accuracies[-2], "the best by validation accuracy is unique"
    assert probe.best_on_training_data != probe.best
    assert max(probe.val_loss, key=probe.val_loss.get) != probe.best
    assert min(probe.val_accuracy, key=probe.val_accuracy.get) != probe.best
    units = LogisticUnits(a13.SELECTION_SCALE)
    for x in (probe.data[0], probe.data[2]):
        for combination in probe.combinations:
            assert np.abs(units.logits(x, *combination)).min() >= units.scale * a13.MARGIN


def test_logistic_units_evaluate_to_the_probes_accuracies():
    """What the checks expect is exactly what model.evaluate reports after fit with learning rate 0."""
    probe = a13.selection_probe(np.random.default_rng(7))
    units = LogisticUnits(a13.SELECTION_SCALE)
    x_train, y_train, x_val, y_val = probe.data
    for combination in probe.combinations:
        model = units(*combination)
        model.fit(x_train, y_train, epochs=1, verbose=0)
        got = model.evaluate(x_val, y_val, verbose=0, return_dict=True)["accuracy"]
        assert got == probe.val_accuracy[combination]


@pytest.mark.parametrize("batch_size", [8, 64])
def test_training_probe_is_learned_with_any_batch_size(batch_size):
    probe = a13.training_probe(np.random.default_rng(3))
    x_train, y_train, x_val, y_val = probe.data
    frozen, learning = probe.combinations
    assert probe.val_accuracy[frozen] == 0.0
    model = LogisticUnits(a13.TRAINING_SCALE)(*learning)
    model.fit(x_train, y_train, epochs=3, batch_size=batch_size, verbose=0)
    assert model.evaluate(x_val, y_val, verbose=0, return_dict=True)["accuracy"] >= 0.9
