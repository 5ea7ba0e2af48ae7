"""The sandbox protocol: what the kernel's monitor sends is parsed strictly, and nothing else passes."""
import json
import marshal
import os
import time

import numpy as np
import pytest

from autograder.kernel import monitor
from autograder.kernel.fixtures import Fixture
from autograder.sandbox import protocol


def pipe_with(data):
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    return read


def frame(header, blobs=b"", length=None):
    body = json.dumps(header).encode()
    payload = len(body).to_bytes(monitor.HEADER, "little") + body + blobs
    return (len(payload) if length is None else length).to_bytes(monitor.FRAME, "little") + payload


def read(data, nonce=1, max_bytes=1 << 20):
    fd = pipe_with(data)
    try:
        return protocol.read_reply(fd, time.monotonic() + 5, max_bytes, nonce)
    finally:
        os.close(fd)


def test_a_monitor_reply_round_trips_with_exact_types():
    read_fd, write_fd = os.pipe()
    value = {"a": np.arange(6.0).reshape(2, 3), "b": (np.array(1.5), "text", None), "c": [np.array([True, False])]}
    monitor._send(write_fd, 7, {"ok": True, "value": monitor._plain(value)})
    os.close(write_fd)
    reply = protocol.read_reply(read_fd, time.monotonic() + 5, 1 << 20, 7)
    os.close(read_fd)
    got = reply["value"]
    assert reply["ok"] is True and isinstance(got["b"], tuple) and got["b"][1:] == ("text", None)
    np.testing.assert_array_equal(got["a"], value["a"])
    assert got["a"].dtype == np.float64 and got["a"].flags.writeable
    assert got["c"][0].dtype == bool and got["b"][0].shape == ()


def test_values_that_are_not_plain_are_marked_not_passed():
    class Sneaky(np.ndarray):
        pass

    class Number(float):
        pass

    plain = monitor._plain([np.zeros(2).view(Sneaky), np.array([object()]), Number(3.5), {"k": np.ones(1)}, 2.5])
    read_fd, write_fd = os.pipe()
    monitor._send(write_fd, 1, {"ok": True, "value": plain})
    os.close(write_fd)
    got = protocol.read_reply(read_fd, time.monotonic() + 5, 1 << 20, 1)["value"]
    os.close(read_fd)
    assert got[0] is protocol.NOT_PLAIN and got[1] is protocol.NOT_PLAIN and got[2] is protocol.NOT_PLAIN
    np.testing.assert_array_equal(got[3]["k"], np.ones(1))
    assert got[4] == 2.5


def test_requests_carry_arrays_and_fixtures_the_monitor_decodes_with_their_original_bytes():
    data = protocol.encode_request(3, "call", name="f", args=[np.array(2.0), [np.ones((2, 2))]],
                                   kwargs={"rng": Fixture("rng", seed=4)})
    message = marshal.loads(data[monitor.FRAME:])
    kept = []
    args = [monitor._decode(a, kept, i) for i, a in enumerate(message["args"])]
    assert args[0].shape == () and args[1][0].shape == (2, 2)
    fixture = monitor._decode(message["kwargs"]["rng"], kept, "rng")
    assert fixture[0] == monitor.FIXTURE_TAG and fixture[2] == {"seed": 4}
    cache = monitor._decode(protocol._outgoing((np.ones(2), "x", None)), kept, 2)  # a tuple that starts with an array
    assert type(cache) is tuple and cache[0].shape == (2,)
    args[1][0][0, 0] = 5.0
    assert monitor._changed(kept) == [1]
    args[1].append(1)
    assert monitor._changed(kept) == [1]
    params = protocol.encode_request(4, "call", name="f", args=[{"W1": np.ones(2), "b1": np.zeros(1)}], kwargs={})
    kept = []
    given = monitor._decode(marshal.loads(params[monitor.FRAME:])["args"][0], kept, 0)
    given["W1"] = given["W1"] * 2  # a new array under the same key: the original bytes are unchanged
    assert monitor._changed(kept) == [0]


@pytest.mark.parametrize("data, reason", [
    (frame({"nonce": 1, "reply": {}, "blobs": []}, length=1 << 40), "over the"),
    ((12).to_bytes(8, "little") + (100).to_bytes(4, "little") + b"{}" + b"x" * 6, "header does not fit"),
    ((9).to_bytes(8, "little") + (5).to_bytes(4, "little") + b"{{{{{", "not valid JSON"),
    (frame({"nonce": 1, "reply": {"$nd": 0}, "blobs": [["<f8", [10 ** 12], 8]]}, b"\0" * 8), "does not match"),
    (frame({"nonce": 1, "reply": {"$nd": 0}, "blobs": [["|O", [1], 8]]}, b"\0" * 8), "invalid description"),
    (frame({"nonce": 1, "reply": {"$nd": 0}, "blobs": [["<f8", [-1], 8]]}, b"\0" * 8), "invalid description"),
    (frame({"nonce": 1, "reply": 1, "blobs": []}, b"extra"), "belong to no array"),
    (frame({"nonce": 2, "reply": {"ok": True}, "blobs": []}), "does not answer"),
    (frame({"reply": {"ok": True}, "blobs": []}), "without its nonce"),
    (frame({"nonce": 1, "reply": json.loads("[" * 80 + "]" * 80), "blobs": []}), "nested too deeply"),
])
def test_malformed_replies_are_refused(data, reason):
    with pytest.raises(protocol.ProtocolError, match=reason):
        read(data)


def test_a_reply_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(protocol.ProtocolError, match="over the 100 byte limit"):
        read((10 ** 9).to_bytes(8, "little"), max_bytes=100)  # the 1 GB it claims never arrives


def test_a_silent_or_closed_sandbox_ends_the_wait():
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    with pytest.raises(protocol.TimedOut):
        protocol.read_reply(read_fd, time.monotonic() + 0.3, 100, 1)
    assert time.monotonic() - start < 2
    os.close(write_fd)
    with pytest.raises(EOFError):
        protocol.read_reply(read_fd, time.monotonic() + 1, 100, 1)
    os.close(read_fd)


def test_a_full_request_pipe_times_out_instead_of_blocking():
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    with pytest.raises(protocol.TimedOut):
        protocol.write_all(write_fd, b"x" * (4 << 20), time.monotonic() + 0.3)  # nobody reads
    os.close(read_fd)
    os.close(write_fd)
