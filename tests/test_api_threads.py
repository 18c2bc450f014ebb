"""One Compressor, Decompressor or ECFile shared by threads (issue 15 §1, issue 16 §1).

lzma and bz2 lock their objects; without a lock here, two threads calling
``compress()`` on one Compressor wrote a stream whose end marker disagreed with its
blocks ("end marker counts 18 blocks / 52428800 bytes, the stream has 18 / 72351744"),
and threads writing to one ECFile left a bad magic or a CRC mismatch, found only when
the file was read back. Each test hammers one object from several threads, then
checks the whole result: a valid stream whose content is the threads' chunks, each
whole and contiguous, in some order (the order the calls got the lock).
"""

from __future__ import annotations

import io
import itertools
import random
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from entropycodec import Compressor, Decompressor, ECFile, compress, decompress
from entropycodec.coders import CODERS

ALL_CODERS = ["auto", *CODERS]
# Every coder with one thread; the worker pool (the same for every coder) with two.
CODER_THREADS = [(coder, 1) for coder in ALL_CODERS] + [("auto", 2), ("huffman", 2)]
N_THREADS = 4
CHUNKS_PER_THREAD = 30
HANG_GUARD_SECONDS = 300


@pytest.fixture(autouse=True)
def _switch_often():
    """Let the interpreter switch threads every microsecond, so that unlocked calls
    interleave at every step (the default 5 ms lets a whole call finish)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _chunk(thread: int, i: int) -> bytes:
    """A distinct, numbered chunk of 40..400 bytes: ``<thread:i|`` body ``>`` (the body
    never holds ``<``, so the content can be cut back into chunks)."""
    rng = random.Random(thread * 1000 + i)
    body = bytes(rng.choice(b"abcdefgh \n") for _ in range(rng.randrange(40, 400)))
    return b"<%d:%d|" % (thread, i) + body + b">"


CHUNKS = {(t, i): _chunk(t, i) for t in range(N_THREADS) for i in range(CHUNKS_PER_THREAD)}


def _check_whole_chunks(content: bytes) -> None:
    """``content`` is every chunk exactly once, each contiguous, in any order."""
    pos, seen = 0, []
    while pos < len(content):
        assert content[pos:pos + 1] == b"<", f"chunk boundary expected at offset {pos}"
        bar = content.index(b"|", pos)
        key = tuple(int(x) for x in content[pos + 1:bar].split(b":"))
        chunk = CHUNKS[key]
        assert content.startswith(chunk, pos), f"chunk {key} is not whole at offset {pos}"
        seen.append(key)
        pos += len(chunk)
    assert sorted(seen) == sorted(CHUNKS)


def _run_threads(work) -> None:
    """``work(thread)`` in N_THREADS threads at once; their exceptions are raised here."""
    with ThreadPoolExecutor(N_THREADS) as pool:
        for future in [pool.submit(work, t) for t in range(N_THREADS)]:
            future.result(timeout=HANG_GUARD_SECONDS)


# -- Compressor ---------------------------------------------------------------------------

@pytest.mark.parametrize("coder,threads", CODER_THREADS)
def test_one_compressor_shared_by_threads(coder, threads):
    comp = Compressor(coder=coder, block_size=512, threads=threads)
    # The pieces must be put together in the order the calls ran, which only the
    # Compressor knows: the test records it inside the call (while the lock is held),
    # taking a ticket as each piece is made.
    pieces, ticket, write = [], itertools.count(), comp._writer.write

    def recording_write(data):
        out = write(data)
        pieces.append((next(ticket), out))
        return out

    comp._writer.write = recording_write

    def work(thread):
        for i in range(CHUNKS_PER_THREAD):
            comp.compress(CHUNKS[thread, i])

    _run_threads(work)
    stream = b"".join(out for _, out in sorted(pieces)) + comp.flush()
    _check_whole_chunks(decompress(stream, strict=True))


def test_compressor_flush_while_other_threads_compress():
    """A flush() racing compress() calls: every call is whole, before or after it."""
    comp = Compressor(coder="huffman", block_size=256)
    pieces, ticket, write, finish = [], itertools.count(), comp._writer.write, comp._writer.finish
    comp._writer.write = lambda data: pieces.append((next(ticket), write(data))) or pieces[-1][1]
    comp._writer.finish = lambda: pieces.append((next(ticket), finish())) or pieces[-1][1]
    late = []

    def work(thread):
        for i in range(CHUNKS_PER_THREAD):
            if thread == 0 and i == CHUNKS_PER_THREAD // 2:
                comp.flush()
            try:
                comp.compress(CHUNKS[thread, i])
            except ValueError as exc:
                assert str(exc) == "Compressor has been flushed"
                late.append((thread, i))

    _run_threads(work)
    content = decompress(b"".join(out for _, out in sorted(pieces)), strict=True)
    assert late  # thread 0's second half, at least
    kept = {key: chunk for key, chunk in CHUNKS.items() if key not in late}
    assert len(content) == sum(map(len, kept.values()))
    for chunk in kept.values():
        assert chunk in content


# -- Decompressor -------------------------------------------------------------------------

RECORDS = b"".join(b"%07d\n" % i for i in range(4000))  # 8-byte lines, numbered


def _check_tiles(pieces: list) -> None:
    """Each piece is contiguous and starts at a record; together they are RECORDS, each
    byte exactly once."""
    located = []
    for piece in pieces:
        offset = int(piece[:7]) * 8
        assert RECORDS[offset:offset + len(piece)] == piece, f"piece at {offset} is not contiguous"
        located.append((offset, piece))
    assert b"".join(piece for _, piece in sorted(located)) == RECORDS


@pytest.mark.parametrize("coder,threads", CODER_THREADS)
def test_one_decompressor_shared_by_threads(coder, threads):
    d = Decompressor(threads=threads)
    assert d.decompress(compress(RECORDS, coder=coder, block_size=512), max_length=0) == b""
    got = []

    def work(thread):
        size = 8 * (thread + 1)  # every piece starts at a record
        while not d.eof:
            try:
                piece = d.decompress(b"", max_length=size)
            except EOFError:
                break
            got.append(piece)

    _run_threads(work)
    assert d.eof
    _check_tiles([p for p in got if p])


# -- ECFile -------------------------------------------------------------------------------

@pytest.mark.parametrize("coder", ALL_CODERS)
def test_threads_writing_to_one_ecfile(tmp_path, coder):
    """CPython's bz2/lzma threading test: several threads write to one file object; the
    file read back holds every chunk, whole."""
    path = tmp_path / "shared.ec"
    with ECFile(path, "wb", coder=coder, block_size=512) as f:
        def work(thread):
            for i in range(CHUNKS_PER_THREAD):
                assert f.write(CHUNKS[thread, i]) == len(CHUNKS[thread, i])

        _run_threads(work)
        assert f.tell() == sum(map(len, CHUNKS.values()))
    with ECFile(path, strict=True) as f:
        _check_whole_chunks(f.read())


def test_threads_writing_to_one_ecfile_with_writer_threads():
    buf = io.BytesIO()
    with ECFile(buf, "wb", coder="huffman", block_size=256, threads=2) as f:
        _run_threads(lambda t: [f.write(CHUNKS[t, i]) for i in range(CHUNKS_PER_THREAD)])
    _check_whole_chunks(decompress(buf.getvalue(), strict=True))


@pytest.mark.parametrize("coder,threads", CODER_THREADS)
def test_threads_reading_one_ecfile(coder, threads):
    """Every read returns contiguous data, and every byte is read exactly once."""
    f = ECFile(io.BytesIO(compress(RECORDS, coder=coder, block_size=512)), threads=threads)
    got = []

    def work(thread):
        while True:
            if thread == 0:
                piece = f.readline()
            elif thread == 1:
                buf = bytearray(48)
                piece = bytes(buf[:f.readinto(buf)])
            else:
                piece = f.read(8 * 7 * thread)
            if not piece:
                break
            got.append(piece)

    with f:
        _run_threads(work)
        assert f.read() == b"" and f.tell() == len(RECORDS)
    _check_tiles(got)


def test_threads_iterating_one_ecfile():
    with ECFile(io.BytesIO(compress(RECORDS, coder="rans", block_size=300))) as f:
        got = []
        _run_threads(lambda t: got.extend(f))
    assert sorted(got) == RECORDS.splitlines(keepends=True)
