"""``entropycodec compress | decompress | test``: the gzip-grade file compressor.

Conventions (gzip, xz, zstd): ``FILE`` becomes ``FILE.ec`` and the input is
kept (``--rm`` removes it); no FILE or ``-`` means stdin to stdout; data goes to
stdout only, messages to stderr; exit 0 on success, 1 on bad data or I/O
errors, 2 on misuse and (gzip's warning status) when data after the last stream was
ignored, 130/143/129 on SIGINT/SIGTERM/SIGHUP. Every output is
written to a temporary file beside its target and renamed only when complete,
so a failure (bad data, full disk, Ctrl-C) never leaves a partial file and
never touches the input. The exceptions are devices and named pipes given with
``-o`` (``-o /dev/null``): they are written into and never replaced. As with
gzip, an input that is not a regular file needs ``-c`` or ``-o`` (or ``-f``),
and ``--rm`` never removes one; a directory needs ``-r``; a symbolic link needs ``-f``
(or ``-c``/``-o``) unless testing.

This module holds the commands and the per-file driver, which decides what each
FILE becomes. The rest lives beside it: file handling (targets, special files,
atomic output, signals) in :mod:`~entropycodec.cli.files`; moving the bytes
through the coder in :mod:`~entropycodec.cli.pump`, in a worker thread while the
main thread draws the progress line and handles signals
(:mod:`~entropycodec.cli.progress`); ``info`` in :mod:`~entropycodec.cli.info_cmd`.

numpy and the coders are imported inside the commands: ``--help`` stays fast.
"""

from __future__ import annotations

import os
import stat
import sys
import time

import click

from entropycodec.cli.files import (
    SYMLINK_REFUSED,
    FileFailed,
    NamedOutput,
    atomic_output,
    binary_stream,
    discard_stdout,
    isatty,
    open_input,
    same_regular_file,
    special_output,
    target_name,
    tree_files,
)
from entropycodec.cli.options import INPUT_PATH, file_error
from entropycodec.cli.progress import Progress, in_worker
from entropycodec.cli.pump import pump, warm_up
from entropycodec.cli.scheduler import SCHEDULER_OPTION
from entropycodec.cli.units import ByteSize, format_speed, size_text
from entropycodec.coders import CODERS, SYMBOL_CODERS
from entropycodec.container.format import DEFAULT_BLOCK_SIZE, MAX_BLOCK_SIZE

# --coder: "auto" (the container's choice per block, entropycodec.container.blocks.AUTO,
# not imported here: that would load numpy), the symbol coders in report order, then
# the coders that only store (raw).
CODER_CHOICES = ("auto", *SYMBOL_CODERS, *(name for name in CODERS if name not in SYMBOL_CODERS))

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
        click.argument("files", nargs=-1, type=INPUT_PATH),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _level_flags(func):
    for n in range(9, 0, -1):
        func = click.option(f"-{n}", "flag_level", flag_value=n, hidden=n not in (1, 6, 9),
                            help={1: "Fastest (order-0 rANS); -2 .. -9 in between.",
                                  6: "The default: the Burrows-Wheeler coder, mixed rank models.",
                                  9: "Smallest (context mixing)."}.get(n))(func)
    return func


@click.command()
@click.option("-d", "--decompress", "mode", flag_value="decompress",
              help="Decompress (as 'entropycodec decompress'; for tar -I).")
@click.option("-t", "--test", "mode", flag_value="test", help="Test integrity (as 'entropycodec test').")
@_level_flags
@click.option("--fast", "flag_level", flag_value=1, help="Level 1.")
@click.option("--best", "flag_level", flag_value=9, help="Level 9.")
@click.option("--level", type=int, default=None,
              help="Compression level 1..9 [default: 6]; with --coder cm, bwt or context, "
                   "that coder's own level.")
@click.option("--coder", type=click.Choice(CODER_CHOICES), default=None,
              help="Code every block with one coder instead of the level's choice ('auto': "
                   "the smallest of huffman/arithmetic/rans per block).")
@click.option("-B", "--block-size", type=ByteSize(), default=None,
              help=f"Block size (suffixes K, M, G; at most {size_text(MAX_BLOCK_SIZE)}) "
                   f"[default: the level's, {size_text(DEFAULT_BLOCK_SIZE)} for a --coder].")
