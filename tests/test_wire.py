"""The grader <-> sandbox protocol carries plain data only, and refuses everything else."""
import io
import json
import os
import struct
import tempfile

import numpy as np
import pytest

from autograder.kernel import wire
from autograder.kernel.fixtures import Fixture

OPEN = []  # temporary files kept open until the module's tests end


def roundtrip(value):
    r, w = os.pipe()
    try:
        wire.send(w, value)
        return wire.receive(r)
    finally:
        os.close(r)
        os.close(w)


def readable(data):
    """A descriptor to read ``data`` from (a file: a pipe would block on large data)."""
    handle = tempfile.TemporaryFile()
    handle.write(data)
    handle.seek(0)
    OPEN.append(handle)
    return handle.fileno()


def raw(frames):
    return readable(b"".join(struct.pack("<Q", len(f)) + f for f in frames))


def test_plain_values_survive_a_roundtrip():
    value = {"a": (np.arange(6.0).reshape(2, 3), [1, "x", None, True]), "f": Fixture("rng", seed=3), "n": float("inf")}
    back = roundtrip(value)
    assert np.array_equal(back["a"][0], value["a"][0]) and back["a"][1] == [1, "x", None, True]
    assert back["f"].name == "rng" and back["f"].build().integers(100) == np.random.default_rng(3).integers(100)


def test_objects_cannot_be_sent():
    with pytest.raises(TypeError):
        roundtrip({"x": object()})


def test_pickled_arrays_are_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    header = json.dumps({"blobs": 1, "body": {"$nd": 0}}).encode()
    with pytest.raises(wire.WireError, match="bad array"):
        wire.receive(raw([header, buffer.getvalue()]))


@pytest.mark.parametrize("frames", [
    [b"not json"],
    [json.dumps({"blobs": -1, "body": 1}).encode()],
    [json.dumps({"blobs": 0, "body": {"$nd": 5}}).encode()],
    [json.dumps({"blobs": 0, "body": {"$what": 1}}).encode()],
    [json.dumps({"blobs": 0, "body": {"$fixture": "os.system", "params": {"$dict": []}}}).encode()],
    [b"[" * 100_000 + b"]" * 100_000],
])
def test_malformed_messages_are_wire_errors(frames):
    with pytest.raises(wire.WireError):
        wire.receive(raw(frames))


def test_oversized_frames_are_refused_before_reading():
    with pytest.raises(wire.WireError, match="over the"):
        wire.receive(readable(struct.pack("<Q", wire.MAX_FRAME + 1)))
