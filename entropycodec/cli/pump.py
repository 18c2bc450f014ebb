"""Stream one input through the compressor or the decompressor into one output.

:func:`pump` runs the coding in a worker thread (:func:`~entropycodec.cli.progress.in_worker`)
and reports to a :class:`~entropycodec.cli.progress.Progress` the input bytes of the blocks
coded so far, so the line moves block by block. The coding itself is the library's:
:class:`entropycodec.api.Compressor` and :class:`entropycodec.api.StreamSequence` (which
decodes concatenated streams and ignores, or with ``strict`` refuses, trailing data); this
module only moves bytes.

numpy and the coders are imported inside the functions: ``--help`` stays fast.
"""

from __future__ import annotations

from entropycodec.cli.files import on_signal
from entropycodec.cli.progress import Progress, check_stop, in_worker
from entropycodec.container.format import BLOCK_HEADER, DEFAULT_BLOCK_SIZE, STREAM_HEADER

CHUNK = 1 << 20  # bytes read from the input (and asked of the decoder) at a time


def pump(mode: str, fin, fout, settings: dict, progress: Progress) -> tuple[int, int, int | None]:
    """Stream ``fin`` through the compressor (``mode`` "compress") or the decompressor
    into ``fout`` (None: discard, for ``test``), in a worker thread, while this thread
    redraws ``progress`` and erases it at the end. Returns (bytes read, bytes produced,
    the offset of the trailing data that decompressing ignored, or None).
    ``settings["strict"]`` (decompressing): trailing data raises instead."""
    if mode == "compress":
        def work(stop):
            return (*_pump_compress(fin, fout, settings, progress, stop), None)
    else:
        def work(stop):
            return _pump_decompress(fin, fout, progress, settings["threads"], stop,
                                    strict=settings["strict"],
                                    memlimit=settings.get("memlimit"))
    with on_signal(progress.abandon):
        try:
            return in_worker(work, progress)
        finally:
            progress.finish()


_warmed: set = set()  # (coder, param) whose kernels this process has loaded


def warm_up(mode: str, name: str | None, settings: dict) -> None:
    """For -v: load the compiled kernels the file needs before its clock starts, so that
    its speed is the coding's, not the one-time loading of kernels (about 1 s for cm).
    Compressing, that is the chosen coder (all three candidates for auto); decompressing
    a regular file, the coders its block headers name. From stdin, nothing is known in
    advance: the first file's speed then includes the loading."""
    from entropycodec.container.blocks import AUTO, AUTO_CANDIDATES, check_coder
    from entropycodec.errors import EntropyCodecError

    if mode == "compress":
        coder, param = check_coder(settings["coder"], settings["level"])
        wanted = {(c, 0) for c in AUTO_CANDIDATES} if coder == AUTO else {(coder, param)}
    elif name is not None:
        from entropycodec.container.inspect import read_header

        try:
            wanted = {(b.coder, b.coder_param) for b in read_header(name).blocks}
        except (EntropyCodecError, OSError):
            return  # decompressing it reports the error
    else:
        return
    from entropycodec.container.blocks import decode_block, encode_block
    from entropycodec.container.format import unpack_block_header

    sample = b"abracadabra, abracadabra! " * 20
    for coder, param in sorted(wanted - _warmed):
        _warmed.add((coder, param))
        block = encode_block(sample, coder, param)
        header = unpack_block_header(block[:BLOCK_HEADER.size], len(sample))
        decode_block(header, block[BLOCK_HEADER.size:])


def _coded_bytes(out: bytes, header: bool) -> int:
    """The original size of the blocks in ``out``, a Compressor.compress() result: whole
    blocks, after the stream header when ``header``."""
    pos, total = STREAM_HEADER.size if header else 0, 0
    while pos < len(out):
        _, _, model_size, original, payload, *_ = BLOCK_HEADER.unpack_from(out, pos)
        total += original
        pos += BLOCK_HEADER.size + model_size + payload
    return total


def _pump_compress(fin, fout, settings, progress, stop) -> tuple[int, int]:
    from entropycodec.api import Compressor

    comp = Compressor(**settings)
    # Read a block at a time when blocks are small, so that progress moves with each one.
    read_size = min(CHUNK, max(settings["block_size"], 1 << 16))
    total_in = total_out = coded = 0
    while chunk := fin.read(read_size):
        check_stop(stop)
        total_in += len(chunk)
        out = comp.compress(chunk)
        if out:
            coded += _coded_bytes(out, header=total_out == 0)
            progress.update(coded)
            check_stop(stop)
            fout.write(out)
            total_out += len(out)
    out = comp.flush()
    progress.update(total_in)
    check_stop(stop)
    fout.write(out)
    return total_in, total_out + len(out)


def _read_ahead(threads: int) -> int:
    """Compressed bytes read at once for ``threads`` decoders: two default-size blocks per
    thread, capped at 32 threads' worth (256 MiB) so that a huge -T does not make a huge
    read."""
    return min(threads, 32) * 2 * DEFAULT_BLOCK_SIZE


def _pump_decompress(fin, fout, progress, threads: int, stop, *,
                     strict: bool = False, memlimit: int | None = None
                     ) -> tuple[int, int, int | None]:
    from entropycodec.api import StreamSequence
    from entropycodec.container.streams import check_memlimit, check_threads
    from entropycodec.errors import LimitExceededError, TruncatedDataError

    threads = check_threads(threads)
    memlimit = check_memlimit(memlimit)
    # several blocks per read with threads, but not more than the memory limit
    read_size = CHUNK if threads == 1 else min(_read_ahead(threads), max(memlimit, CHUNK))
    streams = StreamSequence(fin.read, threads=threads, read_size=read_size,
                             truncated="compressed data ends before the end-of-stream marker",
                             strict=strict, memlimit=memlimit)
    total_out = 0
    try:
        while True:
            check_stop(stop)
            data = streams.read(CHUNK)
            progress.update(streams.bytes_in - streams.undecoded_bytes)
            if not data:
                break
            total_out += len(data)
            if fout is not None:
                check_stop(stop)
                fout.write(data)
    except TruncatedDataError:
        if not streams.bytes_in:
            raise TruncatedDataError("empty input: not an .ec file") from None
        raise
    except LimitExceededError as exc:
        if getattr(exc, "limit", None) is None:  # not the memory limit: a header's limit
            raise
        raise LimitExceededError(f"{exc} (--memlimit)") from None
    finally:
        streams.close()
    return streams.bytes_in, total_out, streams.ignored_trailing_offset
