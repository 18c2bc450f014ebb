"""``entropycodec compress | decompress | test | info``: the gzip-grade file compressor.

Conventions (gzip, xz, zstd): ``FILE`` becomes ``FILE.ec`` and the input is
kept (``--rm`` removes it); no FILE or ``-`` means stdin to stdout; data goes to
stdout only, messages to stderr; exit 0 on success, 1 on bad data or I/O
errors, 2 on misuse, 130/143/129 on SIGINT/SIGTERM/SIGHUP. Every output is
written to a temporary file beside its target and renamed only when complete,
so a failure (bad data, full disk, Ctrl-C) never leaves a partial file and
never touches the input. The exceptions are devices and named pipes given with
``-o`` (``-o /dev/null``): they are written into and never replaced. As with
gzip, an input that is not a regular file needs ``-c`` or ``-o`` (or ``-f``),
and ``--rm`` never removes one; a directory needs ``-r``.

Each file is coded in a worker thread while the main thread waits: the kernels
release the GIL, so the main thread handles a signal at once (Python runs
signal handlers only in the main thread, between bytecodes) and redraws the
progress line (:class:`Progress`), which counts the input bytes of the blocks
coded so far, so it moves block by block.

numpy and the coders are imported inside the commands: ``--help`` stays fast.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import threading
import time

import click

from entropycodec.cli.files import (
    FileFailed,
    NamedOutput,
    atomic_output,
    binary_stream,
    discard_stdout,
    isatty,
    on_signal,
    open_input,
    same_regular_file,
    special_output,
    target_name,
    tree_files,
)

CODERS = ("auto", "huffman", "arithmetic", "rans", "adaptive", "cm", "raw")
CHUNK = 1 << 20           # bytes read from the input at a time
MIN_TIMED = 0.01          # seconds: a run shorter than this reports no speed (timer noise)
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

# Module-level names so that tests can stand in a terminal or a clock here.
_isatty = isatty
_clock = time.perf_counter


class OutputFailed(FileFailed):
    """stdout cannot be written (a full disk): the remaining files are not processed."""


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
        click.option("-r", "--recursive", is_flag=True,
                     help="Process the files in directories, and in their subdirectories."),
        click.option("-q", "--quiet", is_flag=True, help="No progress line, no warnings."),
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
def compress(mode, coder, level, block_size, to_stdout, output, keep, remove, force, recursive,
             quiet, verbose, threads, files):
    """Compress FILEs to FILE.ec; with no FILE, or '-', stdin to stdout.

    On a terminal, a progress line appears once a file has taken a second.
    Ctrl-C stops at once (exit 130; 143 for SIGTERM) and leaves no partial file.

    \b
    Examples:
      entropycodec compress big.txt             # writes big.txt.ec, keeps big.txt
      entropycodec compress -c big.txt > x.ec   # to stdout
      entropycodec compress -r folder           # every file under folder
      tar -I 'entropycodec compress' -cf dir.tar.ec dir
    """
    _run(mode or "compress", files, to_stdout=to_stdout, output=output, keep=keep,
         remove=remove, force=force, recursive=recursive, quiet=quiet, verbose=verbose,
         threads=threads, coder=coder, level=level, block_size=block_size)


@click.command()
@_common_options
def decompress(to_stdout, output, keep, remove, force, recursive, quiet, verbose, threads,
               files):
    """Decompress FILE.ec to FILE; with no FILE, or '-', stdin to stdout.

    Concatenated .ec streams decompress to the concatenation of their contents;
    anything else after the last stream is an error. 'entropycodec -d' is the
    same command, as 'gzip -d' is.
    """
    _run("decompress", files, to_stdout=to_stdout, output=output, keep=keep, remove=remove,
         force=force, recursive=recursive, quiet=quiet, verbose=verbose, threads=threads)


@click.command()
@click.option("-r", "--recursive", is_flag=True,
              help="Test the .ec files in directories, and in their subdirectories.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line.")
@click.option("-v", "--verbose", is_flag=True, help="Print 'FILE: OK' for good files.")
@click.option("-T", "--threads", type=click.IntRange(min=0), default=1, show_default=True,
              help="Blocks decoded in parallel (0: all cores).")
@click.argument("files", nargs=-1, required=True, type=_INPUT_PATH)
def test(recursive, quiet, verbose, threads, files):
    """Decode FILEs fully and verify every checksum; write nothing.

    Exit status 0 when all are intact, 1 when any is damaged or unreadable.
    'entropycodec -t' is the same command.
    """
    _run("test", files, to_stdout=False, output=None, keep=True, remove=False, force=False,
         recursive=recursive, quiet=quiet, verbose=verbose, threads=threads)


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Also list every block.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
@click.argument("files", nargs=-1, required=True, type=_INPUT_PATH)
def info(verbose, as_json, files):
    """List streams, blocks, coders, sizes and ratio of FILEs (like 'xz -l'; 'entropycodec
    -l' is the same command), from the headers only: payloads are not decoded (use
    'entropycodec test' for that)."""
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
                result = read_header(binary_stream(sys.stdin))
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
         recursive=False, coder="auto", level=None, block_size=None) -> None:
    if remove and keep:
        raise click.UsageError("--keep and --rm contradict each other")
    files = list(files) or ["-"]
    if output == "":
        raise click.UsageError("-o/--output needs a file name")
    if output is not None and len(files) > 1:
        raise click.UsageError("-o/--output takes one input file")
    if output is not None and recursive:
        raise click.UsageError("-o/--output takes one input file, not -r/--recursive")
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
        from entropycodec.container.blocks import check_coder
        from entropycodec.errors import InvalidInputError

        try:
            check_coder(coder, level)
        except InvalidInputError as exc:
            raise click.UsageError(str(exc)) from None
    failed = False

    def unreadable(exc: OSError) -> None:  # a directory of the -r walk
        nonlocal failed
        _error(exc.filename, exc)
        failed = True

    for given in files:
        if recursive and given != "-" and os.path.isdir(given):
            names = tree_files(given, mode, unreadable)
        else:
            names = [given]
        for name in names:
            try:
                _one_file(mode, name, to_stdout=to_stdout, output=output, remove=remove,
                          force=force, quiet=quiet, verbose=verbose, settings=settings)
            except OutputFailed as exc:
                click.echo(f"entropycodec: {exc}", err=True)
                sys.exit(1)
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


def _one_file(mode, name, *, to_stdout, output, remove, force, quiet, verbose, settings):
    from_stdin = name == "-"
    write_stdout = to_stdout or (from_stdin and output is None)
    regular = False
    if from_stdin:
        if sys.stdin is None:
            raise FileFailed("stdin is closed: nothing to read")
        source = binary_stream(sys.stdin)
        size = None
        if mode != "compress" and _isatty(source) and not force:
            raise FileFailed("compressed data cannot be read from a terminal (use -f to force)")
    else:
        st = os.stat(name)
        if stat.S_ISDIR(st.st_mode):
            raise FileFailed(f"{name}: is a directory -- ignored (use -r for the files in it)")
        regular = stat.S_ISREG(st.st_mode)
        if not regular and mode != "test" and not write_stdout and output is None and not force:
            # As gzip: compressing /dev/zero must not create /dev/zero.ec.
            raise FileFailed(f"{name}: not a regular file -- ignored (use -c or -o)")
        source = None
        size = st.st_size if regular else None
    if write_stdout and mode != "test" and sys.stdout is None:
        raise FileFailed("stdout is closed: nowhere to write")
    # With -v: the kernels load before the file's clock starts (see _warm_up).
    warm = regular if verbose and mode != "test" else None

    if mode == "test":
        with open_input(name, source) as fin:
            _pump(mode, fin, None, size, quiet, name, settings, None)
        if verbose:
            click.echo(f"{name}: OK", err=True)
        return

    if write_stdout:
        sink = NamedOutput(binary_stream(sys.stdout), "stdout")
        if mode == "compress" and _isatty(sink.stream) and not force:
            raise FileFailed("compressed data not written to a terminal "
                             "(use -f to force, -o FILE, or redirect)")
        try:
            with open_input(name, source) as fin:
                if same_regular_file(fin, sink.stream):  # ``-c f >> f`` reads its own output
                    raise FileFailed(f"{name}: input file is output file")
                total_in, total_out, seconds = _pump(mode, fin, sink, size, quiet, name,
                                                     settings, warm)
            sink.flush()
        except OSError as exc:
            if not sink.failed:
                raise
            discard_stdout()
            raise OutputFailed(f"stdout: {exc.strerror}") from None
        target = "stdout"
    else:
        target = target_name(mode, name, output, force)
        if special_output(target, named=output is not None):
            # /dev/null or a named pipe: written into, never replaced (no temporary file).
            with open_input(name, source) as fin, open(target, "wb") as fout:
                if mode == "compress" and _isatty(fout) and not force:
                    raise FileFailed(f"{target}: compressed data not written to a terminal "
                                     "(use -f to force)")
                total_in, total_out, seconds = _pump(mode, fin, NamedOutput(fout, target), size,
                                                     quiet, name, settings, warm)
        else:
            if os.path.lexists(target):
                if not force:
                    raise FileFailed(f"{target}: already exists; not overwritten (use -f)")
                if not from_stdin and os.path.exists(target) and os.path.samefile(name, target):
                    raise FileFailed(f"{target}: is the input file")
            copy_from = name if regular else None  # a device's mode and times are not ours
            with open_input(name, source) as fin, atomic_output(target, copy_from) as fout:
                total_in, total_out, seconds = _pump(mode, fin, NamedOutput(fout, target), size,
                                                     quiet, name, settings, warm)
    if remove and not from_stdin and not write_stdout:
        if regular:
            os.unlink(name)
        elif not quiet:
            click.echo(f"entropycodec: {name}: not a regular file -- not removed", err=True)
    if verbose:
        click.echo(verbose_line(mode, name, target, total_in, total_out, seconds), err=True)


_warmed: set = set()  # (coder, param) whose kernels this process has loaded


def _warm_up(mode: str, name: str | None, settings: dict) -> None:
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
    from entropycodec.container.format import BLOCK_HEADER, unpack_block_header

    sample = b"abracadabra, abracadabra! " * 20
    for coder, param in sorted(wanted - _warmed):
        _warmed.add((coder, param))
        block = encode_block(sample, coder, param)
        header = unpack_block_header(block[:BLOCK_HEADER.size], len(sample))
        decode_block(header, block[BLOCK_HEADER.size:])


def verbose_line(mode: str, name: str, target: str, total_in: int, total_out: int,
                 seconds: float) -> str:
    """The -v report of one file: space saved, bytes read -> bytes written, the speed in
    uncompressed bytes per second (left out for runs under MIN_TIMED), and the output.

    >>> verbose_line("compress", "a.txt", "a.txt.ec", 9000, 240, 0.002)
    'a.txt:  97.3% saved, 9000 -> 240 bytes -> a.txt.ec'
    >>> verbose_line("decompress", "a.txt.ec", "a.txt", 240, 9000, 0.5)
    'a.txt.ec:  97.3% saved, 240 -> 9000 bytes, 18.0 kB/s -> a.txt'
    """
    original, packed = (total_in, total_out) if mode == "compress" else (total_out, total_in)
    saved = f"{100 * (1 - packed / original):5.1f}%" if original else "  0.0%"
    speed = format_speed(original, seconds)
    rate = f", {speed}" if speed else ""
    return f"{name}: {saved} saved, {total_in} -> {total_out} bytes{rate} -> {target}"


def format_speed(nbytes: int, seconds: float) -> str | None:
    """``nbytes`` per ``seconds`` in B/s, kB/s, MB/s or GB/s (powers of 1000, as zstd and xz
    print them); None when ``seconds`` is under MIN_TIMED, too short to time.

    >>> format_speed(9000, 0.5), format_speed(3 << 20, 2.0), format_speed(9000, 0.001)
    ('18.0 kB/s', '1.6 MB/s', None)
    """
    if seconds < MIN_TIMED:
        return None
    rate = nbytes / seconds
    for unit, scale in (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)):
        if rate >= scale:
            return f"{rate / scale:.1f} {unit}"
    return f"{rate:.0f} B/s"


# -- progress ---------------------------------------------------------------------------------

class Progress:
    """One file's progress as a line on ``stream``, redrawn in place: the percentage of the
    input coded (when its size is known), the bytes, the speed and the elapsed time.

    Drawn only when ``enabled`` (stderr is a terminal and no ``-q``), and only once the file
    has taken :attr:`DELAY` seconds: quick runs print nothing. "Coded" means the input
    bytes of the blocks that are done, so the line moves block by block (a block is coded
    by one kernel call; a 4 MiB cm block takes about 5 s). The coding thread calls
    :meth:`update`; the main thread calls :meth:`tick` and :meth:`finish`, which erases
    the line.
    """

    DELAY = 1.0     # seconds before the line first appears
    INTERVAL = 0.2  # seconds between redraws

    def __init__(self, label: str, total: int | None, stream, *, enabled: bool,
                 clock=time.monotonic, width: int | None = None):
        self.label, self.total, self.stream, self.enabled = label, total, stream, enabled
        self.clock = clock
        self.width = width
        self.started = clock()
        self.done = 0
        self._shown = 0  # characters of the line now on the terminal
        self._drawn_at = None

    def update(self, done: int) -> None:
        self.done = done

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 0.0)
        parts = []
        if self.total:
            parts.append(f"{min(100, 100 * self.done // self.total):3d}%")
        parts.append(_human(self.done) + ("" if self.total is None else
                                          f" / {_human(self.total)}"))
        speed = format_speed(self.done, elapsed) if self.done else None
        if speed:
            parts.append(speed)
        seconds = int(elapsed)
        parts.append(f"{seconds // 60}:{seconds % 60:02d}")
        return f"{self.label}: " + "  ".join(parts)

    def tick(self) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < self.DELAY:
            return
        if self._drawn_at is not None and now - self._drawn_at < self.INTERVAL:
            return
        width = self.width or shutil.get_terminal_size().columns
        text = self.line(now)[:max(width - 1, 10)]
        self.stream.write("\r" + text + " " * max(0, self._shown - len(text)))
        self.stream.flush()
        self._shown, self._drawn_at = len(text), now

    def finish(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0

    def abandon(self) -> None:
        """On a signal: end the line, so that the shell's prompt starts on a fresh one."""
        if self._shown:
            os.write(self.stream.fileno(), b"\n")


