"""Parsing helpers shared by the subcommands (no numpy at import time)."""

from __future__ import annotations

import math

import click


def parse_numbers(text: str, name: str) -> list[float]:
    """'0.8,0.1,0.1' -> [0.8, 0.1, 0.1]; a BadParameter naming the option otherwise."""
    try:
        return [float(x) for x in text.replace(" ", "").split(",") if x != ""]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers, got {text!r}",
                                 param_hint=name) from None


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
            else:
                out[sym] = value
    return out


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


def emit_json(obj) -> None:
    import json

    click.echo(json.dumps(_finite(obj), indent=2, default=str, allow_nan=False))
