"""The sandbox's monitor thread: the only code inside the sandbox that answers the grader.

The student's code runs in the main thread (``jobs``). The monitor runs in
a thread of its own that student code has no reference to: it was started
with ``_thread`` (so ``threading`` does not list it), it calls no Python
code of the student's side, and ``boot`` loads this module with private
globals and builtins, so replacing a module attribute or a builtin changes
nothing here. It reads each request, hands a job to the main thread, and
when the job is done decides itself, from the argument arrays it kept,
whether the student's function changed its inputs. Every reply echoes the
request's nonce, so nothing the student writes to the reply pipe passes
for an answer.

Requests are ``marshal`` data from the grader (trusted). Replies are a
JSON header and raw array bytes, which the grader parses strictly
(``autograder/sandbox/protocol.py``).
"""
import _json
import marshal
import os

import numpy

FRAME = 8                  # bytes of the length that precedes every frame
HEADER = 4                 # bytes of the JSON header's length inside a reply frame
ARRAY_TAG = "\0ndarray"    # request: (ARRAY_TAG, dtype string, shape, raw bytes)
FIXTURE_TAG = "\0fixture"  # request: (FIXTURE_TAG, name, params); built by the main thread
MONITOR_BROKEN = 87        # exit status when the pipes to the grader fail: only tampering breaks them

# Bound now, before any student code runs: later changes to these modules do not reach the monitor.
_read, _write, _exit = os.read, os.write, os._exit
_loads = marshal.loads
_frombuffer, _ndarray = numpy.frombuffer, numpy.ndarray
_encode_json = _json.make_encoder(None, None, _json.encode_basestring_ascii, None, ":", ",", False, False, True)
_PLAIN_KINDS = "biufc"
_DICT = object()  # marks a dict argument in the kept originals


def serve(requests, replies, inbox, lock):
    """Answer requests until the grader closes the pipe; never raise (an exception here would run the
    student's excepthook in this thread)."""
    try:
        _send(replies, 0, {"ok": True, "ready": True})
        while True:
            message = _receive(requests)
            if message is None:
                _exit(0)
            _send(replies, message["nonce"], _answer(message, inbox, lock))
    except BaseException:  # noqa: BLE001 - the grader sees the process end and says so
        _exit(MONITOR_BROKEN)


def _answer(message, inbox, lock):
    op = message["op"]
    if op == "files":
        result = _run(inbox, lock, op, (message["files"],))
        return {"ok": True} if _is_ok(result, 1) else _error(result)
    if op == "run_cell":
        result = _run(inbox, lock, op, (message["code"],))
        if not _is_tuple(result, 3):
            return _malformed()
        return {"ok": _is_ok(result, 3), "error": _text(result[1]), "output": _text(result[2])}
    kept = []
    args = [_decode(a, kept, i) for i, a in enumerate(message["args"])]
    kwargs = {k: _decode(v, kept, k) for k, v in message["kwargs"].items()}
    if op == "call":
        result = _run(inbox, lock, op, (message["name"], args, kwargs))
        if not _is_ok(result):
            return _error(result)
        if not _is_tuple(result, 4):
            return _malformed()
        names = result[3] if type(result[3]) is list else []
        return {"ok": True, "value": _plain(result[1]), "warnings": [_text(w) for w in _list(result[2])],
                "mutated": [_parameter_name(key, names) for key in _changed(kept)]}
    if op == "model":
        result = _run(inbox, lock, op, (message["name"], args, kwargs))
        if not _is_ok(result):
            return _error(result)
        if not _is_tuple(result, 3) or type(result[1]) is not str or (result[2] is not None and type(result[2]) is not str):
            return _malformed()
        return {"ok": True, "config": result[1], "compile": result[2]}
    if op == "fit":
        payload = (message["name"], message["config"], message["compile"], message["seed"], args[0], args[1:], kwargs)
        result = _run(inbox, lock, op, payload)
        if not _is_ok(result):
            return _error(result)
        if not _is_tuple(result, 4) or type(result[2]) is not str:
            return _malformed()
        return {"ok": True, "value": _plain(result[1]), "config": result[2], "weights": _plain(result[3])}
    return {"ok": False, "kind": "protocol", "message": "unknown request"}


def _run(inbox, lock, op, payload):
    """Hand a job to the main thread and wait for it; its result as the main thread left it."""
    slot = []
    lock.acquire()
    inbox.put((op, payload, slot, lock))
    lock.acquire()   # released by the main thread when the job is done
    lock.release()
    return slot[0] if len(slot) == 1 else None


