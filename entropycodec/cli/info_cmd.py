"""``entropycodec info`` (``-l``, ``--list``): what is inside .ec files, read from their
headers only, as a table (like ``xz -l``) or as JSON.

Nothing here imports numpy or the coders: the headers are read with ``struct``
(:func:`entropycodec.container.inspect.read_header`).
"""

from __future__ import annotations

import sys

import click

from entropycodec.cli.files import FileFailed, binary_stream, isatty
from entropycodec.cli.options import (
    INPUT_PATH,
    file_error,
    json_options,
    json_text,
    output_json,
    resolve_json_options,
)
from entropycodec.cli.units import human_size
from entropycodec.coders import CODERS

# A module-level name so that tests can stand in a terminal here.
_isatty = isatty
# coders whose block parameter is a level of theirs: info -v shows it as coder/level
_LEVELLED = {name for name, spec in CODERS.items() if spec.has_level}


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Also list every block.")
@click.option("--strict", is_flag=True,
              help="Data after the last stream is an error (exit 1), not a warning.")
@json_options
@click.argument("files", nargs=-1, required=True, type=INPUT_PATH)
def info(verbose, strict, as_json, out, files):
    """List streams, blocks, coders, sizes and ratio of FILEs (like 'xz -l'; 'entropycodec
    -l' is the same command), from the headers only: payloads are not decoded (use
    'entropycodec test' for that).

    Exit status 1 when a FILE cannot be read (only the files that could are listed;
    nothing when none could), else 2 when data after the last stream of a FILE was
    ignored with a warning (as by decompress and test), else 0.
    """
    from entropycodec.container.inspect import read_header
    from entropycodec.errors import EntropyCodecError

    as_json, out = resolve_json_options(as_json, out)
    rows, failed, warned = [], False, False
    for name in files:
        try:
            if name == "-":
                if sys.stdin is None:
                    raise FileFailed("stdin is closed: nothing to read")
                if _isatty(sys.stdin):
                    raise FileFailed("compressed data cannot be read from a terminal")
                result = read_header(binary_stream(sys.stdin), strict=strict)
            else:
                result = read_header(name, strict=strict)
        except FileFailed as exc:
            click.echo(f"entropycodec: {exc}", err=True)
            failed = True
            continue
        except (EntropyCodecError, OSError) as exc:
            file_error(name, exc)
            failed = True
            continue
        if result.ignored_trailing_offset is not None:
            click.echo(f"entropycodec: {name}: trailing garbage ignored (at offset "
                       f"{result.ignored_trailing_offset})", err=True)
            warned = True
        rows.append((name, result))
    if rows:  # none read: the error lines are all there is to say
        if as_json or out:
            output_json(json_text(info_doc(rows)), as_json, out)
        if not as_json:
            _table(rows, verbose)
    if failed or warned:
        sys.exit(1 if failed else 2)


def info_doc(rows) -> list[dict]:
    """The JSON document of ``info``: one object per file of the (name, ContainerInfo) ``rows``."""
    return [{
        "file": name, "streams": len(result.streams),
        "compressed_size": result.compressed_size,
        "uncompressed_size": result.uncompressed_size, "ratio": result.ratio,
        "coders": result.coder_counts(),
        "ignored_trailing_offset": result.ignored_trailing_offset,
        "blocks": [{"offset": b.offset, "coder": b.coder, "coder_param": b.coder_param,
                    "original_size": b.original_size, "stored_size": b.stored_size,
                    "model_size": b.model_size, "payload_size": b.payload_size,
                    "crc32": f"{b.data_crc:08x}"} for b in result.blocks],
    } for name, result in rows]


def _coders_text(counts: dict) -> str:
    """{'huffman': 2, 'rans': 1} -> 'huffman(2),rans'; '-' when there is no block."""
    return ",".join(f"{name}({n})" if n > 1 else name for name, n in counts.items()) or "-"


def _ratio(r) -> str:
    return f"{r.ratio:.3f}" if r.uncompressed_size else "---"


def _table(rows, verbose: bool) -> None:
    """One line per file (with ``verbose``, a line per block under it) and, for several
    files, a line of totals."""
    head = f"{'Strms':>5} {'Blocks':>6} {'Compressed':>12} {'Uncompressed':>12} {'Ratio':>6}  " \
           f"{'Coders':<22} Filename"
    click.echo(head)
    total_c = total_u = total_b = total_s = 0
    for name, r in rows:
        click.echo(f"{len(r.streams):>5} {len(r.blocks):>6} {human_size(r.compressed_size):>12} "
                   f"{human_size(r.uncompressed_size):>12} {_ratio(r):>6}  "
                   f"{_coders_text(r.coder_counts()):<22} {name}")
        if verbose:
            click.echo(f"  {'Block':>6} {'Offset':>12} {'Coder':<10} {'Original':>12} "
                       f"{'Stored':>12} {'Ratio':>6} {'CRC32':>8}")
            for i, b in enumerate(r.blocks, 1):
                coder = b.coder + (f"/{b.coder_param}" if b.coder in _LEVELLED else "")
                click.echo(f"  {i:>6} {b.offset:>12} {coder:<10} {b.original_size:>12} "
                           f"{b.stored_size:>12} {b.stored_size / b.original_size:>6.3f} "
                           f"{b.data_crc:08x}")
        total_c += r.compressed_size
        total_u += r.uncompressed_size
        total_b += len(r.blocks)
        total_s += len(r.streams)
    if len(rows) > 1:
        ratio = f"{total_c / total_u:.3f}" if total_u else "---"
        click.echo(f"{total_s:>5} {total_b:>6} {human_size(total_c):>12} "
                   f"{human_size(total_u):>12} {ratio:>6}  {'':<22} {len(rows)} files")
