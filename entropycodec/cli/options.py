"""Parsing and output helpers shared by the subcommands (no numpy at import time).

The rules every subcommand follows (docs/cli.md states them for users):

* Exit codes: a bad option value (not a number, an empty field, an unknown
  choice, probabilities that do not sum to 1) is misuse, exit 2 through
  :class:`click.BadParameter`; a file that does not exist or cannot be read or
  written, and data that cannot be coded, is exit 1 through :func:`fail` (one
  line, ``entropycodec: error: ...``).
* Distributions on the command line (:func:`parse_distribution`): probabilities
  summing to 1 within :data:`SUM_TOLERANCE`, or whole-number counts.
* JSON: ``--json`` prints it on stdout instead of the text report; ``--out FILE``
  writes the same JSON to FILE (:func:`json_options`, :func:`output_json`).
* The file commands (compress, decompress, test, info) take their FILEs as
  :data:`INPUT_PATH`, report a file that fails as one line naming it
  (:func:`file_error`) and go on with the next.
"""

from __future__ import annotations

import math
from pathlib import Path

import click

#: How far from 1 the sum of probabilities given on the command line may be (messages say 1e-6).
SUM_TOLERANCE = 1e-6


#: FILE arguments of the file commands. Inputs are checked when opened, one by one: click's
#: readability check would turn one unreadable file into a usage error (exit 2) that stops
#: every other file.
INPUT_PATH = click.Path(allow_dash=True, readable=False)


def fail(message: str):
    """Stop the command with exit code 1 and the one line ``entropycodec: error: MESSAGE``."""
    from entropycodec.cli.main import CommandFailed

    raise CommandFailed(f"error: {message}")


def file_error(name: str, exc: BaseException) -> None:
    """Report that file ``name`` failed, as the one line ``entropycodec: NAME: MESSAGE`` on
    stderr (the OS's text for an OSError); the command goes on with the next file."""
    text = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
    click.echo(f"entropycodec: {name}: {text}", err=True)


def _num(x: float) -> str:
    """A number as a user writes it: 0.5, -0.5, 1.1, 3 (never np.float64(...))."""
    return f"{float(x):.10g}"


def split_fields(text: str, name: str, *, allow_empty: bool = False) -> list[str]:
    """'0.8, 0.1,0.1' -> ['0.8', '0.1', '0.1']; an empty field ('0.5,,0.5') is an error.

    An empty ``text`` is an error too, unless ``allow_empty`` (then: no fields).
    """
    text = text.strip()
    if not text:
        if allow_empty:
            return []
        raise click.BadParameter("expected comma-separated numbers, got ''", param_hint=name)
    fields = [x.strip() for x in text.split(",")]
    if "" in fields:
        raise click.BadParameter(f"empty field (number {fields.index('') + 1}) in {text!r}",
                                 param_hint=name)
    return fields


def parse_numbers(text: str, name: str, *, allow_empty: bool = False) -> list[float]:
    """'0.8,0.1,0.1' -> [0.8, 0.1, 0.1]; a BadParameter naming the option otherwise."""
    out = []
    for field in split_fields(text, name, allow_empty=allow_empty):
        try:
            value = float(field)
        except ValueError:
            raise click.BadParameter(f"expected comma-separated numbers, got {text!r}",
                                     param_hint=name) from None
        if not math.isfinite(value):
            raise click.BadParameter(f"{field!r} is not a finite number", param_hint=name)
        out.append(value)
    return out


def parse_ints(text: str, name: str, *, low: int, high: int, allow_empty: bool = False) -> list[int]:
    """'3,4,8' -> [3, 4, 8], each a whole number in [low, high]."""
    out = []
    for value in parse_numbers(text, name, allow_empty=allow_empty):
        if value != int(value) or not low <= value <= high:
            raise click.BadParameter(f"expected whole numbers in {low}..{high}, got {_num(value)}",
                                     param_hint=name)
        out.append(int(value))
    return out


