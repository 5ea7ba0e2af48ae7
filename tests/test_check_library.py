"""The check library on its own: messages, gradients, and values a cheating student returns."""
import numpy as np
import pytest

from autograder.checks import (
    CheckFailure, LocalStudent, check_close, check_dtype_kind, check_finite, check_gradient, check_scalar,
    check_shape, format_numbers, numerical_gradient, relative_error,
)
from autograder.kernel.plain import NotPlain, to_plain


class AlwaysEqual:
    """The classic cheat: compares equal to anything."""

    def __eq__(self, other):
        return True

    __array_priority__ = 1000


class LyingArray(np.ndarray):
    """An ndarray subclass whose comparisons always say 'equal'."""

    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(other))


def test_check_close_names_worst_index_and_both_values():
    expected = np.arange(6.0).reshape(2, 3)
    got = expected.copy()
    got[1, 2] = 9.5
    got[0, 1] = 1.1
    with pytest.raises(CheckFailure) as err:
        check_close(got, expected, "f(x)", inputs="a (2, 3) input")
    message = str(err.value)
    assert "at index (1, 2)" in message and "expected 5" in message and "got 9.5" in message
    assert "2 of 6 entries differ" in message and "a (2, 3) input" in message


@pytest.mark.parametrize("a, b", [(0.0, 7e-218), (1.0, 1 - 1e-12), (1.0, 1 + 2**-52), (0.3, 0.1 + 0.2),
                                  (np.nan, 0.5), (np.inf, 1e308), (-np.inf, np.inf), (1e-5, 1.00000001e-5)])
def test_different_numbers_never_print_the_same(a, b):
    texts = format_numbers(a, b)
    assert texts[0] != texts[1]
    assert all(float(text) == value for text, value in zip(texts, (a, b)) if value == value)


def test_numbers_print_short_where_they_can():
    assert format_numbers(5.0, 9.5) == ["5", "9.5"]
    assert format_numbers(0.3, 0.1 + 0.2) == ["0.3", "0.30000000000000004"]
    assert format_numbers(0.73105857863, 0.7310586) == ["0.73105858", "0.7310586"]
    assert format_numbers(np.nan, np.inf, -np.inf) == ["nan", "inf", "-inf"]
    assert format_numbers(0.8996, 0.9, digits=3) == ["0.8996", "0.9"]


def test_check_close_shows_a_tiny_number_next_to_zero():
    got = 1 / (1 + np.exp(-np.clip(np.array([-800.0, 800.0]), -500, 500)))  # a clipped sigmoid: 7e-218, not 0
    with pytest.raises(CheckFailure, match=r"expected 0, got 7\.1245764e-218"):
        check_close(got, np.array([0.0, 1.0]), "sigmoid at large |z|", atol=1e-300)
    with pytest.raises(CheckFailure, match=r"expected 1, got 0\.999999999999"):
        check_close(np.array(1 - 1e-12), np.array(1.0), "f", rtol=0, atol=0)


def test_sigmoid_extremes_message_of_a_clipped_sigmoid_shows_its_tiny_value():
    from autograder.hidden.a01_neuron import check_sigmoid_extremes

    student = LocalStudent({"sigmoid": lambda z: 1 / (1 + np.exp(-np.clip(z, -500, 500)))})
    with pytest.raises(CheckFailure, match=r"worst at index \(0,\): expected 0, got 7\.1245764e-218"):
        check_sigmoid_extremes(student, np.random.default_rng(0))


def test_check_close_accepts_float32_within_tolerance_and_matching_nan_inf():
    expected = np.array([1 / 3, np.nan, np.inf, -np.inf])
    check_close(expected.astype(np.float32), expected, "f", rtol=1e-6, atol=1e-7)


def test_check_shape_message_has_both_shapes():
    with pytest.raises(CheckFailure, match=r"expected shape \(5, 1\), got \(5,\)"):
        check_shape(np.zeros(5), (5, 1), "predict")


def test_dtype_scalar_finite_checks():
    with pytest.raises(CheckFailure, match="integer dtype, got float64"):
        check_dtype_kind(np.zeros(3), "iu", "labels")
    with pytest.raises(CheckFailure, match="single number"):
        check_scalar(np.zeros(3), "loss")
    with pytest.raises(CheckFailure, match=r"nan at index \(1,\)"):
        check_finite(np.array([1.0, np.nan]), "loss")