@_common_options
@SCHEDULER_OPTION
def compress(mode, flag_level, level, coder, block_size, to_stdout, output, keep, remove, force,
             recursive, quiet, verbose, threads, files, scheduler):
    """Compress FILEs to FILE.ec; with no FILE, or '-', stdin to stdout.

    Levels, as gzip's: -1 (--fast) order-0 rANS, the fastest; -2, -3 static
    order-1 and order-2 context models; -4, -5 the Burrows-Wheeler coder (1,
    4 MiB blocks); -6, the default, the same with mixed rank models (about 2%
    smaller, two thirds of the speed); -7, -8, -9 (--best) context mixing at
    memory levels 5, 6, 7. 'entropycodec info' shows each block's coder.

    On a terminal, a progress line appears once a file has taken a second.
    Ctrl-C stops at once (exit 130; 143 for SIGTERM) and leaves no partial file.

    \b
    Examples:
      entropycodec compress big.txt             # writes big.txt.ec, keeps big.txt
      entropycodec compress -c big.txt > x.ec   # to stdout
      entropycodec compress -r folder           # every file under folder
      tar -I 'entropycodec compress' -cf dir.tar.ec dir
    """
    if flag_level is not None and level is not None and flag_level != level:
        raise click.UsageError(f"-{flag_level} and --level {level} contradict each other")
    if flag_level is not None and coder is not None:
        raise click.UsageError(f"-{flag_level} chooses the coders; with --coder, use --level "
                               "for that coder's own level")
    level = flag_level if level is None else level
    _run(mode or "compress", files, to_stdout=to_stdout, output=output, keep=keep,
         remove=remove, force=force, recursive=recursive, quiet=quiet, verbose=verbose,
         threads=threads, coder=coder, level=level, block_size=block_size, scheduler=scheduler)


# --memlimit's default is the library's, entropycodec.container.streams.DEFAULT_MEMLIMIT (not
# imported here: that would load numpy; tests/test_memory_limits.py keeps the two equal).
MEMLIMIT_DEFAULT = "1G"
MEMLIMIT_MAX = 1 << 40
_MEMLIMIT = click.option(
    "--memlimit", type=ByteSize(maximum=MEMLIMIT_MAX), default=MEMLIMIT_DEFAULT,
    show_default=True,
    help="Memory a block may need to decode (suffixes K, M, G); a stream that needs more "
         "is refused (exit 1), as with xz --memlimit. With -T, fewer blocks are decoded at "
         "once to stay within it.")

_STRICT = click.option("--strict", is_flag=True,
                       help="Data after the last stream is an error (exit 1, no output), "
                            "not a warning.")


@click.command()
@_STRICT
@_MEMLIMIT
@_common_options
@SCHEDULER_OPTION
def decompress(strict, memlimit, to_stdout, output, keep, remove, force, recursive, quiet,
               verbose, threads, files, scheduler):
    """Decompress FILE.ec to FILE; with no FILE, or '-', stdin to stdout.

    Concatenated .ec streams decompress to the concatenation of their contents.
    Data after the last stream that is not a stream is ignored with a warning,
    as gzip does ('FILE: decompression OK, trailing garbage ignored', exit 2; the
    output is written); --strict makes it an error. 'entropycodec -d' is the same
    command, as 'gzip -d' is.
    """
    _run("decompress", files, to_stdout=to_stdout, output=output, keep=keep, remove=remove,
         force=force, recursive=recursive, quiet=quiet, verbose=verbose, threads=threads,
         strict=strict, memlimit=memlimit, scheduler=scheduler)


@click.command()
@click.option("-r", "--recursive", is_flag=True,
              help="Test the .ec files in directories, and in their subdirectories.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line, no warnings.")
@click.option("-v", "--verbose", is_flag=True, help="Print 'FILE: OK' for good files.")
@click.option("-T", "--threads", type=click.IntRange(min=0), default=1, show_default=True,
              help="Blocks decoded in parallel (0: all cores).")