def check_distribution(values, name: str) -> list[float]:
    """Validate the weights of a distribution given on the command line and return them.

    The rule: the values are non-negative and not all zero, and either all are
    whole numbers (counts, any total: '2,1,1') or they are probabilities whose sum
    is 1 within SUM_TOLERANCE ('0.5,0.25,0.25'). '0.5,0.6' is refused, not rescaled.
    """
    values = [float(v) for v in values]
    for v in values:
        if v < 0:
            raise click.BadParameter(f"negative value {_num(v)}", param_hint=name)
    total = math.fsum(values)
    if total == 0:
        raise click.BadParameter("all values are zero", param_hint=name)
    if all(v == int(v) for v in values):
        return values  # counts
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise click.BadParameter(
            f"the probabilities sum to {_num(total)}, not 1 (within 1e-6); "
            "give probabilities that sum to 1, or whole-number counts", param_hint=name)
    return values


def parse_distribution(text: str, name: str) -> list[float]:
    """'0.8,0.1,0.1' or '8,1,1' -> the weights, by the rule of :func:`check_distribution`."""
    return check_distribution(parse_numbers(text, name), name)


def parse_pairs(items, name: str, *, numeric: bool) -> dict:
    """['A=0.5', 'B=0.2'] (or one 'A=0.5,B=0.2') -> {'A': 0.5, 'B': 0.2}."""
    out: dict = {}
    for item in items:
        for part in item.split(",") if "," in item and "=" in item else [item]:
            sym, sep, value = part.rpartition("=")
            if not sep or not sym:
                raise click.BadParameter(f"expected SYMBOL=VALUE, got {part!r}", param_hint=name)
            if sym in out:
                raise click.BadParameter(f"symbol {sym!r} given twice", param_hint=name)
            if numeric:
                try:
                    out[sym] = float(value)
                except ValueError:
                    raise click.BadParameter(f"{value!r} is not a number (in {part!r})",
                                             param_hint=name) from None
                if not math.isfinite(out[sym]):
                    raise click.BadParameter(f"{value!r} is not a finite number (in {part!r})",
                                             param_hint=name)
            else:
                out[sym] = value
    return out


def check_output_path(path) -> None:
    """Refuse, before any work, an output FILE that cannot be created (exit 1, one line).

    Nothing is created: a missing directory is an error, as for ``cp x /no/such/dir/y``.
    ``None`` and ``-`` (stdout) pass.
    """
    if path is None or str(path) == "-":
        return
    path = Path(path)
    if path.is_dir():
        fail(f"is a directory: {path}")
    parent = path.parent
    if not parent.exists():
        fail(f"no such directory: {parent}")
    if not parent.is_dir():
        fail(f"not a directory: {parent}")


def json_options(func):
    """Add ``--json`` (JSON on stdout instead of the text) and ``--out FILE`` (JSON to FILE)."""
    func = click.option(
        "--out", "out", type=click.Path(allow_dash=True), metavar="FILE",
        help="Also write the JSON to FILE ('-' = stdout, the same as --json).")(func)
    return click.option("--json", "as_json", is_flag=True,
                        help="Print JSON on stdout instead of the text report.")(func)


def resolve_json_options(as_json: bool, out) -> tuple[bool, str | None]:
    """(print JSON on stdout?, FILE to write it to or None), ``--out -`` meaning ``--json``.

    Checks FILE's directory (exit 1 if it cannot be created there) before any work.
    """
    if out is not None and str(out) == "-":
        return True, None
    check_output_path(out)
    return as_json, out


def output_json(text: str, as_json: bool, out) -> None:
    """Write the JSON ``text`` to ``out`` (a path or None) and, with ``as_json``, to stdout."""
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
    if as_json:
        click.echo(text, nl=False)
    if out is not None:
        click.echo(f"JSON written to {out}", err=True)


def _finite(obj):
    """``obj`` with every non-finite float spelled as a string ("inf", "-inf", "nan"):
    JSON (RFC 8259) has no Infinity or NaN, and jq and most parsers refuse them."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def json_text(obj) -> str:
    """``obj`` as indented JSON text ending with a newline (non-finite floats as strings)."""
    import json

    return json.dumps(_finite(obj), indent=2, default=str, allow_nan=False) + "\n"


def emit_json(obj, out=None) -> None:
    """Print ``obj`` as JSON on stdout (and, with ``out``, write it to that file too)."""
    output_json(json_text(obj), True, out)
