"""Still chunking, reassembly and verification: every way a transfer can go wrong."""
import hashlib
import random

import pytest

from media.control import StillBegin
from media.stills import (
    StillAssembly,
    StillFault,
    StillReceiver,
    decode_chunk,
    encode_chunk,
    split_still,
)

DATA = bytes(random.Random(1).getrandbits(8) for _ in range(10_000))


def _split(data=DATA, chunk_size=1024, still_id=7):
    return split_still(still_id, "req-1", data, width=1920, height=1080, chunk_size=chunk_size)


def _run(manifest, frames):
    rx = StillReceiver()
    assert rx.begin(manifest) is None
    for f in frames:
        rx.chunk(f)
    return rx.end(manifest.still_id)


def test_in_order_transfer_is_byte_identical():
    manifest, frames = _split()
    assert manifest.chunks == len(frames) == 10
    assert manifest.sha256 == hashlib.sha256(DATA).hexdigest()
    v = _run(manifest, frames)
    assert v.ok and v.data == DATA and v.fault is None


@pytest.mark.parametrize("seed", range(5))
def test_out_of_order_is_fine(seed):
    manifest, frames = _split()
    random.Random(seed).shuffle(frames)
    assert _run(manifest, frames).data == DATA


def test_identical_duplicates_are_ignored():
    manifest, frames = _split()
    rx = StillReceiver()
    rx.begin(manifest)
    for f in frames + frames[:3]:
        rx.chunk(f)
    assert rx.end(manifest.still_id).data == DATA


def test_conflicting_duplicate_fails():
    manifest, frames = _split()
    sid, idx, payload = decode_chunk(frames[2])
    forged = encode_chunk(sid, idx, bytes(b ^ 1 for b in payload))
    v = _run(manifest, frames + [forged])
    assert v.fault is StillFault.CONFLICTING_DUPLICATE and v.data is None


def test_corrupt_chunk_same_length_fails_checksum():
    manifest, frames = _split()
    sid, idx, payload = decode_chunk(frames[4])
    frames[4] = encode_chunk(sid, idx, payload[:-1] + bytes([payload[-1] ^ 0xFF]))
    v = _run(manifest, frames)
    assert not v.ok and v.fault is StillFault.CHECKSUM_MISMATCH and v.data is None


def test_truncated_transfer_reports_missing_chunks():
    manifest, frames = _split()
    v = _run(manifest, frames[:-2])
    assert v.fault is StillFault.MISSING_CHUNKS and "2 of 10" in v.detail


def test_dropped_middle_chunk_reports_missing():
    manifest, frames = _split()
    del frames[5]
    assert _run(manifest, frames).fault is StillFault.MISSING_CHUNKS


def test_short_chunk_is_wrong_chunk_size():
    manifest, frames = _split()
    frames[1] = frames[1][:-10]
    assert _run(manifest, frames).fault is StillFault.WRONG_CHUNK_SIZE


def test_last_chunk_too_long_is_wrong_chunk_size():
    manifest, frames = _split()
    frames[-1] = frames[-1] + b"x"
    assert _run(manifest, frames).fault is StillFault.WRONG_CHUNK_SIZE


def test_index_out_of_range():
    manifest, frames = _split()
    frames.append(encode_chunk(manifest.still_id, 99, b"x" * 1024))
    assert _run(manifest, frames).fault is StillFault.INDEX_OUT_OF_RANGE


def test_manifest_with_wrong_size_is_bad():
    manifest, frames = _split()
    lying = manifest.model_copy(update={"size": manifest.size + 5000})
    assert _run(lying, frames).fault is StillFault.BAD_MANIFEST


def test_manifest_with_wrong_size_within_last_chunk():
    manifest, frames = _split()
    lying = manifest.model_copy(update={"size": manifest.size - 1})  # same chunk count
    v = _run(lying, frames)
    assert v.fault is StillFault.WRONG_CHUNK_SIZE


def test_manifest_over_limit_is_refused():
    manifest, frames = _split()
    a = StillAssembly(manifest, max_size=100)
    assert a.fault is StillFault.BAD_MANIFEST
    a.add_chunk(0, b"x")
    assert a.finish().fault is StillFault.BAD_MANIFEST


def test_wrong_checksum_in_manifest():
    manifest, frames = _split()
    lying = manifest.model_copy(update={"sha256": "0" * 64})
    assert _run(lying, frames).fault is StillFault.CHECKSUM_MISMATCH


def test_fault_is_sticky_even_if_chunk_resent():
    manifest, frames = _split()
    rx = StillReceiver()
    rx.begin(manifest)
    rx.chunk(frames[0][:-1])
    for f in frames:
        rx.chunk(f)
    assert rx.end(manifest.still_id).fault is StillFault.WRONG_CHUNK_SIZE


def test_empty_still():
    manifest, frames = split_still(1, "r", b"", width=0, height=0)
    assert manifest.chunks == 0 and frames == []
    assert _run(manifest, frames).data == b""


def test_exact_multiple_of_chunk_size():
    data = DATA[:4096]
    manifest, frames = _split(data, 1024)
    assert manifest.chunks == 4
    assert _run(manifest, frames).data == data


def test_chunks_of_other_still_are_not_mixed():
    m1, f1 = _split(still_id=1)
    m2, f2 = _split(DATA[::-1], still_id=2)
    rx = StillReceiver()
    rx.begin(m1)
    rx.begin(m2)
    for a, b in zip(f1, f2):
        rx.chunk(b)
        rx.chunk(a)
    assert rx.end(1).data == DATA and rx.end(2).data == DATA[::-1]


def test_stray_and_garbage_chunks_are_counted_not_applied():
    manifest, frames = _split()
    rx = StillReceiver()
    assert rx.chunk(frames[0]) is None  # before begin
    rx.begin(manifest)
    assert rx.chunk(b"nonsense") is None
    assert rx.chunk(b"XXXX" + frames[1][4:]) is None
    for f in frames:
        rx.chunk(f)
    assert rx.end(manifest.still_id).ok
    assert rx.stray_chunks == 3
    assert rx.end(manifest.still_id) is None  # unknown after end


def test_reused_id_supersedes_unfinished_transfer():
    manifest, frames = _split()
    rx = StillReceiver()
    rx.begin(manifest)
    rx.chunk(frames[0])
    old = rx.begin(manifest)
    assert old is not None and old.fault is StillFault.SUPERSEDED
    for f in frames:
        rx.chunk(f)
    assert rx.end(manifest.still_id).ok


def test_progress_counts_unique_bytes():
    manifest, frames = _split()
    rx = StillReceiver()
    rx.begin(manifest)
    p = None
    for f in frames[:5] + frames[:5]:
        p = rx.chunk(f)
    assert p.received_bytes == 5 * 1024 and p.size == len(DATA)


def test_abandon_all():
    manifest, frames = _split()
    rx = StillReceiver()
    rx.begin(manifest)
    rx.chunk(frames[0])
    (v,) = rx.abandon_all("gone")
    assert v.fault is StillFault.ABANDONED and rx.open_transfers == 0


def test_decode_chunk_rejects_short_frame():
    with pytest.raises(ValueError):
        decode_chunk(b"LPS")


def test_manifest_validation():
    with pytest.raises(ValueError):
        StillBegin(still_id=1, request_id="r", size=1, sha256="nothex", chunk_size=1, chunks=1, width=1, height=1)
