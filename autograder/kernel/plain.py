"""Turn whatever a student function returned into plain, trusted data.

A Keras ``History`` becomes its ``history`` dict. Plain data is: ``numpy.ndarray`` of exactly that class with a numeric or
bool dtype, ``str``, ``None``, and tuples, lists and str-keyed dicts of those.
Everything else is refused or converted by value, so no object the student
made (an ``__eq__`` that always says True, an ndarray subclass, a float
subclass) ever reaches a comparison.
"""
import numpy as np

_NDARRAY = np.ndarray
_GENERIC = np.generic
_EXACT_NUMBERS = (bool, int, float)
MAX_ITEMS = 10_000


class NotPlain(TypeError):
    """A returned value is not numbers, arrays, or containers of them."""


def to_array(value, what="the result"):
    """Return ``value`` as a fresh base-class ndarray, or raise NotPlain."""
    if isinstance(value, _NDARRAY):
        array = np.array(value, subok=False, copy=True)
    elif isinstance(value, _GENERIC) or type(value) in _EXACT_NUMBERS:
        array = np.array(value)
    elif type(value) in (list, tuple):
        items = [to_array(item, what) for item in value]
        try:
            array = np.array(items)
        except ValueError as err:
            raise NotPlain(f"{what} is a ragged list that is not an array: {err}") from None
    else:
        raise NotPlain(
            f"{what} is a {type(value).__name__}; return a numpy array or a number"
        )
    if array.dtype.kind not in "biufc":
        raise NotPlain(f"{what} has dtype {array.dtype}, not numbers")
    return array


def to_plain(value, what="the result", keep=()):
    """Return ``value`` as plain data, keeping instances of ``keep`` as they are.

    Generators and other iterators are consumed (at most MAX_ITEMS items)
    into a list, so that a function that yields can be graded.
    """
    if keep and isinstance(value, keep):
        return value
    if value is None or type(value) is str:
        return value
    if _is_keras_history(value):
        return {str(k): [float(x) for x in v] for k, v in value.history.items()}
    if type(value) is dict:
        if not all(type(key) is str for key in value):
            raise NotPlain(f"{what} is a dict whose keys are not all strings")
        return {key: to_plain(item, f"{what}[{key!r}]", keep) for key, item in value.items()}
    if type(value) in (tuple, list):
        items = [to_plain(item, f"{what}[{i}]", keep) for i, item in enumerate(value)]
        return tuple(items) if type(value) is tuple else items
    if _is_iterator(value):
        items = []
        for i, item in enumerate(value):
            if i >= MAX_ITEMS:
                raise NotPlain(f"{what} yielded more than {MAX_ITEMS} items")
            items.append(to_plain(item, f"{what}[{i}]", keep))
        return items
    return to_array(value, what)


def _is_keras_history(value):
    """A Keras History callback (checked by shape, so numpy-only code need not import Keras)."""
    return type(getattr(value, "history", None)) is dict and type(value).__name__ == "History" and hasattr(value, "on_epoch_end")


def _is_iterator(value):
    kind = type(value)
    return hasattr(kind, "__next__") and hasattr(kind, "__iter__") and not isinstance(value, _NDARRAY)
