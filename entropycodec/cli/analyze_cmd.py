"""``entropycodec analyze``: the bit accounting report of a file's symbols."""

from __future__ import annotations

import click

from entropycodec.cli.options import json_options, json_text, output_json, resolve_json_options
from entropycodec.coders import BYTES_ONLY_CODERS, SYMBOL_CODERS


def _load_model(path: str, mode: str):
    """A model file: JSON {symbol: probability}, or a list of 256 byte probabilities.

    The probabilities must sum to 1 (within entropycodec.measures.PROBABILITY_SUM_TOLERANCE);
    for bytes, keys are read by entropycodec.alphabet.byte_value (65, "65", "0x41", "A").
    Every problem is an InvalidInputError naming the file (exit 1).
    """
    import json

    from entropycodec.alphabet import byte_weights
    from entropycodec.errors import InvalidInputError
    from entropycodec.measures import check_probabilities

    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if isinstance(doc, list):
        if mode != "bytes" or len(doc) != 256:
            raise InvalidInputError(f"{path}: a list model must hold 256 byte probabilities "
                                    "(with --symbols bytes)")
        doc = dict(enumerate(doc))
    elif not isinstance(doc, dict) or not doc:
        raise InvalidInputError(f"{path}: expected a JSON object {{symbol: probability}}")
    for key, value in doc.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidInputError(f"{path}: the probability of {key!r} is not a number: "
                                    f"{json.dumps(value)}")
    try:
        check_probabilities(list(doc.values()), path)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{exc}; --model takes probabilities (for counts, use "
                                "--model-from with a sample file)") from None
    if mode != "bytes":
        return doc
    try:
        return byte_weights(doc)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{path}: {exc}") from None


def _load_npy(path: str, what: str):
    """A numpy .npy array, read with allow_pickle=False (InvalidInputError otherwise)."""
    import numpy as np

    from entropycodec.errors import InvalidInputError

    try:
        with click.open_file(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    if not raw.startswith(b"\x93NUMPY"):
        raise InvalidInputError(f"{path}: not a numpy .npy file of {what} (numpy.save writes one)")
    try:
        import io

        return np.load(io.BytesIO(raw), allow_pickle=False)
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except (ValueError, EOFError) as exc:
        raise InvalidInputError(f"{path}: not a numpy .npy array of {what} ({exc})") from None


def _split(raw: bytes, mode: str, what: str):
    from entropycodec.alphabet import split_symbols
    from entropycodec.errors import InvalidInputError

    try:
        return split_symbols(raw, mode)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{what}: {exc} (--symbols bytes)") from None


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--model-from", "model_from", type=click.Path(dir_okay=False),
              help="Code FILE with the model (symbol counts) of OTHER.")
@click.option("--model", "model_json", type=click.Path(dir_okay=False),
              help="Code FILE with the model in a JSON file {symbol: probability}; the "
                   "probabilities must sum to 1 (within 1e-6). Byte keys: 65, \"65\", \"0x41\" "
                   "or \"A\". Used by huffman, arithmetic and rans (adaptive and cm learn their own).")
@click.option("--symbols", "mode", type=click.Choice(["bytes", "chars", "words"]),
              default="bytes", show_default=True,
              help="Symbols are bytes, UTF-8 characters or whitespace-separated words.")
@click.option("--coders", default=None,
              help="Comma-separated coders to run [default: all; cm only for bytes].")
@click.option("--scale-bits", "scale_bits", type=click.IntRange(1, 24), default=None,
              help="Precision of the arithmetic and rANS models, 2^N [default: 16 for up to "
                   "4096 symbols, more for larger alphabets (at most 24)].")
@click.option("--smoothing", metavar="escape|EPS",
              help="Code symbols the model lacks: 'escape' or an additive floor EPS in (0,1).")
@click.option("--contexts", type=click.IntRange(0, 3), default=3, show_default=True,
              help="Also report the conditional entropies H1..HK of the data.")
@click.option("--predictions", type=click.Path(dir_okay=False),
              help="FILE is LABELS.npy (integers 0..k-1); code them with the per-position "
                   "probabilities in PROBS.npy (n x k), as a classifier predicted them.")
@click.option("--logits", is_flag=True,
              help="With --predictions: the rows are logits (a softmax makes them probabilities).")
@click.option("--context-order", "context_order", type=click.IntRange(1, 8), default=None,
              help="Code FILE with a static order-K context model fitted to it, and show "
                   "n*H(X|k) beside each model's description for k = 0..K.")
