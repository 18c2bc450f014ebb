"""``entropycodec compress | decompress | test | info``: the gzip-grade file compressor.

Conventions (gzip, xz, zstd): ``FILE`` becomes ``FILE.ec`` and the input is
kept (``--rm`` removes it); no FILE or ``-`` means stdin to stdout; data goes to
stdout only, messages to stderr; exit 0 on success, 1 on bad data or I/O
errors, 2 on misuse. Every output is written to a temporary file beside its
target and renamed only when complete, so a failure (bad data, full disk,
Ctrl-C) never leaves a partial file and never touches the input. The exceptions
are devices and named pipes given with ``-o`` (``-o /dev/null``): they are
written into and never replaced. As with gzip, an input that is not a regular
file needs ``-c`` or ``-o`` (or ``-f``), and ``--rm`` never removes one.

numpy and the coders are imported inside the commands: ``--help`` stays fast.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import tempfile
import time
from contextlib import contextmanager

import click

SUFFIX = ".ec"
CODERS = ("auto", "huffman", "arithmetic", "rans", "adaptive", "cm", "raw")
CHUNK = 1 << 20           # bytes read from the input at a time
PROGRESS_MIN = 4 << 20    # show a progress bar for inputs larger than this (on a terminal)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


class ByteSize(click.ParamType):
    """A byte count with an optional binary suffix: 65536, 64K, 4M, 4MiB, 1G."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("IB").removesuffix("B")
        unit = text[-1:] if text[-1:] in _UNITS and text[-1:] else ""
        number = text[:-1] if unit else text
        try:
            size = int(number) * _UNITS[unit]
        except ValueError:
            self.fail(f"{value!r} is not a size (examples: 65536, 64K, 4M)", param, ctx)
        max_block = 1 << 28
        if not 1 <= size <= max_block:
            self.fail(f"{value!r} is outside 1 byte .. 256M", param, ctx)
        return size


# Inputs are checked when opened, one by one: click's readability check would turn one
# unreadable file into a usage error (exit 2) that stops every other file.
_INPUT_PATH = click.Path(allow_dash=True, readable=False)


class FileFailed(Exception):
    """One file failed; the message is already formatted. Processing goes on."""