@_STRICT
@_MEMLIMIT
@click.argument("files", nargs=-1, required=True, type=INPUT_PATH)
def test(recursive, quiet, verbose, threads, strict, memlimit, files):
    """Decode FILEs fully and verify every checksum; write nothing.

    Exit status 0 when all are intact, 1 when any is damaged or unreadable, 2
    when the worst is data after the last stream (a warning, as in 'gzip -t';
    with --strict, an error). 'entropycodec -t' is the same command.
    """
    _run("test", files, to_stdout=False, output=None, keep=True, remove=False, force=False,
         recursive=recursive, quiet=quiet, verbose=verbose, threads=threads, strict=strict,
         memlimit=memlimit)


# -- the per-file driver ---------------------------------------------------------------------

def _run(mode, files, *, to_stdout, output, keep, remove, force, quiet, verbose, threads,
         recursive=False, coder=None, level=None, block_size=None, strict=False,
         memlimit=None, scheduler=None) -> None:
    """Process every FILE; exit 1 if any failed, else 2 if any gave a warning (trailing data
    ignored, as gzip's exit status 2), else return (exit 0)."""
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
    if mode != "compress":
        settings["strict"] = strict
        settings["memlimit"] = memlimit  # None: the library's default
    if mode == "compress":
        # Validate the coder once, before touching any file (a clean exit 2 on misuse).
        from entropycodec.container.blocks import check_coder
        from entropycodec.errors import InvalidInputError

        try:
            chosen, param = check_coder(coder, level)
        except InvalidInputError as exc:
            raise click.UsageError(f"--coder/--level: {exc}") from None
        if block_size is None:
            from entropycodec.container.levels import LADDER, LEVELS

            block_size = LEVELS[param].block_size if chosen == LADDER else DEFAULT_BLOCK_SIZE
            settings["block_size"] = block_size
    if scheduler is not None:  # entropycodec.dask, loaded only now
        from entropycodec.cli.scheduler import run_files

        run_files(mode, files, scheduler=scheduler, to_stdout=to_stdout, output=output,
                  remove=remove, force=force, recursive=recursive, quiet=quiet, verbose=verbose,
                  settings=settings, report=verbose_line, warn=_warn_trailing)
        return
    failed = warned = False

    def unreadable(exc: OSError) -> None:  # a directory of the -r walk
        nonlocal failed
        file_error(exc.filename, exc)
        failed = True

    for given in files:
        if recursive and given != "-" and os.path.isdir(given):
            names = tree_files(given, mode, unreadable)
        else:
            names = [given]
        for name in names:
            try:
                warned |= _one_file(mode, name, to_stdout=to_stdout, output=output,
                                    remove=remove, force=force, quiet=quiet, verbose=verbose,
                                    settings=settings)
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
                file_error(exc.filename or name, exc)
                failed = True
            except Exception as exc:  # the package's own errors; anything else is a bug
                from entropycodec.errors import EntropyCodecError

                if not isinstance(exc, EntropyCodecError):
                    raise
                file_error(name, exc)
                failed = True
    if failed or warned:
        sys.exit(1 if failed else 2)


