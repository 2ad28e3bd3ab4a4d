"""The server's record of a still's parts (pure) and the parity rebuild on real files."""
from __future__ import annotations

import hashlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaling.stills import Assembly, StillFileError, StillFiles, xor_blocks


def test_parts_merge_and_complete_in_any_order():
    a = Assembly(10)
    a.add(5, 5)
    a.add(0, 3)
    assert not a.complete and a.received == 8 and a.ranges == [(0, 3), (5, 10)]
    a.add(2, 4)
    assert a.complete and a.received == 10
    with pytest.raises(ValueError, match="outside a still of 10 bytes"):
        a.add(8, 3)


@settings(max_examples=300, deadline=None)
@given(size=st.integers(3, 5000), data=st.data())
def test_recoverable_names_the_one_missing_block_once_the_parity_block_is_whole(size, data):
    stride = data.draw(st.integers(max(1, -(-size // 64)), size - 1))
    blocks = -(-size // stride)
    got = data.draw(st.sets(st.integers(0, blocks - 1)))
    a = Assembly(size)
    for k in got:
        a.add(k * stride, min(stride, size - k * stride))
    assert a.recoverable() is None  # no parity yet
    cut = data.draw(st.integers(1, stride))
    a.add_parity(stride, 0, cut)
    missing = set(range(blocks)) - got
    whole_parity = cut == stride
    if not whole_parity:
        assert a.recoverable() is None
        a.add_parity(stride, cut, stride - cut)
    assert a.recoverable() == (missing.pop() if len(missing) == 1 else None)


def test_recoverable_also_for_part_of_one_block():
    a = Assembly(300)
    a.add(0, 150)
    a.add(170, 130)  # bytes 150..170 of block 1 (stride 100) missing
    a.add_parity(100, 0, 100)
    assert a.recoverable() == 1
    a2 = Assembly(300)
    a2.add(0, 50)
    a2.add(250, 50)  # bytes in blocks 0, 1 and 2 missing
    a2.add_parity(100, 0, 100)
    assert a2.recoverable() is None


def test_parity_parts_are_checked():
    a = Assembly(1000)
    with pytest.raises(ValueError, match="does not split"):
        a.add_parity(1000, 0, 10)
    with pytest.raises(ValueError, match="2 to 64 blocks"):
        a.add_parity(15, 0, 10)  # 67 blocks
    a.add_parity(400, 0, 10)
    with pytest.raises(ValueError, match="disagree on the stride"):
        a.add_parity(300, 0, 10)
    with pytest.raises(ValueError, match="outside a block of 400"):
        a.add_parity(400, 390, 20)


@pytest.mark.parametrize("size, stride, missing", [(250_001, 100_000, 0), (250_001, 100_000, 2),
                                                    (300_000, 100_000, 1), (7, 3, 2)])
def test_a_missing_block_is_rebuilt_on_disk_and_verified(tmp_path, size, stride, missing):
    data = os.urandom(size)
    sha = hashlib.sha256(data).hexdigest()
    files = StillFiles(tmp_path)
    blocks = [data[i:i + stride] for i in range(0, size, stride)]
    for k, b in enumerate(blocks):
        if k != missing:
            assert not files.write("s1", sha, size, k * stride, b).complete
    asm = files.write("s1", sha, size, 0, xor_blocks(blocks, stride), parity=stride)
    assert asm.complete and asm.received == size
    path = files.finish("s1", sha, "image/png")
    assert path.read_bytes() == data
    assert not list(files.incoming.iterdir())


def test_a_parity_part_outside_its_block_writes_nothing(tmp_path):
    files = StillFiles(tmp_path)
    with pytest.raises(StillFileError, match="outside a block"):
        files.write("s1", "a" * 64, 1000, 300, b"x" * 200, parity=400)
    assert not list(files.incoming.iterdir())
    files.drop("s1", "a" * 64)
