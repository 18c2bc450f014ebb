"""``entropycodec code``: Huffman code tables and prefix-code checks."""

from __future__ import annotations

import click

from entropycodec.cli.options import (
    check_distribution,
    fail,
    json_options,
    json_text,
    output_json,
    parse_numbers,
    parse_pairs,
    resolve_json_options,
)


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


def _check(specs, probs, as_json: bool, out) -> None:
    from entropycodec.coders.prefixcheck import check_prefix_code
    from entropycodec.errors import InvalidInputError

    words = parse_pairs(specs, "SPEC", numeric=False)
    p = None
    if probs is not None:
        if "=" in probs:
            p = parse_pairs([probs], "--p", numeric=True)
            check_distribution(p.values(), "--p")
        else:
            values = parse_numbers(probs, "--p")
            if len(values) != len(words):
                raise click.BadParameter(
                    f"{len(values)} probabilities for {len(words)} code words", param_hint="--p")
            p = dict(zip(words, check_distribution(values, "--p")))
        unknown = set(p) - set(words)
        if unknown:
            raise click.BadParameter(f"no code word for {sorted(unknown)}", param_hint="--p")
    try:
        result = check_prefix_code(words)
    except InvalidInputError as exc:  # the code words come from the command line: misuse
        raise click.BadParameter(str(exc), param_hint="SYMBOL=BITS") from None
    expected = None if p is None else result.expected_length(p)
    if as_json or out:
        doc = {"codewords": result.codewords, "kraft_sum": str(result.kraft_sum),
               "kraft_sum_float": float(result.kraft_sum),
               "prefix_free": result.is_prefix_free,
               "conflicts": [list(c) for c in result.conflicts],
               "uniquely_decodable": result.uniquely_decodable,
               "expected_length_bits_per_symbol": expected,
               "verdict": result.verdict()}
        output_json(json_text(doc), as_json, out)
    if not as_json:
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
@click.option("--from", "from_file", type=click.Path(allow_dash=True),
              help="Count the symbols of FILE ('-' = stdin) instead of taking weights.")
@click.option("--symbols", "mode", type=click.Choice(["bytes", "chars", "words"]),
              default="bytes", show_default=True, help="What a symbol of --from FILE is.")
@click.option("--max-length", type=click.IntRange(1, 64), default=None,
              help="Longest allowed code word (optimal length-limited code, package-merge).")
@click.option("--check", is_flag=True,
              help="Validate the given code words (SYMBOL=0101...) instead of building a code.")
@click.option("--p", "probs", metavar="WEIGHTS",
              help="With --check: probabilities for the expected length ('0.5,0.2' or 'A=0.5,B=0.2').")
@json_options
def code(specs, from_file, mode, max_length, check, probs, as_json, out):
    """Build the Huffman code for the given weights (or a file) and compare it with H.

    The weights are probabilities summing to 1 (within 1e-6) or whole-number
    counts (A=5 B=2 C=2 D=1), the same rule as --p.

    \b
    Examples:
      entropycodec code A=0.5 B=0.2 C=0.2 D=0.1
      entropycodec code --from corpora/abcd.txt --max-length 2
      entropycodec code --check A=0 B=10 C=11 D=111 --p 0.5,0.2,0.2,0.1

    With --check the exit code is 1 when the code is not uniquely decodable.
    """
    as_json, out = resolve_json_options(as_json, out)
    if check:
        if not specs:
            raise click.UsageError("--check needs code words: SYMBOL=BITS ...")
        return _check(specs, probs, as_json, out)
    if probs is not None:
        raise click.UsageError("--p goes with --check (to build a code, give SYMBOL=WEIGHT pairs)")
    if from_file and specs:
        raise click.UsageError("give either SYMBOL=WEIGHT pairs or --from FILE, not both")
    if not (from_file or specs):
        raise click.UsageError("give SYMBOL=WEIGHT pairs or --from FILE")
    from entropycodec.coders.huffman import HuffmanCode
    from entropycodec.errors import InvalidInputError

    if from_file:
        from entropycodec.alphabet import split_symbols

        with click.open_file(from_file, "rb") as fh:
            data = fh.read()
        symbols = split_symbols(data, mode)
        if len(symbols) == 0:
            name = "stdin" if from_file == "-" else from_file
            fail(f"{name} is empty: nothing to build a code from" if not data
                 else f"{name} holds no {mode}: nothing to build a code from")
        distinct = None  # counted only if the code cannot be built
        build = lambda: HuffmanCode.from_data(symbols, max_length=max_length)  # noqa: E731
    else:
        weights = parse_pairs(specs, "SYMBOL=WEIGHT", numeric=True)
        check_distribution(weights.values(), "SYMBOL=WEIGHT")
        distinct = sum(w > 0 for w in weights.values())
        build = lambda: HuffmanCode.from_frequencies(weights, max_length=max_length)  # noqa: E731
    try:
        hc = build()
    except InvalidInputError:
        if max_length is not None:
            distinct = len(set(symbols)) if distinct is None else distinct
            if distinct > 1 << max_length:
                raise click.BadParameter(f"{distinct} symbols need code words longer than "
                                         f"{max_length} bits", param_hint="--max-length") from None
        raise
    report = _code_report(hc)
    if as_json or out:
        output_json(json_text(report), as_json, out)
    if not as_json:
        _print_table(report)
