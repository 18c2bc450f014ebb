"""``entropycodec code``: Huffman code tables and prefix-code checks."""

from __future__ import annotations

import click

from .options import emit_json, parse_numbers, parse_pairs


def _fmt(x, digits=4) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _code_report(code) -> dict:
    from entropycodec.alphabet import display_symbol

    rows = code.table()
    for r in rows:
        r["symbol"] = display_symbol(r["symbol"], code.alphabet.is_bytes)
    h = code.entropy_bits_per_symbol
    el = code.expected_length()
    return {
        "symbols": rows,
        "entropy_bits_per_symbol": h,
        "expected_length_bits_per_symbol": el,
        "redundancy_bits_per_symbol": el - h,
        "kraft_sum": str(code.kraft_sum),
        "max_length": code.max_length,
    }


def _print_table(report: dict) -> None:
    rows = report["symbols"]
    wsym = max([6] + [len(str(r["symbol"])) for r in rows])
    wcode = max([8] + [len(r["codeword"]) for r in rows])
    click.echo(f"{'symbol':<{wsym}}  {'p':>8}  {'-log2 p':>8}  {'codeword':<{wcode}}  {'length':>6}")
    for r in rows:
        click.echo(f"{str(r['symbol']):<{wsym}}  {_fmt(r['probability']):>8}  "
                   f"{_fmt(r['information_bits'], 3):>8}  {r['codeword']:<{wcode}}  {r['length']:>6}")
    click.echo("")
    click.echo(f"entropy H          {report['entropy_bits_per_symbol']:.4f} bits/symbol")
    click.echo(f"expected length L  {report['expected_length_bits_per_symbol']:.4f} bits/symbol")
    click.echo(f"redundancy L - H   {report['redundancy_bits_per_symbol']:.4f} bits/symbol")
    click.echo(f"Kraft sum          {report['kraft_sum']}")


def _check(specs, probs, as_json: bool) -> None:
    from entropycodec.prefixcheck import check_prefix_code

    words = parse_pairs(specs, "SPEC", numeric=False)
    result = check_prefix_code(words)
    expected = None
    if probs:
        if "=" in probs:
            p = parse_pairs([probs], "--p", numeric=True)
        else:
            values = parse_numbers(probs, "--p")
            if len(values) != len(words):
                raise click.BadParameter(
                    f"{len(values)} probabilities for {len(words)} code words", param_hint="--p")
            p = dict(zip(words, values))
        unknown = set(p) - set(words)
        if unknown:
            raise click.BadParameter(f"no code word for {sorted(unknown)}", param_hint="--p")
        expected = result.expected_length(p)
    if as_json:
        emit_json({"codewords": result.codewords, "kraft_sum": str(result.kraft_sum),
                   "kraft_sum_float": float(result.kraft_sum),
                   "prefix_free": result.is_prefix_free,
                   "conflicts": [list(c) for c in result.conflicts],
                   "uniquely_decodable": result.uniquely_decodable,
                   "expected_length_bits_per_symbol": expected,
                   "verdict": result.verdict()})
    else:
        for sym, w in result.codewords.items():
            click.echo(f"{sym}  {w}")
        click.echo(f"Kraft sum: {result.kraft_sum} = {float(result.kraft_sum):g}")
        click.echo(f"prefix-free: {'yes' if result.is_prefix_free else 'no'}")
        for a, b in result.conflicts:
            click.echo(f"  conflict: {a} = {words[a]} is a prefix of {b} = {words[b]}")
        click.echo(f"uniquely decodable: {'yes' if result.uniquely_decodable else 'no'}")
        if expected is not None:
            click.echo(f"expected length: {expected:.4f} bits/symbol")
        click.echo(result.verdict())
    if not result.uniquely_decodable:
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("specs", nargs=-1, metavar="[SYMBOL=WEIGHT]...")
@click.option("--from", "from_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Count the symbols of FILE ('-' = stdin) instead of taking weights.")
@click.option("--symbols", "mode", type=click.Choice(["bytes", "chars", "words"]),
              default="bytes", show_default=True, help="What a symbol of --from FILE is.")
@click.option("--max-length", type=click.IntRange(1, 64), default=None,
              help="Longest allowed code word (optimal length-limited code, package-merge).")
@click.option("--check", is_flag=True,
              help="Validate the given code words (SYMBOL=0101...) instead of building a code.")
@click.option("--p", "probs", metavar="WEIGHTS",
              help="With --check: probabilities for the expected length ('0.5,0.2' or 'A=0.5,B=0.2').")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def code(specs, from_file, mode, max_length, check, probs, as_json):
    """Build the Huffman code for the given weights (or a file) and compare it with H.

    \b
    Examples:
      entropycodec code A=0.5 B=0.2 C=0.2 D=0.1
      entropycodec code --from corpora/abcd.txt --max-length 2
      entropycodec code --check A=0 B=10 C=11 D=111 --p 0.5,0.2,0.2,0.1

    With --check the exit code is 1 when the code is not uniquely decodable.
    """
    if check:
        if not specs:
            raise click.UsageError("--check needs code words: SYMBOL=BITS ...")
        return _check(specs, probs, as_json)
    from entropycodec.huffman import HuffmanCode

    if from_file and specs:
        raise click.UsageError("give either SYMBOL=WEIGHT pairs or --from FILE, not both")
    if from_file:
        from entropycodec.alphabet import split_symbols

        with click.open_file(from_file, "rb") as fh:
            data = fh.read()
        symbols = split_symbols(data, mode)
        if len(symbols) == 0:
            raise click.UsageError(f"{from_file} is empty: nothing to build a code from")
        hc = HuffmanCode.from_data(symbols, max_length=max_length)
    elif specs:
        weights = parse_pairs(specs, "SPEC", numeric=True)
        hc = HuffmanCode.from_frequencies(weights, max_length=max_length)
    else:
        raise click.UsageError("give SYMBOL=WEIGHT pairs or --from FILE")
    if not hc.lengths:
        raise click.UsageError("all weights are zero: nothing to code")
    report = _code_report(hc)
    if as_json:
        emit_json(report)
    else:
        _print_table(report)