def _common_options(func):
    options = [
        click.option("-c", "--stdout", "to_stdout", is_flag=True,
                     help="Write to stdout; keep input files."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write to this file (one input only); '-' is stdout."),
        click.option("-k", "--keep", is_flag=True, help="Keep input files (the default)."),
        click.option("--rm", "remove", is_flag=True,
                     help="Remove each input file after success."),
        click.option("-f", "--force", is_flag=True,
                     help="Overwrite outputs; write compressed data to a terminal."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar, no warnings."),
        click.option("-v", "--verbose", is_flag=True, help="Report ratio and speed per file."),
        click.option("-T", "--threads", type=click.IntRange(min=0), default=1, show_default=True,
                     help="Blocks (de)coded in parallel (0: all cores). Output does not depend "
                          "on it."),
        click.argument("files", nargs=-1, type=_INPUT_PATH),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@click.option("-d", "--decompress", "mode", flag_value="decompress",
              help="Decompress (as 'entropycodec decompress'; for tar -I).")
@click.option("-t", "--test", "mode", flag_value="test", help="Test integrity (as 'entropycodec test').")
@click.option("--coder", type=click.Choice(CODERS), default="auto", show_default=True,
              help="Entropy coder; 'auto' picks the smallest of huffman/arithmetic/rans per block.")
@click.option("--level", type=int, default=None, help="Context-mixing level (with --coder cm).")
@click.option("-B", "--block-size", type=ByteSize(), default="4M", show_default=True,
              help="Block size (suffixes K, M, G; at most 256M).")
@_common_options
def compress(mode, coder, level, block_size, to_stdout, output, keep, remove, force, quiet,
             verbose, threads, files):
    """Compress FILEs to FILE.ec; with no FILE, or '-', stdin to stdout.

    \b
    Examples:
      entropycodec compress big.txt             # writes big.txt.ec, keeps big.txt
      entropycodec compress -c big.txt > x.ec   # to stdout
      tar -I 'entropycodec compress' -cf dir.tar.ec dir
    """
    _run(mode or "compress", files, to_stdout=to_stdout, output=output, keep=keep,
         remove=remove, force=force, quiet=quiet, verbose=verbose, threads=threads,
         coder=coder, level=level, block_size=block_size)


@click.command()
@_common_options
def decompress(to_stdout, output, keep, remove, force, quiet, verbose, threads, files):
    """Decompress FILE.ec to FILE; with no FILE, or '-', stdin to stdout.

    Concatenated .ec streams decompress to the concatenation of their contents.
    """
    _run("decompress", files, to_stdout=to_stdout, output=output, keep=keep, remove=remove,
         force=force, quiet=quiet, verbose=verbose, threads=threads)


@click.command()
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", is_flag=True, help="Print 'FILE: OK' for good files.")
@click.option("-T", "--threads", type=click.IntRange(min=0), default=1, show_default=True,
              help="Blocks decoded in parallel (0: all cores).")
@click.argument("files", nargs=-1, required=True, type=_INPUT_PATH)
def test(quiet, verbose, threads, files):
    """Decode FILEs fully and verify every checksum; write nothing.

    Exit status 0 when all are intact, 1 when any is damaged or unreadable.
    """
    _run("test", files, to_stdout=False, output=None, keep=True, remove=False, force=False,
         quiet=quiet, verbose=verbose, threads=threads)


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Also list every block.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
@click.argument("files", nargs=-1, required=True, type=_INPUT_PATH)
def info(verbose, as_json, files):
    """List streams, blocks, coders, sizes and ratio of FILEs (like 'xz -l'), from the
    headers only: payloads are not decoded (use 'entropycodec test' for that)."""
    from entropycodec.container.inspect import read_header
    from entropycodec.errors import EntropyCodecError

    rows, failed = [], False
    for name in files:
        try:
            if name == "-":
                if sys.stdin is None:
                    raise FileFailed("stdin is closed: nothing to read")
                if _isatty(sys.stdin):
                    raise FileFailed("compressed data cannot be read from a terminal")
                result = read_header(_binary_stream(sys.stdin))
            else:
                result = read_header(name)
        except FileFailed as exc:
            click.echo(f"entropycodec: {exc}", err=True)
            failed = True
            continue
        except (EntropyCodecError, OSError) as exc:
            _error(name, exc)
            failed = True
            continue
        rows.append((name, result))
    if as_json:
        _info_json(rows)
    else:
        _info_table(rows, verbose)
    if failed:
        sys.exit(1)


# -- info views -------------------------------------------------------------------------------

def _info_json(rows) -> None:
    import json

    out = []
    for name, result in rows:
        out.append({
            "file": name, "streams": len(result.streams),
            "compressed_size": result.compressed_size,
            "uncompressed_size": result.uncompressed_size, "ratio": result.ratio,
            "coders": result.coder_counts(),
            "blocks": [{"offset": b.offset, "coder": b.coder, "coder_param": b.coder_param,
                        "original_size": b.original_size, "stored_size": b.stored_size,
                        "model_size": b.model_size, "payload_size": b.payload_size,
                        "crc32": f"{b.data_crc:08x}"} for b in result.blocks],
        })
    click.echo(json.dumps(out, indent=2))


def _coders_text(counts: dict) -> str:
    return ",".join(f"{name}({n})" if n > 1 else name for name, n in counts.items()) or "-"


def _info_table(rows, verbose: bool) -> None:
    head = f"{'Strms':>5} {'Blocks':>6} {'Compressed':>12} {'Uncompressed':>12} {'Ratio':>6}  " \
           f"{'Coders':<22} Filename"
    click.echo(head)
    total_c = total_u = total_b = total_s = 0
    for name, r in rows:
        click.echo(f"{len(r.streams):>5} {len(r.blocks):>6} {_human(r.compressed_size):>12} "
                   f"{_human(r.uncompressed_size):>12} {_ratio(r):>6}  "
                   f"{_coders_text(r.coder_counts()):<22} {name}")
        if verbose:
            click.echo(f"  {'Block':>6} {'Offset':>12} {'Coder':<10} {'Original':>12} "
                       f"{'Stored':>12} {'Ratio':>6} {'CRC32':>8}")
            for i, b in enumerate(r.blocks, 1):
                coder = b.coder + (f"/{b.coder_param}" if b.coder == "cm" else "")
                click.echo(f"  {i:>6} {b.offset:>12} {coder:<10} {b.original_size:>12} "
                           f"{b.stored_size:>12} {b.stored_size / b.original_size:>6.3f} "
                           f"{b.data_crc:08x}")
        total_c += r.compressed_size
        total_u += r.uncompressed_size
        total_b += len(r.blocks)
        total_s += len(r.streams)
    if len(rows) > 1:
        ratio = f"{total_c / total_u:.3f}" if total_u else "---"
        click.echo(f"{total_s:>5} {total_b:>6} {_human(total_c):>12} {_human(total_u):>12} "
                   f"{ratio:>6}  {'':<22} {len(rows)} files")


def _ratio(r) -> str:
    return f"{r.ratio:.3f}" if r.uncompressed_size else "---"


def _human(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n} B"


# -- compress / decompress / test ------------------------------------------------------------

def _error(name: str, exc: BaseException) -> None:
    if isinstance(exc, OSError):
        text = exc.strerror or str(exc)
    else:
        text = str(exc)
    click.echo(f"entropycodec: {name}: {text}", err=True)


def _run(mode, files, *, to_stdout, output, keep, remove, force, quiet, verbose, threads,
         coder="auto", level=None, block_size=None) -> None:
    if remove and keep:
        raise click.UsageError("--keep and --rm contradict each other")
    files = list(files) or ["-"]
    if output == "":
        raise click.UsageError("-o/--output needs a file name")
    if output is not None and len(files) > 1:
        raise click.UsageError("-o/--output takes one input file")
    if output is not None and to_stdout:
        raise click.UsageError("-o/--output and -c/--stdout contradict each other")
    if output == "-":
        to_stdout, output = True, None
    if files.count("-") > 1:
        raise click.UsageError("stdin ('-') can be read only once")
    settings = {"coder": coder, "level": level, "block_size": block_size, "threads": threads}
    if mode == "compress":
        if level is not None and coder != "cm":
            raise click.UsageError("--level applies only to --coder cm")
        # Validate the coder once, before touching any file (a clean exit 2 on misuse).
        from entropycodec.container.blockcodec import check_coder
        from entropycodec.errors import InvalidInputError

        try:
            check_coder(coder, level)
        except InvalidInputError as exc:
            raise click.UsageError(str(exc)) from None
    failed = False
    with _terminate_as_interrupt():
        for name in files:
            try:
                _one_file(mode, name, to_stdout=to_stdout, output=output, remove=remove,
                          force=force, quiet=quiet, verbose=verbose, settings=settings)
            except FileFailed as exc:
                if str(exc):
                    click.echo(f"entropycodec: {exc}", err=True)
                failed = True
            except BrokenPipeError:
                raise
            except OSError as exc:
                _error(exc.filename or name, exc)
                failed = True
            except Exception as exc:  # the package's own errors; anything else is a bug
                from entropycodec.errors import EntropyCodecError

                if not isinstance(exc, EntropyCodecError):
                    raise
                _error(name, exc)
                failed = True
    if failed:
        sys.exit(1)


@contextmanager
def _terminate_as_interrupt():
    """SIGTERM/SIGHUP unwind like Ctrl-C, so temporary outputs are removed."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    installed = []
    try:
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                installed.append((sig, signal.signal(sig, handler)))
    except ValueError:  # not in the main thread
        pass
    try:
        yield
    finally:
        for sig, previous in installed:
            signal.signal(sig, previous)


def _target(mode: str, name: str, output, force: bool) -> str:
    if output is not None:
        return output
    if mode == "compress":
        if name.endswith(SUFFIX) and not force:
            raise FileFailed(f"{name}: already has the {SUFFIX} suffix -- unchanged "
                             "(use -f to compress it again, or -c/-o)")
        return name + SUFFIX
    if not name.endswith(SUFFIX) or name == SUFFIX or name.endswith(os.sep + SUFFIX):
        raise FileFailed(f"{name}: unknown suffix -- ignored (expected {SUFFIX}; use -c or -o)")
    return name[: -len(SUFFIX)]


def _special_output(target: str, named: bool) -> bool:
    """True when ``target`` is an existing character device or named pipe (/dev/null, a
    FIFO) named with -o: it is written into, never replaced. Any other special file, or
    one that is only the derived name (``x`` for ``x.ec``), is refused."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return False
    if named and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        return True
    raise FileFailed(f"{target}: not a regular file -- not overwritten")


def _one_file(mode, name, *, to_stdout, output, remove, force, quiet, verbose, settings):
    from_stdin = name == "-"
    write_stdout = to_stdout or (from_stdin and output is None)
    regular = False
    if from_stdin:
        if sys.stdin is None:
            raise FileFailed("stdin is closed: nothing to read")
        source = _binary_stream(sys.stdin)
        size = None
        if mode != "compress" and _isatty(source) and not force:
            raise FileFailed("compressed data cannot be read from a terminal (use -f to force)")
    else:
        st = os.stat(name)
        if stat.S_ISDIR(st.st_mode):
            raise FileFailed(f"{name}: is a directory -- ignored")
        regular = stat.S_ISREG(st.st_mode)
        if not regular and mode != "test" and not write_stdout and output is None and not force:
            # As gzip: compressing /dev/zero must not create /dev/zero.ec.
            raise FileFailed(f"{name}: not a regular file -- ignored (use -c or -o)")
        source = None
        size = st.st_size if regular else None
    if write_stdout and mode != "test" and sys.stdout is None:
        raise FileFailed("stdout is closed: nowhere to write")
    started = time.perf_counter()

    if mode == "test":
        with _open_input(name, source) as fin:
            total_in, total_out = _pump(mode, fin, None, size, quiet, name, settings)
        if verbose:
            click.echo(f"{name}: OK", err=True)
        return

    if write_stdout:
        sink = _binary_stream(sys.stdout)
        if mode == "compress" and _isatty(sink) and not force:
            raise FileFailed("compressed data not written to a terminal "
                             "(use -f to force, -o FILE, or redirect)")
        with _open_input(name, source) as fin:
            if _same_regular_file(fin, sink):  # ``-c f >> f`` would read its own output
                raise FileFailed(f"{name}: input file is output file")
            total_in, total_out = _pump(mode, fin, sink, size, quiet, name, settings)
        sink.flush()
        target = "stdout"
    else:
        target = _target(mode, name, output, force)
        if _special_output(target, named=output is not None):
            # /dev/null or a named pipe: written into, never replaced (no temporary file).
            with _open_input(name, source) as fin, open(target, "wb") as fout:
                if mode == "compress" and _isatty(fout) and not force:
                    raise FileFailed(f"{target}: compressed data not written to a terminal "
                                     "(use -f to force)")
                total_in, total_out = _pump(mode, fin, fout, size, quiet, name, settings)
        else:
            if os.path.lexists(target):
                if not force:
                    raise FileFailed(f"{target}: already exists; not overwritten (use -f)")
                if not from_stdin and os.path.exists(target) and os.path.samefile(name, target):
                    raise FileFailed(f"{target}: is the input file")
            copy_from = name if regular else None  # a device's mode and times are not ours
            with _open_input(name, source) as fin, _atomic_output(target, copy_from) as fout:
                total_in, total_out = _pump(mode, fin, fout, size, quiet, name, settings)
    if remove and not from_stdin and not write_stdout:
        if regular:
            os.unlink(name)
        elif not quiet:
            click.echo(f"entropycodec: {name}: not a regular file -- not removed", err=True)
    if verbose:
        elapsed = max(time.perf_counter() - started, 1e-9)
        original = total_in if mode == "compress" else total_out
        packed = total_out if mode == "compress" else total_in
        saved = f"{100 * (1 - packed / original):5.1f}%" if original else "  0.0%"
        click.echo(f"{name}: {saved} saved, {original} -> {packed} bytes, "
                   f"{original / elapsed / 1e6:.1f} MB/s -> {target}", err=True)


def _binary_stream(stream):
    """The byte stream under a text stream (sys.stdin / sys.stdout, or CliRunner's)."""
    return getattr(stream, "buffer", stream)


def _same_regular_file(a, b) -> bool:
    try:
        sa, sb = os.fstat(a.fileno()), os.fstat(b.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return stat.S_ISREG(sa.st_mode) and (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def _open_input(name, source):
    if source is not None:
        yield source
        return
    with open(name, "rb") as f:
        yield f


@contextmanager
def _atomic_output(target: str, copy_from: str | None):
    """A temporary file beside ``target``, renamed over it only if the block succeeds."""
    folder = os.path.dirname(os.path.abspath(target))
    # Hidden, and short enough for NAME_MAX whatever the target's name length.
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(target)[:64] + ".",
                                   suffix=".tmp")
    except OSError as exc:  # report the output the user named, not our temporary name
        raise OSError(exc.errno, exc.strerror, target) from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        try:
            if copy_from is not None:
                import shutil

                shutil.copystat(copy_from, tmp)  # mode and times, as gzip keeps them
            else:  # the mode any program's new file gets, not mkstemp's private 0600
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, target)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, target) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _progress(size, quiet: bool, label: str):
    if quiet or size is None or size < PROGRESS_MIN or not _isatty(sys.stderr):
        return None
    return click.progressbar(length=size, label=label, file=sys.stderr, show_pos=False,
                             show_percent=True, show_eta=True)


def _pump(mode, fin, fout, size, quiet, name, settings) -> tuple[int, int]:
    """Stream ``fin`` through the (de)compressor into ``fout`` (None: discard).
    Returns (bytes read, bytes produced)."""
    bar = _progress(size, quiet, os.path.basename(name) if name != "-" else "stdin")
    if bar is not None:
        bar.__enter__()
    try:
        if mode == "compress":
            return _pump_compress(fin, fout, settings, bar)
        return _pump_decompress(fin, fout, bar, settings["threads"])
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _pump_compress(fin, fout, settings, bar) -> tuple[int, int]:
    from entropycodec.api import Compressor

    comp = Compressor(**settings)
    total_in = total_out = 0
    while chunk := fin.read(CHUNK):
        total_in += len(chunk)
        out = comp.compress(chunk)
        if out:
            fout.write(out)
            total_out += len(out)
        if bar is not None:
            bar.update(len(chunk))
    out = comp.flush()
    fout.write(out)
    return total_in, total_out + len(out)


def _read_ahead(threads: int) -> int:
    """Compressed bytes read at once for ``threads`` decoders: two default-size blocks per
    thread, capped so that a huge -T does not make a huge read."""
    return min(8 * threads, 256) * CHUNK


def _read_up_to(fin, n: int) -> bytes:
    """Read ``n`` bytes (fewer at the end of input) in CHUNK pieces, so memory follows the
    data that exists rather than the size asked for."""
    parts, got = [], 0
    while got < n:
        part = fin.read(min(CHUNK, n - got))
        if not part:
            break
        parts.append(part)
        got += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _pump_decompress(fin, fout, bar, threads: int) -> tuple[int, int]:
    from entropycodec.api import Decompressor
    from entropycodec.container.stream import check_threads
    from entropycodec.errors import TruncatedDataError

    threads = check_threads(threads)
    read_size = CHUNK if threads == 1 else _read_ahead(threads)  # several blocks per read
    total_in = total_out = 0
    decomp, fed, streams = Decompressor(threads=threads), False, 0

    def emit(data: bytes) -> None:
        nonlocal total_out
        if data:
            total_out += len(data)
            if fout is not None:
                fout.write(data)

    while chunk := _read_up_to(fin, read_size):
        total_in += len(chunk)
        if bar is not None:
            bar.update(len(chunk))
        fed = True
        emit(decomp.decompress(chunk, CHUNK))
        while True:
            while not decomp.eof and not decomp.needs_input:
                emit(decomp.decompress(b"", CHUNK))
            if not decomp.eof:
                break
            # The next stream starts in the bytes already read: hand them over uncopied
            # (copying the rest of the chunk once per stream was quadratic).
            streams += 1
            fed = decomp._unused_size > 0
            decomp = decomp._next_stream()
    if fed or streams == 0:
        raise TruncatedDataError("compressed data ends before the end-of-stream marker"
                                 if total_in else "empty input: not an .ec file")
    return total_in, total_out
