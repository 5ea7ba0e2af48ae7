"""The grader's half of the sandbox protocol: requests out, strictly parsed replies in.

Requests (grader -> sandbox) are ``marshal`` data: the grader is trusted,
and the kernel decodes them without any code the student can change.
Replies (sandbox -> grader) are untrusted bytes: a frame of at most
``max_bytes`` (refused before it is read), holding a JSON header and raw
array data. Arrays are rebuilt from a validated dtype, shape and byte count
(no ``np.load``, no pickle, no archive); the header's tree is depth- and
size-bounded; the nonce must be the request's. Anything else is a
``ProtocolError``: the student's process sent something no honest kernel
sends, which costs that student the check and nothing else.
"""
import json
import marshal
import os
import select
import time

import numpy as np

from autograder.kernel.monitor import ARRAY_TAG, FIXTURE_TAG, FRAME, HEADER

MAX_DEPTH = 64
MAX_NODES = 1_000_000
MAX_HEADER = 16 << 20
_DTYPES = {f"{order}{kind}{size}" for order in "<>|" for kind, sizes in
           (("b", (1,)), ("i", (1, 2, 4, 8)), ("u", (1, 2, 4, 8)), ("f", (2, 4, 8)), ("c", (8, 16))) for size in sizes}


class ProtocolError(Exception):
    """The sandbox sent a reply no honest kernel sends (too large, malformed, or not for this request)."""


class TimedOut(Exception):
    """A deadline passed while waiting on the sandbox."""


# -- requests ---------------------------------------------------------------------------
def encode_request(nonce, op, **fields):
    """One request frame: the length, then ``marshal`` data with arrays and fixtures tagged."""
    body = marshal.dumps({"nonce": nonce, "op": op, **{k: _outgoing(v) for k, v in fields.items()}}, 4)
    return len(body).to_bytes(FRAME, "little") + body


def _outgoing(value):
    from autograder.kernel.fixtures import Fixture

    if isinstance(value, np.ndarray):
        array = value  # tobytes() writes C order whatever the layout (ascontiguousarray would make 0-d arrays 1-d)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"cannot send an array of dtype {array.dtype}")
        return (ARRAY_TAG, array.dtype.str, tuple(int(n) for n in array.shape), array.tobytes())
    if isinstance(value, np.generic):
        return _outgoing(np.asarray(value))
    if isinstance(value, Fixture):
        return (FIXTURE_TAG, value.name, {k: _outgoing(v) for k, v in value.params.items()})
    if isinstance(value, tuple):
        return tuple(_outgoing(v) for v in value)
    if isinstance(value, list):
        return [_outgoing(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _outgoing(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    raise TypeError(f"cannot send a {type(value).__name__} to the sandbox")


def write_all(fd, data, deadline):
    """Write ``data`` to a non-blocking ``fd`` before ``deadline`` (a ``time.monotonic()`` value)."""
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([], [fd], [], left)[1]:
            raise TimedOut
        try:
            view = view[os.write(fd, view[: 1 << 20]):]
        except BlockingIOError:
            continue


# -- replies ----------------------------------------------------------------------------
def read_reply(fd, deadline, max_bytes, nonce):
    """The reply to request ``nonce``: read before ``deadline``, at most ``max_bytes``, strictly parsed."""
    size = int.from_bytes(_read_exact(fd, FRAME, deadline), "little")
    if size > max_bytes:
        raise ProtocolError(f"sent a reply of {size:,} bytes, over the {max_bytes:,} byte limit (max_reply_mb)")
    reply = parse_frame(_read_exact(fd, size, deadline))
    if reply[0] != nonce:
        raise ProtocolError("sent a reply that does not answer the grader's request")
    return reply[1]


def parse_frame(frame):
    """``(nonce, reply tree)`` from one frame's bytes."""
    if len(frame) < HEADER:
        raise ProtocolError("sent a truncated reply")
    length = int.from_bytes(frame[:HEADER], "little")
    if length > min(len(frame) - HEADER, MAX_HEADER):
        raise ProtocolError("sent a reply whose header does not fit it")
    try:
        header = json.loads(frame[HEADER:HEADER + length])
    except (ValueError, RecursionError):
        raise ProtocolError("sent a reply whose header is not valid JSON") from None
    if not isinstance(header, dict) or not isinstance(header.get("nonce"), int) or not isinstance(header.get("blobs"), list):
        raise ProtocolError("sent a reply without its nonce or array list")
    arrays = _arrays(header["blobs"], memoryview(frame)[HEADER + length:])
    return header["nonce"], _tree(header.get("reply"), arrays, [0], 0)


def _arrays(specs, data):
    arrays, offset = [], 0
    for spec in specs:
        if not (isinstance(spec, list) and len(spec) == 3 and spec[0] in _DTYPES and isinstance(spec[1], list)
                and len(spec[1]) <= 32 and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in spec[1])
                and isinstance(spec[2], int) and spec[2] >= 0):
            raise ProtocolError("sent an array with an invalid description")
        dtype, shape, nbytes = np.dtype(spec[0]), tuple(spec[1]), spec[2]
        count = 1
        for n in shape:
            count *= n
        if count * dtype.itemsize != nbytes or offset + nbytes > len(data):
            raise ProtocolError(f"sent an array whose shape {shape} does not match its {nbytes:,} bytes")
        arrays.append(np.frombuffer(data[offset:offset + nbytes], dtype=dtype).reshape(shape).copy())
        offset += nbytes
    if offset != len(data):
        raise ProtocolError("sent bytes that belong to no array")
    return arrays


def _tree(value, arrays, count, depth):
    count[0] += 1
    if depth > MAX_DEPTH or count[0] > MAX_NODES:
        raise ProtocolError("sent a reply nested too deeply or too large")
    if isinstance(value, list):
        return [_tree(v, arrays, count, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"$nd"} and isinstance(value["$nd"], int) and 0 <= value["$nd"] < len(arrays):
        return arrays[value["$nd"]]
    if set(value) == {"$tuple"} and isinstance(value["$tuple"], list):
        return tuple(_tree(v, arrays, count, depth + 1) for v in value["$tuple"])
    if set(value) == {"$dict"} and isinstance(value["$dict"], list):
        pairs = value["$dict"]
        if not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in pairs):
            raise ProtocolError("sent a malformed dict")
        return {k: _tree(v, arrays, count, depth + 1) for k, v in pairs}
    if set(value) == {"$refused"}:
        return NOT_PLAIN
    return {k: _tree(v, arrays, count, depth + 1) for k, v in value.items()}


class _NotPlain:
    """A value the student's function returned that is not plain data (the kernel refused it)."""

    def __repr__(self):
        return "<not plain data>"


NOT_PLAIN = _NotPlain()


def _read_exact(fd, size, deadline):
    chunks, left = [], size
    while left:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimedOut
        try:
            chunk = os.read(fd, min(left, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# -- typed replies ----------------------------------------------------------------------
def field(reply, name, kinds, op):
    """``reply[name]``, which must be one of ``kinds``; a missing or mistyped field is a ProtocolError."""
    value = reply.get(name) if isinstance(reply, dict) else None
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _as_tuple(kinds)):
        raise ProtocolError(f"sent a {op} reply without a valid {name!r}")
    return value


def _as_tuple(kinds):
    return kinds if isinstance(kinds, tuple) else (kinds,)