def _one_file(mode, name, *, to_stdout, output, remove, force, quiet, verbose,
              settings) -> bool:
    """Compress, decompress or test one FILE (``-``: stdin). Returns whether it gave a
    warning (trailing data ignored); raises FileFailed (or an OSError, a package error)
    when it failed."""
    from_stdin = name == "-"
    write_stdout = to_stdout or (from_stdin and output is None)
    # The output is the derived file beside the input (FILE.ec / FILE): as gzip, a symbolic
    # link or a special file is then refused without -f. Testing, -c and -o read through.
    beside = mode != "test" and not write_stdout and output is None
    follow = force or not beside
    regular = False
    if from_stdin:
        if sys.stdin is None:
            raise FileFailed("stdin is closed: nothing to read")
        source = binary_stream(sys.stdin)
        size = None
        if mode != "compress" and _isatty(source) and not force:
            raise FileFailed("compressed data cannot be read from a terminal (use -f to force)")
    else:
        if not follow and os.path.islink(name):
            raise FileFailed(SYMLINK_REFUSED.format(name))
        st = os.stat(name)
        if stat.S_ISDIR(st.st_mode):
            raise FileFailed(f"{name}: is a directory -- ignored (use -r for the files in it)")
        regular = stat.S_ISREG(st.st_mode)
        if not regular and beside and not force:
            # As gzip: compressing /dev/zero must not create /dev/zero.ec.
            raise FileFailed(f"{name}: not a regular file -- ignored (use -c or -o)")
        source = None
        size = st.st_size if regular else None
    if write_stdout and mode != "test" and sys.stdout is None:
        raise FileFailed("stdout is closed: nowhere to write")
    # With -v: the kernels load before the file's clock starts (see pump.warm_up).
    warm = regular if verbose and mode != "test" else None

    label = "stdin" if from_stdin else name
    if mode == "test":
        with open_input(name, source) as fin:
            trailing = _pump(mode, fin, None, size, quiet, name, settings, None)[3]
        _warn_trailing(label, trailing, quiet)
        if verbose:
            click.echo(f"{label}: OK", err=True)
        return trailing is not None

    if write_stdout:
        sink = NamedOutput(binary_stream(sys.stdout), "stdout")
        if mode == "compress" and _isatty(sink.stream) and not force:
            raise FileFailed("compressed data not written to a terminal "
                             "(use -f to force, -o FILE, or redirect)")
        try:
            with open_input(name, source) as fin:
                if same_regular_file(fin, sink.stream):  # ``-c f >> f`` reads its own output
                    raise FileFailed(f"{name}: input file is output file")
                total_in, total_out, seconds, trailing = _pump(mode, fin, sink, size, quiet,
                                                               name, settings, warm)
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
            with open_input(name, source, follow) as fin, open(target, "wb") as fout:
                if mode == "compress" and _isatty(fout) and not force:
                    raise FileFailed(f"{target}: compressed data not written to a terminal "
                                     "(use -f to force)")
                total_in, total_out, seconds, trailing = _pump(
                    mode, fin, NamedOutput(fout, target), size, quiet, name, settings, warm)
        else:
            if os.path.lexists(target):
                if not force:
                    raise FileFailed(f"{target}: already exists; not overwritten (use -f)")
                if not from_stdin and os.path.exists(target) and os.path.samefile(name, target):
                    raise FileFailed(f"{target}: is the input file")
            copy_from = name if regular else None  # a device's mode and times are not ours
            with open_input(name, source, follow) as fin, \
                    atomic_output(target, copy_from) as fout:
                total_in, total_out, seconds, trailing = _pump(
                    mode, fin, NamedOutput(fout, target), size, quiet, name, settings, warm)
    _warn_trailing(label, trailing, quiet)
    if remove and not from_stdin and not write_stdout:
        if trailing is not None:  # those bytes are in no output: keep them (gzip would not)
            if not quiet:
                click.echo(f"entropycodec: {name}: holds trailing data -- not removed", err=True)
        elif regular:
            os.unlink(name)
        elif not quiet:
            click.echo(f"entropycodec: {name}: not a regular file -- not removed", err=True)
    if verbose:
        click.echo(verbose_line(mode, name, target, total_in, total_out, seconds), err=True)
    return trailing is not None


def _warn_trailing(label: str, offset: int | None, quiet: bool) -> None:
    """gzip's warning for data after the last stream (not with -q; the exit status is 2
    either way)."""
    if offset is not None and not quiet:
        click.echo(f"entropycodec: {label}: decompression OK, trailing garbage ignored "
                   f"(at offset {offset})", err=True)


def _pump(mode, fin, fout, size, quiet, name, settings, warm):
    """Stream ``fin`` through the (de)compressor into ``fout`` (None: discard) with a
    progress line on a terminal (not with -q). Returns (bytes read, bytes produced,
    seconds, offset of the trailing data ignored or None). ``warm`` (for -v) is None, or
    whether ``name`` is a regular file whose headers tell the coders to warm up; the
    warm-up is not timed."""
    if warm is not None:
        in_worker(lambda stop: warm_up(mode, name if warm else None, settings), None)
    progress = Progress(os.path.basename(name) if name != "-" else "stdin", size, sys.stderr,
                        enabled=not quiet and _isatty(sys.stderr))
    started = _clock()
    total_in, total_out, trailing = pump(mode, fin, fout, settings, progress)
    return total_in, total_out, _clock() - started, trailing


def verbose_line(mode: str, name: str, target: str, total_in: int, total_out: int,
                 seconds: float) -> str:
    """The -v report of one file: space saved, bytes read -> bytes written, the speed in
    uncompressed bytes per second (left out for runs under units.MIN_TIMED), and the output.

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
