"""``entropycodec experiment``: the bits-vs-entropy experiments (text summary, JSON, plots).

Nothing heavy is imported here: numpy, numba and matplotlib load only when an
experiment runs, so ``entropycodec --help`` stays instant.

Output, as for every subcommand: a text summary on stdout, or the JSON itself
with ``--json``; ``--out FILE`` also writes the JSON to FILE; ``--plot`` draws
the figure. Every output file is checked before the (possibly long) run, and
no missing directory is created.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from entropycodec.cli.options import (
    check_output_path,
    fail,
    json_options,
    output_json,
    parse_distribution,
    parse_ints,
    parse_numbers,
    resolve_json_options,
)
from entropycodec.cli.scheduler import SCHEDULER_OPTION
from entropycodec.coders import MODEL_CODERS, SYMBOL_CODERS

_SEED = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Seed of the random samples; the same seed gives the same JSON.")
_PLOT = click.option("--plot", "plot", type=click.Path(), metavar="OUT.png|OUT.svg",
                     help="Also draw the figure (needs the 'plot' extra: matplotlib).")
_QUIET = click.option("-q", "--quiet", is_flag=True, help="No progress bar.")


def _check_plot_path(plot) -> None:
    """Fail before the (possibly long) run when the figure cannot be written."""
    if plot is None:
        return
    if Path(plot).suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter("the figure file must end in .png or .svg", param_hint="--plot")
    check_output_path(plot)
    from entropycodec.experiments.output import require_matplotlib

    require_matplotlib()


def _names(text: str, allowed, hint: str = "--coders", what: str = "coder") -> tuple:
    names = tuple(c.strip() for c in text.split(",") if c.strip())
    bad = [c for c in names if c not in allowed]
    if bad or not names:
        raise click.BadParameter(f"unknown {what}(s) {bad}; choose from {', '.join(allowed)}",
                                 param_hint=hint)
    return names


def _read_input(path: str, purpose: str) -> bytes:
    """The bytes of an input file; a missing, unreadable or empty file is exit 1."""
    data = Path(path).read_bytes()
    if not data:
        fail(f"{path} is empty: {purpose}")
    return data


def _finish(result: dict, as_json: bool, out, summary: str, plot, plotter) -> None:
    """JSON to stdout (--json) and/or FILE (--out), else the summary; then the figure."""
    from entropycodec.experiments.output import to_json

    if as_json or out:
        output_json(to_json(result), as_json, out)
    if not as_json:
        click.echo(summary.rstrip("\n"))
    if plot:
        plotter(result, plot)
        click.echo(f"figure written to {plot}", err=True)


@click.group()
def experiment():
    """Bits-vs-entropy experiments: a summary table, the raw numbers as JSON, figures.

    \b
    mismatch       cost of coding data from P with a wrong model Q_t: the
                   measured rate against the cross-entropy H(P, Q_t)
    skew           Huffman's redundancy from uniform to very skewed sources,
                   against its known bounds (arithmetic and rANS beside it)
    length         fixed costs (model header, termination) in bits per
                   symbol as the message grows from 10 symbols
    corpus         entropies H0/H1/H2 of files and every coder's bits per
                   byte and speed (with zlib, bz2 and lzma)
    seed-examples  the textbook examples of information theory, computed
    predictions    a classifier's held-out labels coded with its predicted
                   probabilities: the loss curve is a compressed-size curve
    ngram          an order-k byte model of one text coding another, k = 0..5:
                   rate, cross-entropy, H_k, KL and the model's own size

    Each prints a summary on stdout; --json prints the JSON instead and
    --out FILE writes it to FILE. The same --seed gives the same JSON.
    """


@experiment.command()
@click.option("--p", "p_text", default="0.8,0.1,0.1", show_default=True, metavar="WEIGHTS",
              help="Source distribution P over the symbols 0..k-1: probabilities summing to 1, "
                   "or whole-number counts.")
@click.option("--data", "data_file", type=click.Path(),
              help="Code the bytes of this file instead of sampling P (P = their distribution).")
@click.option("--model-from", "model_from", type=click.Path(),
              help="Mix towards this file's byte distribution instead of the uniform one.")
@click.option("--n", "n", type=click.IntRange(1, 10**8), default=100_000, show_default=True,
              help="Number of symbols sampled from P.")
@click.option("--steps", type=click.IntRange(2, 1001), default=11, show_default=True,
              help="Number of t values, evenly spaced in [0, 1].")
@click.option("--coders", default=",".join(MODEL_CODERS), show_default=True,
              help="Comma-separated coders.")
@_SEED
@json_options
@_PLOT
@_QUIET
def mismatch(p_text, data_file, model_from, n, steps, coders, seed, as_json, out, plot, quiet):
    """Code data from P with Q_t = (1-t) P + t U: measured rate against H(P, Q_t).

    U is the uniform distribution (or, with --model-from, another file's). The
    arithmetic and rANS rates sit on the cross-entropy H(P, Q_t) = H(P) + KL(P||Q_t);
    Huffman's never drops below H(P).

    \b
    Examples:
      entropycodec experiment mismatch --p 0.8,0.1,0.1 --plot mismatch.png
      entropycodec experiment mismatch --data a.txt --model-from b.txt --out ab.json
    """
    as_json, out = resolve_json_options(as_json, out)
    _check_plot_path(plot)
    names = _names(coders, MODEL_CODERS)
    p = parse_distribution(p_text, "--p")
    if len(p) > 256:
        raise click.BadParameter(f"{len(p)} symbols; at most 256 are supported", param_hint="--p")
    data = _read_input(data_file, "nothing to code") if data_file else None
    ref = _read_input(model_from, "no distribution to mix towards") if model_from else None
    if data is None and ref is not None and max(ref) >= len(p):
        fail(f"{model_from} has byte values >= {len(p)}, outside the {len(p)} symbols of P")
    from entropycodec.experiments.mismatch import plot_mismatch, run_mismatch

    result = run_mismatch(p, data=data, model_from=ref, n=n, steps=steps, seed=seed,
                          data_name=Path(data_file).name if data_file else None,
                          model_from_name=Path(model_from).name if model_from else None,
                          coders=names, show_progress=not quiet)
    lines = [f"{'t':>5} {'H(P,Q_t)':>9} " + " ".join(f"{c:>10}" for c in names)]
    for pt in result["points"]:
        lines.append(f"{pt['t']:>5.2f} {pt['empirical_cross_entropy_bits_per_symbol']:>9.4f} "
                     + " ".join(f"{pt['coders'][c]['bits_per_symbol']:>10.4f}" for c in names
                                if c in pt["coders"]))
    lines.append("bits per symbol; H(P,Q_t) of the sample")
    _finish(result, as_json, out, "\n".join(lines), plot, plot_mismatch)


@experiment.command()
@click.option("--n", "n", type=click.IntRange(1, 10**8), default=100_000, show_default=True,
              help="Symbols sampled per source.")
@click.option("--binary-p", "binary_p", metavar="LIST",
              default="0.5,0.6,0.7,0.8,0.9,0.95,0.98,0.99,0.995,0.999", show_default=True,
              help="Probabilities of the likelier symbol of the binary sources, in [0.5, 1) "
                   "('' for none).")
@click.option("--sizes", "sizes", default="3,4,8", show_default=True, metavar="LIST",
              help="Alphabet sizes 2..256 of the small-alphabet series ('' for none).")
@_SEED
@json_options
@_PLOT
@_QUIET
def skew(n, binary_p, sizes, seed, as_json, out, plot, quiet):
    """Huffman's redundancy from uniform to extremely skewed sources, with its bounds.

    On a binary source Huffman spends 1 bit per symbol however small the entropy;
    arithmetic coding and rANS stay on the entropy. Drawn bounds: Gallager's
    p_max + 0.086 and 2 - p_max - h(p_max) for p_max >= 1/2.

    \b
    Example:
      entropycodec experiment skew --plot skew.png --out skew.json
    """
    as_json, out = resolve_json_options(as_json, out)
    _check_plot_path(plot)
    bp = parse_numbers(binary_p, "--binary-p", allow_empty=True)
    for x in bp:
        if not 0.5 <= x < 1:
            raise click.BadParameter(f"{x:g} is not in [0.5, 1)", param_hint="--binary-p")
    ks = parse_ints(sizes, "--sizes", low=2, high=256, allow_empty=True)
    if not bp and not ks:
        raise click.UsageError("--binary-p and --sizes are both empty: nothing to run")
    from entropycodec.experiments.skew import plot_skew, run_skew

    result = run_skew(n=n, binary_p=bp, alphabet_sizes=ks, seed=seed, show_progress=not quiet)
    names = result["params"]["coders"]
    widths = [max(8, len(x)) for x in names]
    lines = [f"{'k':>3} {'p_max':>6} {'H':>7} " + " ".join(f"{x:>{w}}" for x, w in zip(names, widths))
             + f" {'bound':>7}"]
    for s in result["series"]:
        for pt in s["points"]:
            c = pt["coders"]
            red = [c[x]["redundancy_bits_per_symbol"] if x in c else float("nan") for x in names]
            bound = pt["pmax_half_bound"] if pt["pmax_half_bound"] is not None else pt["gallager_bound"]
            lines.append(f"{s['alphabet_size']:>3} {pt['p_max']:>6.3f} "
                         f"{pt['empirical_entropy_bits_per_symbol']:>7.4f} "
                         + " ".join(f"{v:>{w}.4f}" for v, w in zip(red, widths)) + f" {bound:>7.4f}")
    lines.append("redundancy = rate - H in bits per symbol; bound = tightest known Huffman bound")
    _finish(result, as_json, out, "\n".join(lines), plot, plot_skew)


@experiment.command()
@click.option("--max-n", "max_n", type=click.IntRange(10, 10**7), default=10**6,
              show_default=True, help="Longest message (symbols).")
@click.option("--full", is_flag=True, help="Go up to 10**7 symbols (slower).")
@click.option("--coders", default=",".join(SYMBOL_CODERS), show_default=True,
              help="Comma-separated coders.")
@_SEED
@json_options
@_PLOT
@_QUIET
def length(max_n, full, coders, seed, as_json, out, plot, quiet):
    """Finite-length overhead (header + termination) in bits per symbol, n = 10 .. 10**6.

    The messages are prefixes of one seeded sample over A, B, C, D with
    p = 0.5/0.2/0.2/0.1. A coder's fixed costs (its model header and the bits
    that end its stream) fall like 1/n per symbol; the adaptive and cm coders
    send no model and pay for learning it instead (their total overhead).

    \b
    Example:
      entropycodec experiment length --plot length.png --out length.json
      entropycodec experiment length --full          # up to 10**7 symbols
    """
    as_json, out = resolve_json_options(as_json, out)
    _check_plot_path(plot)
    names = _names(coders, SYMBOL_CODERS)
    from entropycodec.experiments.length import length_table, plot_length, run_length

    result = run_length(max_n=10**7 if full else max_n, seed=seed, coders=names,
                        show_progress=not quiet)
    _finish(result, as_json, out, length_table(result), plot, plot_length)


@experiment.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--methods", default=",".join((*SYMBOL_CODERS, "zlib-9", "bz2-9", "lzma-9")),
              show_default=True, help="Comma-separated methods.")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, show_default=True,
              help="Time each method this many times and keep the best.")
@click.option("--cm-level", "cm_level", type=click.IntRange(1, 9), default=None,
              help="Memory level of the cm coder [default: the cm coder's default level, "
                   "the one 'compress --coder cm' uses].")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "csv"]), default="text",
              show_default=True, help="Format of the table printed on stdout.")
@json_options
@click.option("--csv", "csv_path", type=click.Path(), metavar="FILE", help="Also write the table as CSV.")
@click.option("--markdown", "md_path", type=click.Path(), metavar="FILE", help="Also write the table as Markdown.")
@_PLOT
@_QUIET
@SCHEDULER_OPTION
def corpus(paths, methods, repeat, cm_level, fmt, as_json, out, csv_path, md_path, plot, quiet,
           scheduler):
    """H0/H1/H2 and every coder's bits per byte and speed on files (or directories of files).

    Methods: our huffman, arithmetic, rans, adaptive (order 0) and cm (context
    mixing), and the standard library's zlib, bz2 and lzma at level 9. Speed is
    MB/s of encoding; delta = t_zlib / t_method (above 1: faster than zlib -9).

    \b
    Example:
      entropycodec experiment corpus corpora/ --out corpus.json --plot corpus.png
    """
    as_json, out = resolve_json_options(as_json, out)
    for path in (csv_path, md_path):
        check_output_path(path)
    _check_plot_path(plot)
    from entropycodec.experiments.corpus import CORPUS_METHODS, corpus_table, plot_corpus, run_corpus
    from entropycodec.experiments.output import to_json

    names = _names(methods, CORPUS_METHODS, "--methods", "method")
    if scheduler is not None:  # one task per file on a Dask cluster; loads dask only now
        from entropycodec.cli.scheduler import run_corpus as run_on_cluster

        result = run_on_cluster(scheduler, paths, methods=names, repeat=repeat, cm_level=cm_level)
    else:
        result = run_corpus(paths, methods=names, repeat=repeat, cm_level=cm_level,
                            show_progress=not quiet)
    if as_json or out:
        output_json(to_json(result), as_json, out)
    if not as_json:
        click.echo(corpus_table(result, fmt), nl=False)
    for path, f in ((csv_path, "csv"), (md_path, "markdown")):
        if path:
            Path(path).write_text(corpus_table(result, f), encoding="utf-8")
            click.echo(f"{f} table written to {path}", err=True)
    if plot:
        plot_corpus(result, plot)
        click.echo(f"figure written to {plot}", err=True)


@experiment.command("seed-examples")
@json_options
@click.option("--markdown", "md_path", type=click.Path(allow_dash=True), metavar="FILE",
              help="Write the tables as a Markdown page ('-' = stdout, instead of the text).")
@_SEED
def seed_examples_cmd(as_json, out, md_path, seed):
    """The worked examples of information theory, computed by the tool itself.

    Fair coin and die, a bent coin, p = 0.8/0.1/0.1 coded with q = 0.2/0.2/0.6,
    four colours, two boxes, A/B/C/D with Huffman and a code that is not uniquely
    decodable, and one-hot cross-entropies.

    \b
    Example:
      entropycodec experiment seed-examples
    """
    as_json, out = resolve_json_options(as_json, out)
    if as_json and md_path == "-":
        raise click.UsageError("--json and --markdown - both print on stdout: choose one")
    check_output_path(md_path)
    from entropycodec.experiments.examples import examples_markdown, examples_text, seed_examples
    from entropycodec.experiments.output import to_json

    result = seed_examples(seed=seed)
    if as_json or out:
        output_json(to_json(result), as_json, out)
    if md_path == "-":
        sys.stdout.write(examples_markdown(result))
    elif not as_json:
        click.echo(examples_text(result), nl=False)
    if md_path and md_path != "-":
        Path(md_path).write_text(examples_markdown(result), encoding="utf-8")
        click.echo(f"Markdown written to {md_path}", err=True)


@experiment.command()
@click.option("--steps", type=click.IntRange(1, 1000), default=30, show_default=True,
              help="Training steps (one pass over the training samples each).")
@click.option("--hidden", default="", metavar="SIZES",
              help="Hidden layer sizes of the MLP, e.g. 32 or 64,32 [default: none, i.e. "
                   "softmax (multinomial logistic) regression].")
@click.option("--test-fraction", "test_fraction", type=click.FloatRange(0.05, 0.95), default=0.3,
              show_default=True, help="Share of the samples held out and coded.")
@click.option("--coders", default="arithmetic,rans", show_default=True,
              help="Comma-separated coders.")
@_SEED
@json_options
@_PLOT
@_QUIET
def predictions(steps, hidden, test_fraction, coders, seed, as_json, out, plot, quiet):
    """Code a classifier's held-out labels with its predictions, step after step.

    A classifier (scikit-learn's MLPClassifier) learns the bundled digits data set;
    after each training step its predicted probabilities code the held-out labels
    (one row per label). The cross-entropy loss it reports, in nats, divided by
    ln 2 is the code length in bits per label; the measured payload of the
    arithmetic and rANS coders sits on it, plus the reported overheads. Needs the
    'predictions' extra (scikit-learn).

    \b
    Example:
      entropycodec experiment predictions --plot predictions.png --out predictions.json
      entropycodec experiment predictions --hidden 32 --steps 40
    """
    as_json, out = resolve_json_options(as_json, out)
    _check_plot_path(plot)
    names = _names(coders, ("arithmetic", "rans"))
    sizes = tuple(parse_ints(hidden, "--hidden", low=1, high=4096, allow_empty=True))
    from entropycodec.experiments.predictions import plot_predictions, predictions_table, run_predictions

    result = run_predictions(steps=steps, seed=seed, hidden=sizes, test_fraction=test_fraction,
                             coders=names, show_progress=not quiet)
    _finish(result, as_json, out, predictions_table(result), plot, plot_predictions)


@experiment.command()
@click.option("--train", "train", type=click.Path(), metavar="FILE",
              help="Text the model is fitted to [default: alice29.txt of the Canterbury corpus "
                   "at ../shared/corpora, or $ENTROPYCODEC_CORPORA].")
@click.option("--test", "test", type=click.Path(), metavar="FILE",
              help="Text coded with it [default: asyoulik.txt, beside alice29.txt].")
@click.option("--orders", default="0,1,2,3,4,5", show_default=True, metavar="LIST",
              help="Context orders k (0..8).")
@click.option("--coders", default="arithmetic", show_default=True,
              help="Comma-separated coders (arithmetic, rans).")
@json_options
@_PLOT
@_QUIET
def ngram(train, test, orders, coders, as_json, out, plot, quiet):
    """An order-k byte model trained on one text, coding another and itself.

    For each k: the test text's cross-entropy under the training text's model and
    the coder's measured bits per char, the test's own conditional entropy H_k,
    their gap KL(P_test || Q_train) (it grows with k: overfitting), the training
    text coded with its own model, and the model's size (its description per
    test char, if it had to be sent). A default run takes about 20 s, most of it
    fitting the order-4 and order-5 models.

    \b
    Example:
      entropycodec experiment ngram --plot ngram.png
      entropycodec experiment ngram --train a.txt --test b.txt --orders 0,1,2,3
    """
    as_json, out = resolve_json_options(as_json, out)
    _check_plot_path(plot)
    names = _names(coders, ("arithmetic", "rans"))
    ks = parse_ints(orders, "--orders", low=0, high=8)
    train_data = _read_input(train, "no text to fit the model to") if train else None
    test_data = _read_input(test, "nothing to code") if test else None
    from entropycodec.experiments.ngram import default_texts, ngram_table, plot_ngram, run_ngram

    if train_data is None or test_data is None:
        default_train, default_test = default_texts()
        train_data = default_train if train_data is None else train_data
        test_data = default_test if test_data is None else test_data
    result = run_ngram(train=train_data, test=test_data, orders=ks, coders=names,
                       train_name=Path(train).name if train else None,
                       test_name=Path(test).name if test else None, show_progress=not quiet)
    _finish(result, as_json, out, ngram_table(result), plot, plot_ngram)