class _Stopped(Exception):
    """The main thread gave up on this file (an exception there): the worker stops."""


def _in_worker(work, progress: Progress | None):
    """Run ``work(stop)`` in a daemon thread while this (main) thread redraws the progress
    line and stays free to handle a signal; return its result or raise its exception.

    If this thread is interrupted (KeyboardInterrupt without the signal handlers), ``stop``
    is set: the worker stops at its next read or write and this thread unwinds at once.
    """
    outcome: dict = {}
    finished, stop = threading.Event(), threading.Event()

    def target():
        try:
            outcome["result"] = work(stop)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc
        finally:
            finished.set()

    thread = threading.Thread(target=target, name="entropycodec-coder", daemon=True)
    thread.start()
    try:
        while not finished.wait(Progress.INTERVAL):
            if progress is not None:
                progress.tick()
    except BaseException:
        stop.set()
        raise
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _pump(mode, fin, fout, size, quiet, name, settings, warm) -> tuple[int, int, float]:
    """Stream ``fin`` through the (de)compressor into ``fout`` (None: discard), in a worker
    thread. Returns (bytes read, bytes produced, seconds). ``warm`` (for -v) is None, or
    whether ``name`` is a regular file whose headers tell the coders to warm up."""
    if warm is not None:
        _in_worker(lambda stop: _warm_up(mode, name if warm else None, settings), None)
    progress = Progress(os.path.basename(name) if name != "-" else "stdin", size, sys.stderr,
                        enabled=not quiet and _isatty(sys.stderr))
    if mode == "compress":
        def work(stop):
            return _pump_compress(fin, fout, settings, progress, stop)
    else:
        def work(stop):
            return _pump_decompress(fin, fout, progress, settings["threads"], stop)
    started = _clock()
    with on_signal(progress.abandon):
        try:
            total_in, total_out = _in_worker(work, progress)
        finally:
            progress.finish()
    return total_in, total_out, _clock() - started


