"""``entropycodec analyze``: the bit accounting report of a file's symbols."""

from __future__ import annotations

import click

from .options import emit_json

_CODERS = ("huffman", "arithmetic", "rans", "adaptive", "cm")
_DEFAULT = {"bytes": _CODERS, "chars": _CODERS[:4], "words": _CODERS[:4]}


def _load_model(path: str, mode: str):
    """A model file: JSON {symbol: weight}, or a list of 256 weights for bytes."""
    import json

    from entropycodec.errors import InvalidInputError

    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(doc, list):
        if mode != "bytes" or len(doc) != 256:
            raise InvalidInputError(f"{path}: a list model must hold 256 byte weights")
        return {i: w for i, w in enumerate(doc)}
    if not isinstance(doc, dict) or not doc:
        raise InvalidInputError(f"{path}: expected a JSON object {{symbol: weight}}")
    if mode != "bytes":
        return doc
    model = {}
    for key, w in doc.items():
        if len(key) == 1 and ord(key) < 256:
            model[ord(key)] = w
        elif key.lower().startswith("0x"):
            model[int(key, 16)] = w
        else:
            raise InvalidInputError(
                f"{path}: byte symbols are single characters or 0xNN, got {key!r}")
    return model


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--model-from", "model_from", type=click.Path(dir_okay=False, exists=True),
              help="Code FILE with the model (symbol counts) of OTHER.")
@click.option("--model", "model_json", type=click.Path(dir_okay=False, exists=True),
              help="Code FILE with the model in a JSON file {symbol: probability}.")
@click.option("--symbols", "mode", type=click.Choice(["bytes", "chars", "words"]),
              default="bytes", show_default=True,
              help="Symbols are bytes, UTF-8 characters or whitespace-separated words.")
@click.option("--coders", default=None,
              help="Comma-separated coders to run [default: all; cm only for bytes].")
@click.option("--smoothing", metavar="escape|EPS",
              help="Code symbols the model lacks: 'escape' or an additive floor EPS in (0,1).")
@click.option("--contexts", type=click.IntRange(0, 3), default=3, show_default=True,
              help="Also report the conditional entropies H1..HK of the data.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def analyze(file, model_from, model_json, mode, coders, smoothing, contexts, as_json):
    """Code FILE with each coder and show where every bit goes.

    For each coder: the payload, the header, the total, alpha (original / compressed)
    and beta (space saving), and the overhead over n*H(P) split into model mismatch,
    quantization, integer code lengths, termination and header.

    \b
    Examples:
      entropycodec analyze corpora/abcd_iid.txt
      entropycodec analyze book.txt --symbols words --json
      entropycodec analyze a.txt --model-from b.txt --smoothing escape
    """
    from entropycodec.alphabet import split_symbols
    from entropycodec.frequency import FrequencyTable
    from entropycodec.report import analyze as run_analysis

    if model_from and model_json:
        raise click.UsageError("give --model-from or --model, not both")
    if smoothing is not None and not (model_from or model_json):
        raise click.UsageError("--smoothing smooths a model: give --model or --model-from "
                               "(without one, Q = P codes every symbol)")
    names = _DEFAULT[mode] if coders is None else tuple(
        c.strip() for c in coders.split(",") if c.strip())
    unknown = [c for c in names if c not in _CODERS]
    if unknown or not names:
        raise click.BadParameter(f"unknown coder(s) {unknown}; choose from {', '.join(_CODERS)}",
                                 param_hint="--coders")
    with click.open_file(file, "rb") as fh:
        symbols = split_symbols(fh.read(), mode)
    model = None
    if model_from:
        with open(model_from, "rb") as fh:
            model = FrequencyTable.from_data(split_symbols(fh.read(), mode))
    elif model_json:
        model = _load_model(model_json, mode)
    report = run_analysis(symbols, model=model, coders=names, smoothing=smoothing,
                          contexts=contexts, source=file)
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(report.to_text())
