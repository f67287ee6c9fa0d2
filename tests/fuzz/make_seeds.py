#!/usr/bin/env python3
"""Writes the seed corpora of server_connection_fuzzer,
client_response_fuzzer and call_codec_differential_fuzzer
(tests/fuzz/corpus/<target>/) from readable
descriptions, encoding wire.proto's messages by hand so that no protobuf
module is needed. Run from anywhere; rerunning rewrites the same files."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def varint(n):
    n &= (1 << 64) - 1  # negative int32 codes are 10-byte varints
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(number << 3 | 2) + varint(len(data)) + data


def metadata(pairs):
    return b"".join(field_bytes(4, field_bytes(1, k) + field_bytes(2, v))
                    for k, v in pairs)


def request(call_id, method, timeout_us=0, meta=(), payload=b""):
    body = field_varint(1, call_id) if call_id else b""
    body += field_bytes(2, method)
    if timeout_us:
        body += field_varint(3, timeout_us)
    body += metadata(meta)
    if payload:
        body += field_bytes(15, payload)
    return body


def response(call_id, code=0, message="", meta=(), payload=b"",
             not_processed=False, draining=False):
    body = field_varint(1, call_id) if call_id else b""
    if code:
        body += field_varint(2, code)
    if message:
        body += field_bytes(3, message)
    body += metadata(meta)
    if not_processed:
        body += field_varint(5, 1)
    if draining:
        body += field_varint(6, 1)
    if payload:
        body += field_bytes(15, payload)
    return body


def sized_meta(count, size):
    """`count` distinct keys whose keys and values add up to `size` bytes."""
    pairs = []
    for i in range(count):
        key = "k%d" % i
        share = size // count + (1 if i < size % count else 0)
        pairs.append((key, "v" * (share - len(key))))
    return pairs


def frame(body):
    return struct.pack(">I", len(body)) + body


def echo_payload(text):
    # A wire.Request used as the test service's message: method = text.
    return field_bytes(2, text) + field_varint(1, 9)


PING = "framerpc.Control/Ping"
CANCEL = "framerpc.Control/Cancel"


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def server_seeds():
    echo = "fuzz.Test/Echo"
    pipelined = (frame(request(1, echo, payload=echo_payload("a")))
                 + frame(request(2, "fuzz.Test/Fail", payload=field_varint(1, 5)))
                 + frame(request(3, "fuzz.Test/Throw", payload=field_varint(1, 2)))
                 + frame(request(4, "fuzz.Test/Throw", payload=field_varint(1, 3))))
    # Byte 0: read size - 1 (mod 64); byte 1: mode (1 stopping, 2 slow peer).
    seeds = {
        "echo_one": (63, 0, frame(request(1, echo, payload=echo_payload("hi")))),
        "pipelined": (63, 0, pipelined),
        "pipelined_bytewise": (0, 0, pipelined),
        "slow_peer": (31, 2, b"".join(
            frame(request(i, echo, payload=echo_payload("x" * 300)))
            for i in range(1, 8))),
        "stopping": (63, 1, pipelined),
        "oversize": (63, 0, struct.pack(">I", 1 << 20) + b"\0" * 16),
        "call_id_zero": (63, 0, frame(request(1, echo)) + frame(request(0, echo))
                         + frame(request(2, echo))),
        "bad_methods": (63, 0, frame(request(1, "nope"))
                        + frame(request(2, "fuzz.Test/Nope"))
                        + frame(request(3, "fuzz.Nope/Echo"))
                        + frame(request(4, "fuzz.Test/"))),
        "metadata": (63, 0, frame(request(1, echo, meta=[("k", "v"), ("", b"\xff\x00")],
                                          payload=echo_payload("m")))),
        "deadlines": (63, 0, frame(request(1, echo, timeout_us=1))
                      + frame(request(2, echo, timeout_us=10_000_000))
                      + frame(request(3, echo, timeout_us=(1 << 64) - 1))),
        "garbage_body": (63, 0, frame(b"\xff\xff\xff\xff\x0f")),
        "bad_payload": (63, 0, frame(request(1, echo, payload=b"\x0a\xff"))),
        "truncated": (7, 0, frame(request(1, echo)) + frame(request(2, echo))[:9]),
        "duplicate_ids": (63, 0, frame(request(5, echo)) + frame(request(5, echo))),
        "empty_frame": (63, 0, frame(b"") + frame(request(1, echo))),
        # Metadata at and past ServerOptions' default limits (64 entries,
        # 16384 bytes of keys and values): only the over-limit calls are
        # refused, the others on the connection served.
        "metadata_at_limits": (63, 0, frame(request(1, echo, meta=sized_meta(64, 16384),
                                                    payload=echo_payload("at")))
                               + frame(request(2, echo, meta=sized_meta(65, 200),
                                               payload=echo_payload("entries")))
                               + frame(request(3, echo, meta=sized_meta(2, 16385),
                                               payload=echo_payload("bytes")))
                               + frame(request(4, echo, payload=echo_payload("after")))),
        "metadata_flood": (63, 0, frame(request(1, echo, meta=[("%05d" % i, "")
                                                               for i in range(3000)],
                                                payload=echo_payload("flood")))
                           + frame(request(2, echo, payload=echo_payload("after")))),
        "metadata_repeated_key": (63, 0, frame(request(1, echo, meta=[("k", "v")] * 100,
                                                       payload=echo_payload("r")))),
        # Version 2 control methods: a ping, a cancel of a call in flight,
        # of an unknown call and of itself, and one whose payload does not
        # parse; then the same while stopping.
        "control": (63, 0, frame(request(1, PING))
                    + frame(request(2, echo, payload=echo_payload("c")))
                    + frame(request(3, CANCEL, payload=field_varint(1, 2)))
                    + frame(request(4, CANCEL, payload=field_varint(1, 99)))
                    + frame(request(5, CANCEL, payload=field_varint(1, 5)))
                    + frame(request(6, CANCEL, payload=b"\xff"))
                    + frame(request(7, PING, payload=b"ignored"))),
        "control_stopping": (63, 1, frame(request(1, PING))
                             + frame(request(2, CANCEL, payload=field_varint(1, 1)))),
    }
    for name, (step, mode, stream) in seeds.items():
        write("server_connection_fuzzer", name, bytes([step, mode]) + stream)


def client_seeds():
    ok = {i: frame(response(i, payload=echo_payload("r%d" % i))) for i in (1, 2, 3)}
    seeds = {
        "ok_123": ok[1] + ok[2] + ok[3],
        "ok_321": ok[3] + ok[2] + ok[1],
        "ok_213_metadata": frame(response(2, meta=[("a", "b")])) + ok[1]
                           + frame(response(3, meta=[("x", "y"), ("x", "z")])),
        "errors": frame(response(1, code=5, message="not found"))
                  + frame(response(2, code=-1, message="negative"))
                  + frame(response(3, code=99, message="unknown code")),
        "call_id_zero": ok[2] + frame(response(0, code=8, message="too big")),
        "call_id_zero_ok": frame(response(0)),
        "garbage": frame(b"\xff\xff\xff\xff\x0f") + ok[1],
        "oversize": ok[1] + struct.pack(">I", 1 << 20),
        "unknown_id": frame(response(7)) + ok[1] + ok[2] + ok[3],
        "truncated": ok[1] + ok[2][:6],
        "empty": b"",
        "bad_payload": frame(response(1, payload=b"\x0a\xff")) + ok[2] + ok[3],
        "duplicate": ok[1] + ok[1] + ok[3],
        # Version 2: the drain notice ahead of answers, and answers marked
        # not processed.
        "drain_notice": frame(response(0, draining=True)) + ok[1] + ok[2] + ok[3],
        "not_processed": frame(response(1, code=14, message="draining",
                                        not_processed=True))
                         + frame(response(2, code=1, message="cancelled",
                                          not_processed=True)) + ok[3],
    }
    for name, stream in seeds.items():
        write("client_response_fuzzer", name, stream)


def differential_seeds():
    # Byte 0 picks metadata limits (0: none); the rest is one frame body,
    # read as a Request and as a Response.
    echo = "demo.Echo/Say"
    bodies = {
        "request": request(7, echo, timeout_us=5000, meta=[("a", "b"), ("k", b"\xff")],
                           payload=b"\x0a\x02hi"),
        "response_error": response(7, code=5, message="not found", meta=[("x", "y")]),
        "response_ok": response(3, payload=b"\x0a\x01r"),
        "two_payloads": field_bytes(15, "a") + field_varint(1, 1) + field_bytes(15, "bc"),
        "payload_wrong_type": field_bytes(15, "a") + field_varint(15, 5),
        "repeated_scalars": field_varint(1, 1) + field_varint(1, 2)
                            + field_bytes(2, "a.B/C") + field_bytes(2, "d.E/F"),
        "duplicate_keys": metadata([("k", "1"), ("k", "2")]),
        "entry_fields_reordered": field_bytes(4, field_bytes(2, "v") + field_bytes(1, "k")
                                              + field_varint(3, 9)),
        "entry_key_only": field_bytes(4, field_bytes(1, "k")),
        "group": varint(5 << 3 | 3) + field_varint(1, 1) + varint(5 << 3 | 4)
                 + field_varint(1, 2),
        "fixed": varint(6 << 3 | 1) + b"\0" * 8 + varint(7 << 3 | 5) + b"\0" * 4,
        "bad_utf8": field_bytes(2, b"\xff") + field_bytes(3, b"\xfe"),
        "length_4gib_plus_one": field_varint(1, 1) + b"\x7a\x81\x80\x80\x80\x10x",
        "length_six_bytes": field_varint(1, 1) + b"\x7a\x81\x80\x80\x80\x80\x00x",
        "tag_six_bytes": field_varint(1, 1) + b"\xfa\x80\x80\x80\x80\x00\x01x",
        "tag_five_bytes": field_varint(1, 1) + b"\xfa\x80\x80\x80\x70\x01x",
        "negative_code": response(1, code=-1, message="m"),
        "many_entries": metadata([("%02d" % i, "v" * i) for i in range(20)]),
        "drain_notice": response(0, draining=True),
        "response_not_processed": response(9, code=14, message="later",
                                           not_processed=True),
        "flags_repeated": field_varint(5, 1) + field_varint(6, 2) + field_varint(5, 0),
        "ping": request(5, "framerpc.Control/Ping"),
        "cancel": request(6, "framerpc.Control/Cancel", payload=field_varint(1, 1)),
    }
    for name, body in bodies.items():
        write("call_codec_differential_fuzzer", name, b"\x00" + body)
        write("call_codec_differential_fuzzer", name + "_limited", b"\x29" + body)


if __name__ == "__main__":
    server_seeds()
    client_seeds()
    differential_seeds()