def _check(stop) -> None:
    if stop.is_set():
        raise _Stopped


def _coded_bytes(out: bytes, header: bool) -> int:
    """The original size of the blocks in ``out``, a Compressor.compress() result: whole
    blocks, after the stream header when ``header``."""
    from entropycodec.container.format import BLOCK_HEADER, STREAM_HEADER

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
        _check(stop)
        total_in += len(chunk)
        out = comp.compress(chunk)
        if out:
            coded += _coded_bytes(out, header=total_out == 0)
            progress.update(coded)
            _check(stop)
            fout.write(out)
            total_out += len(out)
    out = comp.flush()
    progress.update(total_in)
    _check(stop)
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


def _pump_decompress(fin, fout, progress, threads: int, stop) -> tuple[int, int]:
    from entropycodec.api import StreamSequence
    from entropycodec.container.streams import check_threads
    from entropycodec.errors import TruncatedDataError

    threads = check_threads(threads)
    read_size = CHUNK if threads == 1 else _read_ahead(threads)  # several blocks per read
    streams = StreamSequence(fin.read, threads=threads, read_size=read_size,
                             truncated="compressed data ends before the end-of-stream marker")
    total_out = 0
    try:
        while True:
            _check(stop)
            data = streams.read(CHUNK)
            progress.update(streams.bytes_in - streams.undecoded_bytes)
            if not data:
                break
            total_out += len(data)
            if fout is not None:
                _check(stop)
                fout.write(data)
    except TruncatedDataError:
        if not streams.bytes_in:
            raise TruncatedDataError("empty input: not an .ec file") from None
        raise
    finally:
        streams.close()
    return streams.bytes_in, total_out
