"""``entropycodec experiment``: the bits-vs-entropy experiments (JSON numbers, optional plots).

Nothing heavy is imported here: numpy, numba and matplotlib load only when an
experiment runs, so ``entropycodec --help`` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import parse_numbers

_SEED = click.option("--seed", type=int, default=0, show_default=True,
                     help="Seed of the random samples; the same seed gives the same JSON.")
_OUT = click.option("--out", "out", type=click.Path(dir_okay=False, allow_dash=True),
                    default="-", show_default=True, metavar="FILE.json",
                    help="Where to write the JSON numbers ('-' = stdout; with a file, a "
                         "short summary goes to stdout).")
_PLOT = click.option("--plot", "plot", type=click.Path(dir_okay=False), metavar="OUT.png|OUT.svg",
                     help="Also draw the figure (needs the 'plot' extra: matplotlib).")
_QUIET = click.option("-q", "--quiet", is_flag=True, help="No progress bar.")


def _check_plot_path(plot) -> None:
    """Fail before the (possibly long) run when the figure cannot be written."""
    if plot is None:
        return
    if Path(plot).suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter("the figure file must end in .png or .svg", param_hint="--plot")
    from entropycodec.experiments.output import require_matplotlib

    require_matplotlib()


def _coders(text: str, allowed) -> tuple:
    names = tuple(c.strip() for c in text.split(",") if c.strip())
    bad = [c for c in names if c not in allowed]
    if bad or not names:
        raise click.BadParameter(f"unknown coder(s) {bad}; choose from {', '.join(allowed)}",
                                 param_hint="--coders")
    return names


def _finish(result: dict, out: str, summary: str, plot, plotter) -> None:
    from entropycodec.experiments.output import write_json

    write_json(result, out)
    if out != "-":
        click.echo(summary)
        click.echo(f"numbers written to {out}", err=True)
    if plot:
        plotter(result, plot)
        click.echo(f"figure written to {plot}", err=True)


@click.group()
def experiment():
    """Bits-vs-entropy experiments: raw numbers as JSON, figures with --plot.

    Each experiment is deterministic given --seed. See docs/cli.md for what each
    one measures and docs/theory.md for the theory it checks.
    """


@experiment.command()
@click.option("--p", "p_text", default="0.8,0.1,0.1", show_default=True, metavar="WEIGHTS",
              help="Source distribution P (comma-separated probabilities or counts).")
@click.option("--data", "data_file", type=click.Path(dir_okay=False, exists=True),
              help="Code the bytes of this file instead of sampling P (P = their distribution).")
@click.option("--model-from", "model_from", type=click.Path(dir_okay=False, exists=True),
              help="Mix towards this file's byte distribution instead of the uniform one.")
@click.option("--n", "n", type=click.IntRange(1, 10**8), default=100_000, show_default=True,
              help="Number of symbols sampled from P.")
@click.option("--steps", type=click.IntRange(2, 1001), default=11, show_default=True,
              help="Number of t values, evenly spaced in [0, 1].")
@click.option("--coders", default="huffman,arithmetic,rans", show_default=True,
              help="Comma-separated coders.")
@_SEED
@_OUT
@_PLOT
@_QUIET
def mismatch(p_text, data_file, model_from, n, steps, coders, seed, out, plot, quiet):
    """Code data from P with Q_t = (1-t) P + t U: measured rate against H(P, Q_t).

    U is the uniform distribution (or, with --model-from, another file's). The
    arithmetic and rANS rates sit on the cross-entropy H(P, Q_t) = H(P) + KL(P||Q_t);
    Huffman's never drops below H(P).

    \b
    Examples:
      entropycodec experiment mismatch --p 0.8,0.1,0.1 --plot mismatch.png
      entropycodec experiment mismatch --data a.txt --model-from b.txt --out ab.json
    """
    from entropycodec.experiments.mismatch import plot_mismatch, run_mismatch

    _check_plot_path(plot)
    names = _coders(coders, ("huffman", "arithmetic", "rans"))
    p = parse_numbers(p_text, "--p")
    data = Path(data_file).read_bytes() if data_file else None
    ref = Path(model_from).read_bytes() if model_from else None
    result = run_mismatch(p, data=data, model_from=ref, n=n, steps=steps, seed=seed,
                          coders=names, show_progress=not quiet)
    lines = [f"{'t':>5} {'H(P,Q_t)':>9} " + " ".join(f"{c:>10}" for c in names)]
    for pt in result["points"]:
        lines.append(f"{pt['t']:>5.2f} {pt['empirical_cross_entropy_bits_per_symbol']:>9.4f} "
                     + " ".join(f"{pt['coders'][c]['bits_per_symbol']:>10.4f}" for c in names
                                if c in pt["coders"]))
    lines.append("bits per symbol; H(P,Q_t) of the sample")
    _finish(result, out, "\n".join(lines), plot, plot_mismatch)


@experiment.command()
@click.option("--n", "n", type=click.IntRange(1, 10**8), default=100_000, show_default=True,
              help="Symbols sampled per source.")
@click.option("--binary-p", "binary_p", metavar="LIST",
              default="0.5,0.6,0.7,0.8,0.9,0.95,0.98,0.99,0.995,0.999", show_default=True,
              help="Probabilities of the likelier symbol of the binary sources, in [0.5, 1).")
@click.option("--sizes", "sizes", default="3,4,8", show_default=True, metavar="LIST",
              help="Alphabet sizes of the small-alphabet series ('' for none).")
@_SEED
@_OUT
@_PLOT
@_QUIET
def skew(n, binary_p, sizes, seed, out, plot, quiet):
    """Huffman's redundancy from uniform to extremely skewed sources, with its bounds.

    On a binary source Huffman spends 1 bit per symbol however small the entropy;
    arithmetic coding and rANS stay on the entropy. Drawn bounds: Gallager's
    p_max + 0.086 and 2 - p_max - h(p_max) for p_max >= 1/2.

    \b
    Example:
      entropycodec experiment skew --plot skew.png --out skew.json
    """
    from entropycodec.experiments.skew import plot_skew, run_skew

    _check_plot_path(plot)
    bp = parse_numbers(binary_p, "--binary-p")
    ks = [int(k) for k in parse_numbers(sizes, "--sizes")]
    result = run_skew(n=n, binary_p=bp, alphabet_sizes=ks, seed=seed, show_progress=not quiet)
    lines = [f"{'k':>3} {'p_max':>6} {'H':>7} {'huffman':>8} {'arith':>8} {'rans':>8} {'bound':>7}"]
    for s in result["series"]:
        for pt in s["points"]:
            c = pt["coders"]
            red = [c[x]["redundancy_bits_per_symbol"] if x in c else float("nan")
                   for x in ("huffman", "arithmetic", "rans")]
            bound = pt["pmax_half_bound"] if pt["pmax_half_bound"] is not None else pt["gallager_bound"]
            lines.append(f"{s['alphabet_size']:>3} {pt['p_max']:>6.3f} "
                         f"{pt['empirical_entropy_bits_per_symbol']:>7.4f} "
                         + " ".join(f"{v:>8.4f}" for v in red) + f" {bound:>7.4f}")
    lines.append("redundancy = rate - H in bits per symbol; bound = tightest known Huffman bound")
    _finish(result, out, "\n".join(lines), plot, plot_skew)


@experiment.command()
@click.option("--max-n", "max_n", type=click.IntRange(10, 10**7), default=10**6,
              show_default=True, help="Longest message (symbols).")
@click.option("--full", is_flag=True, help="Go up to 10**7 symbols (slower).")
@click.option("--coders", default="huffman,arithmetic,rans,adaptive,cm", show_default=True,
              help="Comma-separated coders.")
@_SEED
@_OUT
@_PLOT
@_QUIET
def length(max_n, full, coders, seed, out, plot, quiet):
    """Finite-length overhead (header + termination) in bits per symbol, n = 10 .. 10**6.

    \b
    Example:
      entropycodec experiment length --plot length.png --out length.json
      entropycodec experiment length --full          # up to 10**7 symbols
    """
    from entropycodec.experiments.length import plot_length, run_length

    _check_plot_path(plot)
    names = _coders(coders, ("huffman", "arithmetic", "rans", "adaptive", "cm"))
    result = run_length(max_n=10**7 if full else max_n, seed=seed, coders=names,
                        show_progress=not quiet)
    cols = list(result["points"][0]["coders"]) if result["points"] else []
    lines = [f"{'n':>9} " + " ".join(f"{c:>11}" for c in cols)]
    for pt in result["points"]:
        lines.append(f"{pt['n']:>9} " + " ".join(
            f"{pt['coders'][c]['fixed_bits_per_symbol']:>11.5f}" for c in cols))
    lines.append("(header + termination) / n in bits per symbol")
    _finish(result, out, "\n".join(lines), plot, plot_length)


@experiment.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--methods", default="huffman,arithmetic,rans,adaptive,cm,zlib-9,bz2-9,lzma-9",
              show_default=True, help="Comma-separated methods.")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, show_default=True,
              help="Time each method this many times and keep the best.")
@click.option("--cm-level", "cm_level", type=click.IntRange(1, 9), default=8, show_default=True,
              help="Memory level of the cm coder.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "csv"]), default="text",
              show_default=True, help="Format of the table printed on stdout.")
@click.option("--out", "out", type=click.Path(dir_okay=False), metavar="FILE.json",
              help="Also write the raw numbers as JSON.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Also write the table as CSV.")
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False),
              help="Also write the table as Markdown.")
@_PLOT
@_QUIET
def corpus(paths, methods, repeat, cm_level, fmt, out, csv_path, md_path, plot, quiet):
    """H0/H1/H2 and every coder's bits per byte and speed on files (or directories of files).

    Methods: our huffman, arithmetic, rans, adaptive (order 0) and cm (context
    mixing), and the standard library's zlib, bz2 and lzma at level 9. Speed is
    MB/s of encoding; delta = t_zlib / t_method (above 1: faster than zlib -9).

    \b
    Example:
      entropycodec experiment corpus corpora/ --out corpus.json --plot corpus.png
    """
    from entropycodec.experiments.corpus import corpus_table, plot_corpus, run_corpus
    from entropycodec.experiments.output import write_json

    _check_plot_path(plot)
    names = tuple(m.strip() for m in methods.split(",") if m.strip())
    result = run_corpus(paths, methods=names, repeat=repeat, cm_level=cm_level,
                        show_progress=not quiet)
    click.echo(corpus_table(result, fmt), nl=False)
    for path, f in ((csv_path, "csv"), (md_path, "markdown")):
        if path:
            Path(path).write_text(corpus_table(result, f), encoding="utf-8")
            click.echo(f"{f} table written to {path}", err=True)
    if out:
        write_json(result, out)
        click.echo(f"numbers written to {out}", err=True)
    if plot:
        plot_corpus(result, plot)
        click.echo(f"figure written to {plot}", err=True)
    for name, why in result["skipped_coders"].items():
        click.echo(f"skipped {name}: {why}", err=True)


@experiment.command("seed-examples")
@click.option("--json", "as_json", is_flag=True, help="Print the tables as JSON.")
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the tables as a Markdown page ('-' = stdout).")
@_SEED
def seed_examples_cmd(as_json, md_path, seed):
    """The worked examples of information theory, computed by the tool itself.

    Fair coin and die, a bent coin, p = 0.8/0.1/0.1 coded with q = 0.2/0.2/0.6,
    four colours, two boxes, A/B/C/D with Huffman and a code that is not uniquely
    decodable, and one-hot cross-entropies.

    \b
    Example:
      entropycodec experiment seed-examples
    """
    from entropycodec.experiments.examples import examples_markdown, examples_text, seed_examples
    from entropycodec.experiments.output import to_json

    result = seed_examples(seed=seed)
    if md_path:
        text = examples_markdown(result)
        if md_path == "-":
            sys.stdout.write(text)
        else:
            Path(md_path).write_text(text, encoding="utf-8")
            click.echo(f"Markdown written to {md_path}", err=True)
        return
    click.echo(to_json(result) if as_json else examples_text(result), nl=False)
