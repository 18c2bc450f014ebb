"""Entry point of the command line: a click group whose subcommands load lazily.

Importing a subcommand's module (and numpy, numba) only when it runs keeps
``entropycodec --help`` instant. Every failure the package raises on purpose
becomes one line on stderr and exit code 1; misuse exits with 2 (click).
"""

from __future__ import annotations

import importlib
import sys

import click

# command name -> "module:attribute" under entropycodec.cli, with its one-line help
_COMMANDS = {
    "compress": ("compress_cmd:compress", "Compress files to FILE.ec (or stdin to stdout)."),
    "decompress": ("compress_cmd:decompress", "Decompress FILE.ec files (or stdin to stdout)."),
    "test": ("compress_cmd:test", "Verify the integrity of .ec files."),
    "info": ("compress_cmd:info", "List the blocks, coders, sizes and ratio of .ec files."),
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


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(name for name in _COMMANDS if self._available(name))

    @staticmethod
    def _available(name: str) -> bool:
        module = _COMMANDS[name][0].split(":")[0]
        return importlib.util.find_spec(f"entropycodec.cli.{module}") is not None

    def get_command(self, ctx, name):
        if name not in _COMMANDS or not self._available(name):
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
            return super().invoke(ctx)
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
@click.version_option(package_name="entropycodec", prog_name="entropycodec")
def cli():
    """Entropy coders that account for every bit, and a file compressor.

    \b
    Examples:
      entropycodec code A=0.5 B=0.2 C=0.2 D=0.1
      entropycodec compress big.txt          # writes big.txt.ec
      entropycodec analyze corpora/abcd.txt
    """


def main(argv=None) -> None:
    cli.main(args=argv, prog_name="entropycodec")
