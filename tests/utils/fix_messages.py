"""FIX test helpers: split a message into fields; check its framing by hand."""

from __future__ import annotations

SOH = b"\x01"


def fields(raw: bytes) -> list[tuple[int, bytes]]:
    assert raw.endswith(SOH)
    return [(int(tag), value) for tag, _, value in
            (field.partition(b"=") for field in raw[:-1].split(SOH))]


def verify_framing(raw: bytes) -> None:
    """BodyLength and CheckSum computed here from the bytes, independently of simplefix."""
    pairs = fields(raw)
    assert [tag for tag, _ in pairs[:3]] == [8, 9, 35]
    assert pairs[-1][0] == 10
    assert pairs[0][1] == b"FIX.4.4"
    body_start = raw.index(SOH, raw.index(b"\x019=") + 1) + 1  # after the 9=… field
    checksum_at = raw.rindex(b"10=")
    assert raw[checksum_at - 1:checksum_at] == SOH
    assert int(pairs[1][1]) == len(raw[body_start:checksum_at])
    expected = 0
    for byte in raw[:checksum_at]:
        expected += byte
    assert pairs[-1][1] == f"{expected % 256:03d}".encode()
