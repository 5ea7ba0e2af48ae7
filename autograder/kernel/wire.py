"""The grader <-> sandbox protocol: length-prefixed frames of JSON and .npy blobs.

No pickle anywhere: arrays travel as ``.npy`` loaded with
``allow_pickle=False``, everything else as JSON, so nothing the student's
process writes can make the grader run code. Frames are size-capped.
"""
import io
import json
import os
import struct

import numpy as np

from .fixtures import Fixture

MAX_FRAME = 512 << 20
_LENGTH = struct.Struct("<Q")


class WireError(Exception):
    """The other side sent something that is not a well-formed message, or hung up."""


def send(fd, message):
    """Write one message (a JSON-able tree with ndarrays, tuples, dicts and Fixtures) to ``fd``."""
    blobs = []
    body = _encode(message, blobs)
    header = json.dumps({"blobs": len(blobs), "body": body}).encode()
    for frame in [header, *blobs]:
        _write_all(fd, _LENGTH.pack(len(frame)) + frame)


def receive(fd, read_exact=None):
    """Read one message from ``fd``; ``read_exact(fd, size)`` may be one that enforces a deadline."""
    read_exact = read_exact or _read_exact
    try:
        header = json.loads(_read_frame(fd, read_exact))
    except (ValueError, RecursionError) as err:
        raise WireError(f"bad header: {err}") from None
    count = header.get("blobs") if isinstance(header, dict) else None
    if not isinstance(count, int) or not 0 <= count <= 10_000:
        raise WireError("bad blob count")
    blobs = [_read_frame(fd, read_exact) for _ in range(count)]
    try:
        return _decode(header.get("body"), blobs)
    except (RecursionError, TypeError, KeyError, ValueError) as err:
        raise WireError(f"bad message: {err}") from None


def _encode(value, blobs):
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        blobs.append(buffer.getvalue())
        return {"$nd": len(blobs) - 1}
    if isinstance(value, np.generic):
        return _encode(np.asarray(value), blobs)
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, blobs) for v in value]}
    if isinstance(value, list):
        return [_encode(v, blobs) for v in value]
    if isinstance(value, dict):
        return {"$dict": [[str(k), _encode(v, blobs)] for k, v in value.items()]}
    if isinstance(value, Fixture):
        return {"$fixture": value.name, "params": _encode(value.params, blobs)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot send a {type(value).__name__}")


def _decode(value, blobs):
    if isinstance(value, list):
        return [_decode(v, blobs) for v in value]
    if not isinstance(value, dict):
        return value
    if "$nd" in value:
        try:
            return np.load(io.BytesIO(blobs[value["$nd"]]), allow_pickle=False)
        except (IndexError, TypeError, ValueError, EOFError) as err:
            raise WireError(f"bad array: {err}") from None
    if "$tuple" in value:
        return tuple(_decode(v, blobs) for v in value["$tuple"])
    if "$dict" in value:
        return {str(k): _decode(v, blobs) for k, v in value["$dict"]}
    if "$fixture" in value:
        return Fixture(value["$fixture"], **_decode(value["params"], blobs))
    raise WireError(f"unknown tagged value {sorted(value)[:3]}")


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd, size):
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise WireError("the other side hung up")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd, read_exact):
    (size,) = _LENGTH.unpack(read_exact(fd, _LENGTH.size))
    if size > MAX_FRAME:
        raise WireError(f"frame of {size} bytes is over the {MAX_FRAME} byte limit")
    return read_exact(fd, size)