@json_options
def analyze(file, model_from, model_json, mode, coders, scale_bits, smoothing, contexts,
            predictions, logits, context_order, as_json, out):
    """Code FILE with each coder and show where every bit goes.

    For each coder: the payload, the header, the total, alpha = a/a* (original over
    compressed) and beta = (a-a*)/a* (space saving), and the overhead over n*H(P)
    split into model mismatch, quantization, integer code lengths, termination and
    header. The original a is 8 bits per byte, or for chars and words a
    fixed-length code of ceil(log2 k) bits per symbol (not the file's size, which
    is shown beside it).

    With --predictions (a classifier's probabilities, a row per label) or
    --context-order K, the bound is the model's own sum -log2 q_i(x_i): its
    cross-entropy H(P,Q), the cross-entropy loss of deep learning in bits. The
    parts over it are quantization, termination and header; H(P) of the labels'
    marginal is shown beside it.

    \b
    Examples:
      entropycodec analyze corpora/abcd_iid.txt
      entropycodec analyze book.txt --symbols words --json
      entropycodec analyze a.txt --model-from b.txt --smoothing escape
      entropycodec analyze labels.npy --predictions probs.npy
      entropycodec analyze book.txt --context-order 2
    """
    from entropycodec.models.counts import FrequencyTable
    from entropycodec.report import analyze as run_analysis

    if model_from and model_json:
        raise click.UsageError("give --model-from or --model, not both")
    if logits and not predictions:
        raise click.UsageError("--logits describes the rows of --predictions")
    if predictions or context_order:
        if model_from or model_json or smoothing is not None or scale_bits is not None:
            raise click.UsageError("--predictions and --context-order bring their own model: "
                                   "leave out --model, --model-from, --smoothing and --scale-bits")
        if predictions and context_order:
            raise click.UsageError("give --predictions or --context-order, not both")
        as_json, out = resolve_json_options(as_json, out)
        report = _model_report(file, predictions, logits, context_order, mode, coders)
        if as_json or out:
            output_json(json_text(report.to_dict()), as_json, out)
        if not as_json:
            click.echo(report.to_text())
        return
    as_json, out = resolve_json_options(as_json, out)
    if smoothing is not None and not (model_from or model_json):
        raise click.UsageError("--smoothing smooths a model: give --model or --model-from "
                               "(without one, Q = P codes every symbol)")
    names = None
    if coders is not None:
        names = tuple(c.strip() for c in coders.split(",") if c.strip())
        unknown = [c for c in names if c not in SYMBOL_CODERS]
        if unknown or not names:
            raise click.BadParameter(f"unknown coder(s) {unknown}; choose from {', '.join(SYMBOL_CODERS)}",
                                     param_hint="--coders")
        bytes_only = [c for c in names if c in BYTES_ONLY_CODERS]
        if bytes_only and mode != "bytes":
            raise click.BadParameter(f"{', '.join(bytes_only)} codes bytes only: use --symbols "
                                     f"bytes, or leave it out", param_hint="--coders")
    with click.open_file(file, "rb") as fh:
        raw = fh.read()
    symbols = _split(raw, mode, file)
    model = None
    if model_from:
        with open(model_from, "rb") as fh:
            model = FrequencyTable.from_data(_split(fh.read(), mode, model_from))
    elif model_json:
        model = _load_model(model_json, mode)
    report = run_analysis(symbols, model=model, coders=names, scale_bits=scale_bits,
                          smoothing=smoothing, contexts=contexts, source=file,
                          source_size=len(raw))
    if as_json or out:
        output_json(json_text(report.to_dict()), as_json, out)
    if not as_json:
        click.echo(report.to_text())


def _model_report(file, predictions, logits, context_order, mode, coders):
    """The report of FILE under a per-position model (--predictions, --context-order)."""
    import numpy as np

    from entropycodec.coders import FREQUENCY_CODERS
    from entropycodec.errors import InvalidInputError
    from entropycodec.report import analyze as run_analysis

    names = FREQUENCY_CODERS
    if coders is not None:
        names = tuple(c.strip() for c in coders.split(",") if c.strip())
        bad = [c for c in names if c not in FREQUENCY_CODERS]
        if bad or not names:
            raise click.BadParameter(f"a per-position model is coded by "
                                     f"{', '.join(FREQUENCY_CODERS)}, not {bad}",
                                     param_hint="--coders")
    if predictions:
        from entropycodec.models.positional import Categorical

        labels = _load_npy(file, "labels")
        rows = _load_npy(predictions, "predictions")
        if labels.ndim != 1:
            raise InvalidInputError(f"{file}: labels must be one-dimensional, got shape {labels.shape}")
        if rows.ndim != 2:
            raise InvalidInputError(f"{predictions}: predictions must be n x k, got shape {rows.shape}")
        if rows.shape[0] != labels.size:
            raise InvalidInputError(f"{predictions} has {rows.shape[0]} rows and {file} "
                                    f"{labels.size} labels")
        model = Categorical(rows, logits=logits)
        return run_analysis(labels, model=model, coders=names, source=file)
    from entropycodec.models.context import ContextModel

    with click.open_file(file, "rb") as fh:
        raw = fh.read()
    if mode == "bytes":
        symbols = raw
    else:
        from entropycodec.alphabet import Alphabet

        seq = _split(raw, mode, file)
        alphabet = Alphabet.from_symbols(seq)
        symbols = np.asarray(alphabet.to_indices(seq), dtype=np.int64)
    return run_analysis(symbols, model=ContextModel(order=context_order), coders=names,
                        source=file, source_size=len(raw))
