"""Entry point of the command line: a click group whose subcommands load lazily.

Importing a subcommand's module (and numpy, numba) only when it runs keeps
``entropycodec --help`` instant. Every failure the package raises on purpose
becomes one line on stderr and exit code 1; misuse exits with 2 (click); SIGINT,
SIGTERM and SIGHUP exit with 130, 143 and 129, without a traceback: the handlers
(:mod:`~entropycodec.cli.signals`) are installed first, before threading and click
load, when this module is imported by the program itself (the ``entropycodec``
script or ``python -m entropycodec``), and by :func:`main` in every case; never by
a plain import (a test, a library user).

gzip's and xz's mode flags work before the files (:func:`gzip_shorthand`):
``entropycodec -dc f.ec`` is ``entropycodec decompress -c f.ec``.
"""

from __future__ import annotations

import os
import sys

from entropycodec.cli.signals import install_signal_handlers


def _imported_by_the_program() -> bool:
    program = sys.modules.get("__main__")
    spec = getattr(program, "__spec__", None)
    script = os.path.basename(getattr(program, "__file__", None) or "")
    return getattr(spec, "name", None) == "entropycodec.__main__" or script.startswith(
        "entropycodec")


# As early as our code can (entropycodec.cli.signals imports nothing new): click takes
# ~25 ms to import, threading ~3 ms; a Ctrl-C then is no traceback. What runs before this
# line (Python's startup and site, the package's __init__) is measured in docs/cli.md.
if _imported_by_the_program():
    install_signal_handlers()

import importlib  # noqa: E402 -- everything below loads after the signal handlers, on purpose
import threading  # noqa: E402

import click  # noqa: E402

# command name -> "module:attribute" under entropycodec.cli, with its one-line help
_COMMANDS = {
    "compress": ("compress_cmd:compress", "Compress files to FILE.ec (or stdin to stdout)."),
    "decompress": ("compress_cmd:decompress", "Decompress FILE.ec files (or stdin to stdout)."),
    "test": ("compress_cmd:test", "Verify the integrity of .ec files."),
    "info": ("info_cmd:info", "List the blocks, coders, sizes and ratio of .ec files."),
    "analyze": ("analyze_cmd:analyze", "Bit accounting report: every coder against the entropy."),
    "code": ("code_cmd:code", "Build a Huffman code from probabilities, counts or a file."),
    "measure": ("measure_cmd:measure", "Entropy, cross-entropy, KL and JS divergence of p and q."),
    "experiment": ("experiment_cmd:experiment", "Bits-vs-entropy experiments with JSON and plots."),
}