def _decode(value, kept, key):
    """A request value as the student's function gets it; arrays are fresh copies, and each one's
    original bytes are kept here (under its top-level argument ``key``) to find changes later."""
    kind = type(value)
    tag = value[0] if kind is tuple and len(value) in (3, 4) and type(value[0]) is str else None
    if tag == ARRAY_TAG:
        array = _frombuffer(value[3], value[1]).reshape(value[2]).copy()
        kept.append((key, array, value[3], value[2]))
        return array
    if tag == FIXTURE_TAG:  # built by the main thread from its decoded parameters
        return (FIXTURE_TAG, value[1], {k: _decode(v, [], key) for k, v in value[2].items()})
    if kind is list:
        items = [_decode(v, kept, key) for v in value]
        kept.append((key, items, len(items), None))
        return items
    if kind is tuple:
        return tuple(_decode(v, kept, key) for v in value)
    if kind is dict:
        given = {k: _decode(v, kept, key) for k, v in value.items()}
        kept.append((key, given, list(given.items()), _DICT))
        return given
    return value


def _changed(kept):
    """The top-level arguments whose arrays (or lists) differ from what was sent, in order, once each."""
    keys = []
    for key, obj, original, shape in kept:
        if shape is None:
            changed = len(obj) != original
        elif shape is _DICT:  # the same keys, each still holding the very object it was given
            now = list(obj.items())
            changed = len(now) != len(original) or any(
                type(k) is not str or k != k0 or v is not v0 for (k, v), (k0, v0) in zip(now, original))
        else:
            changed = obj.shape != shape or obj.tobytes() != original
        if changed and key not in keys:
            keys.append(key)
    return keys


def _parameter_name(key, names):
    if type(key) is str:
        return key
    return names[key] if key < len(names) and type(names[key]) is str else f"argument {key + 1}"


def _plain(value):
    """A plain value from the main thread, checked by exact type (no code of the student's runs here)."""
    kind = type(value)
    if value is None or kind is str or kind is bool or kind is int or kind is float:
        return value
    if kind is _ndarray:
        return value if value.dtype.kind in _PLAIN_KINDS and value.dtype.names is None else _Refused()
    if kind is list:
        return [_plain(v) for v in value]
    if kind is tuple:
        return tuple(_plain(v) for v in value)
    if kind is dict:
        return {k: _plain(v) for k, v in value.items() if type(k) is str}
    return _Refused()


class _Refused:
    """A value that is not plain data; the grader reads it as such."""


def _error(result):
    if not _is_tuple(result) or type(result[0]) is not str:
        return _malformed()
    kind = result[0]
    reply = {"ok": False, "kind": kind if kind in ("missing", "notplain", "notmodel", "error") else "protocol"}
    if kind == "error" and _is_tuple(result, 3):
        reply.update(type=_text(result[1]), message=_text(result[2]))
    elif kind in ("notplain", "notmodel") and _is_tuple(result, 2):
        reply["message"] = _text(result[1])
    return reply


def _malformed():
    return {"ok": False, "kind": "protocol", "message": "the sandbox's main thread returned a malformed result"}


def _is_ok(value, size=None):
    """A result tuple that says "ok" (compared only once it is known to be an exact str: no code of the
    student's may run in this thread, not even an ``__eq__``)."""
    return _is_tuple(value, size) and type(value[0]) is str and value[0] == "ok"


def _is_tuple(value, size=None):
    return type(value) is tuple and len(value) >= 1 and (size is None or len(value) == size)


def _list(value):
    return value if type(value) is list else []


def _text(value, limit=64_000):
    """A string from the main thread, cut to ``limit`` characters (saying so)."""
    if type(value) is not str:
        return ""
    return value if len(value) <= limit else value[:limit] + "\n... [more output cut]"


# -- framing -------------------------------------------------------------------------------
def _receive(fd):
    """One request, or None when the grader hung up."""
    head = _read_exact(fd, FRAME)
    if head is None:
        return None
    body = _read_exact(fd, int.from_bytes(head, "little"))
    return None if body is None else _loads(body)


def _read_exact(fd, size):
    chunks, left = [], size
    while left:
        chunk = _read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(fd, nonce, reply):
    blobs, sizes = [], []
    tree = _tree(reply, blobs, sizes)
    header = "".join(_encode_json({"nonce": nonce, "reply": tree, "blobs": sizes}, 0)).encode()
    frame = [len(header).to_bytes(HEADER, "little"), header, *blobs]
    total = sum(len(part) for part in frame)
    _write_all(fd, total.to_bytes(FRAME, "little"))
    for part in frame:
        _write_all(fd, part)


def _tree(value, blobs, sizes):
    """JSON-able tree; arrays become ``{"$nd": index}`` with their bytes in ``blobs``."""
    kind = type(value)
    if kind is _ndarray:
        data = value.tobytes()
        blobs.append(data)
        sizes.append([value.dtype.str, [int(n) for n in value.shape], len(data)])
        return {"$nd": len(blobs) - 1}
    if kind is list:
        return [_tree(v, blobs, sizes) for v in value]
    if kind is tuple:
        return {"$tuple": [_tree(v, blobs, sizes) for v in value]}
    if kind is dict:
        return {"$dict": [[k, _tree(v, blobs, sizes)] for k, v in value.items()]}
    if kind is _Refused:
        return {"$refused": True}
    return value


def _write_all(fd, data):
    view = memoryview(data)
    while len(view):
        view = view[_write(fd, view):]
