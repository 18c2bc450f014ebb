"""``entropycodec measure``: H(p), H(q), H(p,q), KL both ways and JSD."""

from __future__ import annotations

import math

import click

from entropycodec.cli.options import (
    json_options,
    json_text,
    output_json,
    parse_distribution,
    resolve_json_options,
)

_BASES = {"bits": 2.0, "nats": math.e, "hartleys": 10.0}


@click.command()
@click.option("--p", "p_text", required=True, metavar="WEIGHTS",
              help="True distribution p: comma-separated probabilities summing to 1, "
                   "or whole-number counts.")
@click.option("--q", "q_text", metavar="WEIGHTS", help="Model q, same length and rule as p.")
@click.option("--unit", type=click.Choice(list(_BASES)), default="bits", show_default=True)
@json_options
def measure(p_text, q_text, unit, as_json, out):
    """Information measures of p (and of p coded with the model q).

    H(p) is the entropy; with q: H(q), the cross-entropy H(p,q) (the cost of
    coding p with a code built for q), the KL divergences both ways and the
    Jensen-Shannon divergence. Probabilities must sum to 1 (within 1e-6);
    whole-number counts such as 8,1,1 are normalized.

    \b
    Example:
      entropycodec measure --p 0.8,0.1,0.1 --q 0.2,0.2,0.6 --unit nats
    """
    as_json, out = resolve_json_options(as_json, out)
    p = parse_distribution(p_text, "--p")
    q = None
    if q_text is not None:
        q = parse_distribution(q_text, "--q")
        if len(q) != len(p):
            raise click.BadParameter(f"{len(q)} values for the {len(p)} of --p", param_hint="--q")
    from entropycodec import measures as m

    base = _BASES[unit]
    report = {"unit": unit, "H(p)": m.entropy(p, base)}
    if q is not None:
        report.update({
            "H(q)": m.entropy(q, base),
            "H(p,q)": m.cross_entropy(p, q, base),
            "KL(p||q)": m.kl_divergence(p, q, base),
            "KL(q||p)": m.kl_divergence(q, p, base),
            "JSD(p,q)": m.js_divergence(p, q, base),
        })
    if as_json or out:
        output_json(json_text(report), as_json, out)
    if not as_json:
        for key, value in report.items():
            if key != "unit":
                click.echo(f"{key:<9} {value:.4f} {unit}")