class CommandFailed(click.ClickException):
    """A clean, one-line failure (bad data, I/O error) with exit code 1."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"entropycodec: {self.format_message()}", err=True)


# gzip / xz mode flags -> the subcommand they stand for
_MODE_LETTERS = {"d": "decompress", "z": "compress", "t": "test", "l": "info"}
_MODE_WORDS = {"--decompress": "decompress", "--uncompress": "decompress",
               "--compress": "compress", "--test": "test", "--list": "info"}
# options of the file commands that take a value (the value is never a mode flag)
_VALUE_LETTERS = set("oTB")
_VALUE_WORDS = {"--output", "--threads", "--block-size", "--coder", "--level", "--out"}
_LEVEL_LETTERS = set("123456789")  # -1..-9: compress's levels
_LEVEL_WORDS = {"--fast", "--best"}


def gzip_shorthand(args: list[str]) -> list[str] | None:
    """``args`` with gzip's mode flag turned into its subcommand, or None when no mode
    flag is there. Only options before the first subcommand name can be mode flags, and
    only when the first argument is an option; ``--`` ends them.

    >>> gzip_shorthand(["-dc", "f.ec"])
    ['decompress', '-c', 'f.ec']
    >>> gzip_shorthand(["-v", "--list", "a.ec", "b.ec"])
    ['info', '-v', 'a.ec', 'b.ec']
    >>> gzip_shorthand(["-d", "-o", "-l", "x.ec"])   # '-l' is the value of -o here
    ['decompress', '-o', '-l', 'x.ec']
    >>> gzip_shorthand(["compress", "-d", "x.ec"]) is None
    True

    Level flags (-1..-9, --fast, --best) mean nothing to the other modes and are
    dropped there, as gzip and zstd ignore them (``tar -I 'entropycodec -9' -x`` runs
    ``entropycodec -9 -d``):

    >>> gzip_shorthand(["-9", "-d"]), gzip_shorthand(["-dc9", "f.ec"])
    (['decompress'], ['decompress', '-c', 'f.ec'])
    """
    if not args or not args[0].startswith("-") or args[0] == "-":
        return None
    modes, rest, levels = [], [], []
    value_next = False
    for i, arg in enumerate(args):
        if value_next:
            rest.append(arg)
            value_next = False
        elif arg == "--":
            rest.extend(args[i:])
            break
        elif arg in _MODE_WORDS:
            modes.append((arg, _MODE_WORDS[arg]))
        elif arg in _LEVEL_WORDS:
            levels.append(arg)
        elif arg.startswith("--"):
            rest.append(arg)
            value_next = arg in _VALUE_WORDS
        elif arg.startswith("-") and len(arg) > 1:
            kept = ""
            for j, letter in enumerate(arg[1:], 1):
                if letter in _VALUE_LETTERS:  # the rest of the group is its value
                    kept += arg[j:]
                    value_next = j == len(arg) - 1
                    break
                if letter in _MODE_LETTERS:
                    modes.append(("-" + letter, _MODE_LETTERS[letter]))
                elif letter in _LEVEL_LETTERS:
                    levels.append("-" + letter)
                else:
                    kept += letter
            if kept:
                rest.append("-" + kept)
        else:
            rest.append(arg)
    if not modes:
        return None
    names = {command for _, command in modes}
    if len(names) > 1:
        flags = sorted({flag for flag, _ in modes})
        raise click.UsageError(f"{' and '.join(flags)} contradict each other")
    command = modes[0][1]
    return [command, *levels, *rest] if command == "compress" else [command, *rest]


def _interruptible(function, *args):
    """``function(*args)`` run in a worker thread while this (main) thread waits.

    Python runs signal handlers only in the main thread, between bytecodes: a main
    thread inside a numba kernel (analyze, experiment) would take a Ctrl-C only
    when the kernel returns, seconds later. Waiting here, it takes it at once
    (the kernels release the GIL) and the handler exits 130/143.
    """
    if threading.current_thread() is not threading.main_thread():
        return function(*args)
    from .progress import in_worker

    return in_worker(lambda stop: function(*args), None)


_GROUP_OPTIONS = ("-h", "--help", "-V", "--version")


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdin
        return False


def default_command(args: list[str]) -> list[str] | None:
    """gzip's, xz's and zstd's habit for a command line that names no subcommand: no
    arguments with input piped in, or options alone ('entropycodec -9 -c', 'entropycodec
    -q file'), mean compress. So ``tar -I entropycodec`` and ``tar -I 'entropycodec -9'``
    work both ways (tar adds -d to extract). None: leave the line as it is (no arguments
    on a terminal print the help).

    >>> default_command(["-9", "-c"]), default_command(["analyze", "f"]), default_command(["-h"])
    (['compress', '-9', '-c'], None, None)
    """
    if not args:
        return None if _stdin_is_terminal() else ["compress"]
    if args[0].startswith("-") and args[0] not in _GROUP_OPTIONS:
        return ["compress", *args]
    return None


class LazyGroup(click.Group):
    def parse_args(self, ctx, args):
        if args and args[0] not in _GROUP_OPTIONS:
            try:
                rewritten = gzip_shorthand(list(args))
            except click.UsageError as exc:
                exc.ctx = ctx
                raise
            if rewritten is not None:
                args = rewritten
        args = default_command(list(args)) or args
        return super().parse_args(ctx, args)

    def list_commands(self, ctx):
        return sorted(_COMMANDS)

    def get_command(self, ctx, name):
        if name not in _COMMANDS:
            return None
        module, attr = _COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(f"entropycodec.cli.{module}"), attr)

    def format_commands(self, ctx, formatter):
        # Short help without importing every subcommand (that would load numpy).
        rows = [(name, _COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx):
        from entropycodec.errors import EntropyCodecError

        try:
            return _interruptible(super().invoke, ctx)
        except EntropyCodecError as exc:
            raise CommandFailed(f"error: {exc}") from None
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly, as cat and gzip do.
            sys.stderr.close()
            raise click.exceptions.Exit(1) from None
        except OSError as exc:
            where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
            raise CommandFailed(f"error: {exc.strerror or exc}{where}") from None
        except MemoryError:
            raise CommandFailed("error: out of memory") from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(None, "-V", "--version", package_name="entropycodec",
                      prog_name="entropycodec")
def cli():
    """Entropy coders that account for every bit, and a file compressor.

    As with gzip and xz, -d/--decompress, -z/--compress, -t/--test and -l/--list
    given before the files stand for the subcommands decompress, compress, test
    and info, with the other options: 'entropycodec -dc f.ec' is 'entropycodec
    decompress -c f.ec'. Options alone, or no arguments with input piped in, mean
    compress: 'entropycodec -9 < f > f.ec', 'tar -I entropycodec -cf d.tar.ec d'.

    \b
    Examples:
      entropycodec code A=0.5 B=0.2 C=0.2 D=0.1
      entropycodec compress big.txt          # writes big.txt.ec
      entropycodec -d big.txt.ec             # writes big.txt
      entropycodec -l big.txt.ec             # what is inside
      entropycodec analyze corpora/abcd.txt
    """


def main(argv=None) -> None:
    install_signal_handlers()  # before numpy and numba load; again, if imported otherwise
    cli.main(args=argv, prog_name="entropycodec")