@pytest.mark.parametrize("cheat", [AlwaysEqual(), [AlwaysEqual()], {"a": 1}, object(), "0.5"])
def test_values_that_are_not_numbers_fail(cheat):
    with pytest.raises(CheckFailure):
        check_close(cheat, np.array(0.5), "sigmoid(0)")


def test_ndarray_subclass_is_judged_by_its_data():
    lying = np.array([0.0, 0.0]).view(LyingArray)
    with pytest.raises(CheckFailure, match="wrong values"):
        check_close(lying, np.array([0.5, 0.5]), "sigmoid")
    assert type(to_plain(lying)) is np.ndarray


def test_float_subclass_is_refused():
    class Liar(float):
        def __eq__(self, other):
            return True

    with pytest.raises(NotPlain):
        to_plain(Liar(0.1))


def test_monkeypatched_numpy_comparisons_do_not_change_verdicts(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "array_equal", lambda *a, **k: True)
    monkeypatch.setattr(np, "abs", lambda x: x * 0)
    monkeypatch.setattr(np, "absolute", lambda x: x * 0)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(np, "argmax", lambda *a, **k: 0)
    with pytest.raises(CheckFailure, match="wrong values"):
        check_close(np.array([0.0, 1.0]), np.array([0.5, 0.5]), "sigmoid")


def test_local_student_reports_missing_unimplemented_errors_and_mutation():
    def not_done(z):
        raise NotImplementedError()

    def mutates(z):
        z[0] = 7.0
        return z

    student = LocalStudent({"not_done": not_done, "mutates": mutates, "broken": lambda z: z @ np.ones((9, 9))})
    with pytest.raises(CheckFailure, match="`missing` is not defined"):
        student.call("missing", np.zeros(2))
    with pytest.raises(CheckFailure, match="not implemented yet"):
        student.call("not_done", np.zeros(2))
    with pytest.raises(CheckFailure, match="`broken` raised ValueError"):
        student.call("broken", np.zeros(2))
    with pytest.raises(CheckFailure, match="changed its input `z` in place"):
        student.call("mutates", np.zeros(2))


def test_local_student_materialises_generators_and_reports_warnings():
    def batches(x):
        yield x[:2]
        yield x[2:]

    student = LocalStudent({"batches": batches, "overflow": lambda z: np.exp(z)})
    assert [b.tolist() for b in student.call("batches", np.arange(3.0))] == [[0.0, 1.0], [2.0]]
    _, warned = student.call_warnings("overflow", np.array([1000.0]))
    assert warned and "overflow" in warned[0]


def test_numerical_gradient_is_exact_on_a_quadratic_and_leaves_x_alone():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    grad = numerical_gradient(lambda w: float(np.sum(a * w**2)), x)
    assert relative_error(grad, 2 * a * x) < 1e-8
    assert np.array_equal(x, [[0.5, -1.0], [2.0, 0.25]])


def test_check_gradient_passes_correct_and_names_the_worst_wrong_entry():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    f = lambda w: float(np.sum(np.sin(w) * w))  # noqa: E731
    exact = np.cos(x) * x + np.sin(x)
    check_gradient(exact, f, x, "dJ/dW", rng)
    wrong = exact.copy()
    wrong[2, 1] += 0.5
    with pytest.raises(CheckFailure, match=r"worst at index \(2, 1\): analytic .*, numerical"):
        check_gradient(wrong, f, x, "dJ/dW", np.random.default_rng(0))


def test_check_gradient_samples_large_tensors_and_treats_zero_as_pass():
    x = np.zeros((50, 50))
    check_gradient(np.zeros_like(x), lambda w: 0.0, x, "zero", np.random.default_rng(1))
    with pytest.raises(CheckFailure, match="shape"):
        check_gradient(np.zeros((2, 2)), lambda w: 0.0, np.zeros((3,)), "g", np.random.default_rng(1))


def test_relative_error_is_the_cs231n_measure():
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert relative_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
