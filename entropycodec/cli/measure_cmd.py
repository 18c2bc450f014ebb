"""``entropycodec measure``: H(p), H(q), H(p,q), KL both ways and JSD."""

from __future__ import annotations

import math

import click

from .options import emit_json, parse_numbers

_BASES = {"bits": 2.0, "nats": math.e, "hartleys": 10.0}


@click.command()
@click.option("--p", "p_text", required=True, metavar="WEIGHTS",
              help="True distribution p: comma-separated probabilities or counts.")
@click.option("--q", "q_text", metavar="WEIGHTS", help="Model q, same length as p.")
@click.option("--unit", type=click.Choice(list(_BASES)), default="bits", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def measure(p_text, q_text, unit, as_json):
    """Information measures of p (and of p coded with the model q).

    \b
    Example:
      entropycodec measure --p 0.8,0.1,0.1 --q 0.2,0.2,0.6 --unit nats
    """
    from entropycodec import measures as m

    base = _BASES[unit]
    p = parse_numbers(p_text, "--p")
    out = {"unit": unit, "H(p)": m.entropy(p, base)}
    if q_text:
        q = parse_numbers(q_text, "--q")
        out.update({
            "H(q)": m.entropy(q, base),
            "H(p,q)": m.cross_entropy(p, q, base),
            "KL(p||q)": m.kl_divergence(p, q, base),
            "KL(q||p)": m.kl_divergence(q, p, base),
            "JSD(p,q)": m.js_divergence(p, q, base),
        })
    if as_json:
        emit_json({k: (v if not isinstance(v, float) or math.isfinite(v) else "inf")
                   for k, v in out.items()})
        return
    for key, value in out.items():
        if key != "unit":
            click.echo(f"{key:<9} {value:.4f} {unit}")
