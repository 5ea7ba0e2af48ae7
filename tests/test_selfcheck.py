"""assignments.selfcheck: a student's model trained with the published budget on public data."""
import ast
import inspect

import keras
import pytest

from assignments import selfcheck

TINY = {"epochs": 1, "inits": 2, "batch_size": 32, "n_train": 64, "n_test": 32, "noise": 0.1, "vocab_size": 50, "maxlen": 10}
TINY_FOLDS = {"epochs": 1, "folds": 2, "batch_size": 32}


@pytest.fixture
def tiny_budget(monkeypatch):
    """The published terms with a budget that trains in a second."""
    published = selfcheck.terms

    def tiny(assignment, key, profile="cpu"):
        terms = published(assignment, key, profile)
        return {**terms, "budget": TINY_FOLDS if "folds" in terms["budget"] else TINY}
    monkeypatch.setattr(selfcheck, "terms", tiny)


def logistic(n_features):
    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def regression(n_features):
    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def sequence(vocab_size, maxlen):
    model = keras.Sequential([keras.Input((maxlen,)), keras.layers.Embedding(vocab_size, 8),
                              keras.layers.LSTM(8), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def xor():
    return logistic(2)


@pytest.mark.parametrize("builder, assignment, key, metric", [
    (logistic, "06_keras_basics", "logistic", "accuracy"),
    (xor, "06_keras_basics", "xor", "accuracy"),
    (regression, "06_keras_basics", "regression", "mse"),
    (sequence, "10_rnn", "sequence", "accuracy"),
])
def test_training_reports_the_score_next_to_the_published_threshold(tiny_budget, capsys, builder, assignment, key, metric):
    score = selfcheck.training(builder, assignment, key)
    published = selfcheck.terms(assignment, key)
    said = capsys.readouterr().out
    assert isinstance(score, float) and (0 <= score <= 1 if metric == "accuracy" else score > 0)
    assert f"{metric} {score:.4f} on public data" in said
    assert f"the grader requires {published['direction']} {published['threshold']:.4g} (cpu profile)" in said


def test_every_self_check_has_published_terms_with_a_training_budget():
    for assignment, key in selfcheck.PUBLIC_DATA:
        for profile in ("cpu", "gpu"):
            budget = selfcheck.terms(assignment, key, profile)["budget"]
            data = {"folds"} if "folds" in budget else {"n_train", "n_test"}
            assert {"epochs", "batch_size"} | data <= set(budget), (assignment, key, profile)


def test_unknown_checks_are_refused_with_what_exists():
    with pytest.raises(ValueError, match="there is one for: 06_keras_basics xor"):
        selfcheck.training(logistic, "08_regularization", "overfitting")


def test_selfcheck_holds_no_grader_code():
    """The student package may read public numbers and public data only: no import of the grader."""
    tree = ast.parse(inspect.getsource(selfcheck))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.startswith("autograder")}, imported
