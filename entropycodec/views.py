"""Notebook views of reports and experiment results: HTML, a bar plot, a pandas table.

:class:`~entropycodec.report.Report` shows itself as an HTML table in Jupyter
(``_repr_html_``), draws each coder's bar split into where its bits go
(``plot``) and becomes a pandas DataFrame (``to_frame``); the experiments
return :class:`ExperimentResult`, a ``dict`` (so JSON and every existing key
stay as they are) with the same ``plot()`` and ``to_frame()``. matplotlib and
pandas are imported only by the methods that need them (extras ``plot`` and
``notebook``).

>>> import entropycodec as ec
>>> r = ec.analyze(b"ABCAADABCA" * 100, coders=("huffman", "arithmetic"))
>>> "<table" in r._repr_html_() and "huffman" in r._repr_html_()
True
>>> rows = report_rows(r)
>>> rows[0]["coder"], rows[0]["total_bits"] == r.coders["huffman"].total_bits
('huffman', True)
"""

from __future__ import annotations

import html
import sys

from entropycodec.errors import MissingExtraError

__all__ = ["ExperimentResult", "experiment_rows", "report_figure", "report_frame", "report_html", "report_rows",
           "require_matplotlib"]

# the order the parts are stacked in, bottom up, after the bound n*H(P)
PART_ORDER = ("mismatch", "quantization", "integer_length", "termination", "fixup",
              "adaptation", "context_modelling", "header")
PART_COLORS = {"bound": "#4c72b0", "mismatch": "#dd8452", "quantization": "#55a868",
               "integer_length": "#c44e52", "termination": "#8172b3", "fixup": "#937860",
               "adaptation": "#da8bc3", "context_modelling": "#8c8c8c", "header": "#ccb974"}


PLOT_EXTRA_HINT = "pip install 'entropycodec[plot]'"


def require_matplotlib():
    """Import matplotlib and return ``pyplot``: with the non-interactive Agg backend,
    except inside a Jupyter kernel, whose inline backend shows the figures.

    Raises MissingExtraError (one line, naming the ``plot`` extra) when matplotlib
    is not installed.
    """
    try:
        import matplotlib
    except ImportError:
        raise MissingExtraError(
            f"plotting needs matplotlib, which is not installed: {PLOT_EXTRA_HINT}") from None
    if "ipykernel" not in sys.modules:
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _pandas():
    try:
        import pandas
    except ImportError as exc:
        raise MissingExtraError("to_frame() needs pandas: pip install 'entropycodec[notebook]'") from exc
    return pandas


# -- reports ------------------------------------------------------------------------------

def _parts(report) -> list[str]:
    seen = {p for acc in report.coders.values() for p in acc.overhead_bits}
    return [p for p in PART_ORDER if p in seen] + sorted(seen - set(PART_ORDER))


def report_rows(report) -> list[dict]:
    """One dict per coder: its sizes, its bits per symbol and each part of its overhead."""
    rows = []
    for name, acc in report.coders.items():
        row = {"coder": name, "total_bits": acc.total_bits, "payload_bits": acc.payload_bits,
               "header_bits": acc.header_bits, "bits_per_symbol": acc.bits_per_symbol,
               "bound_bits": report.bound_bits, "alpha": acc.compression_rate,
               "beta": acc.space_saving_rate}
        for part in _parts(report):
            row[part] = acc.overhead_bits.get(part)
        rows.append(row)
    return rows


def report_frame(report):
    """The rows of :func:`report_rows` as a pandas DataFrame indexed by coder."""
    return _pandas().DataFrame(report_rows(report)).set_index("coder")


def report_html(report) -> str:
    """The report as an HTML table: a caption with the bound, one column per coder."""
    accs = list(report.coders.values())
    esc = html.escape
    caption = (f"{esc(report.source or 'data')}: n = {report.n_symbols:,} symbols, "
               f"H(P) = {report.entropy_bits_per_symbol:.6f} bits/symbol, "
               f"bound n&middot;H = {report.bound_bits:,.1f} bits")
    if report.cross_entropy_bits_per_symbol is not None:
        caption += (f"; model Q: H(P,Q) = {report.cross_entropy_bits_per_symbol:.6f}, "
                    f"KL(P||Q) = {report.kl_divergence_bits_per_symbol:.6f}")
    rows = [("total bits", [f"{a.total_bits:,}" for a in accs]),
            ("payload bits", [f"{a.payload_bits:,}" for a in accs]),
            ("header bits", [f"{a.header_bits:,}" for a in accs]),
            ("bits/symbol", [f"{a.bits_per_symbol:.5f}" for a in accs]),
            ("&minus; H(P)", [f"{a.bits_per_symbol - report.entropy_bits_per_symbol:+.5f}" for a in accs]),
            ("alpha = a/a*", [f"{a.compression_rate:.3f}" for a in accs])]
    for part in _parts(report):
        rows.append((f"overhead: {esc(part)}", [f"{a.overhead_bits[part]:,.1f}" if part in a.overhead_bits
                                                else "&ndash;" for a in accs]))
    head = "".join(f"<th>{esc(a.coder)}</th>" for a in accs)
    body = "".join(f"<tr><th style='text-align:left'>{label}</th>"
                   + "".join(f"<td style='text-align:right'>{c}</td>" for c in cells) + "</tr>"
                   for label, cells in rows)
    return (f"<table><caption>{caption}</caption><thead><tr><th></th>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def report_figure(report, ax=None):
    """Each coder's total as a stacked bar: the bound n*H(P) at the bottom, then every part
    of its overhead; a negative part (a coder that learns context beats the order-0 bound)
    is drawn hatched below the running top. A black tick marks each coder's total.
    Returns the Axes."""
    plt = require_matplotlib()
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2 + 1.2 * len(report.coders), 4.2))
    names = list(report.coders)
    n = max(report.n_symbols, 1)
    bound = report.bound_bits / n
    ax.bar(names, [bound] * len(names), color=PART_COLORS["bound"], label="bound n H(P)")
    tops = [bound] * len(names)
    lows = [bound] * len(names)
    for part in _parts(report):
        heights = [report.coders[c].overhead_bits.get(part, 0.0) / n for c in names]
        if all(abs(h) <= 1e-9 * max(bound, 1.0) for h in heights):
            continue  # an all-zero part (or rounding residues) gets no legend entry
        color = PART_COLORS.get(part, "#999999")
        up = [max(h, 0.0) for h in heights]
        down = [min(h, 0.0) for h in heights]
        label = part.replace("_", " ")
        if any(up):
            ax.bar(names, up, bottom=tops, color=color, label=label)
        if any(down):
            ax.bar(names, [-h for h in down], bottom=[t + h for t, h in zip(tops, down)],
                   facecolor="white", edgecolor=color, hatch="//",
                   label=f"{label} (below the bound)")
        tops = [t + h for t, h in zip(tops, heights)]
        lows = [min(low, t) for low, t in zip(lows, tops)]
    totals = [report.coders[c].bits_per_symbol for c in names]
    ax.scatter(names, totals, marker="_", s=900, color="black", zorder=3, label="total")
    ax.set_ylabel("bits per symbol")
    ax.set_title(f"Where the bits go: {report.source or 'data'}", fontsize=10)
    low, high = min(lows + totals), max(tops + totals + [bound])
    pad = 0.1 * (high - low) + 0.02
    ax.set_ylim(max(0.0, low - pad), high + pad / 2)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.figure.tight_layout()
    return ax


# -- experiment results ---------------------------------------------------------------------

def _flatten(prefix: str, value, out: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif not isinstance(value, list):
        out[prefix] = value


def experiment_rows(result: dict) -> list[dict]:
    """One flat dict per point of an experiment ("coders.rans.bits_per_symbol" style keys):
    the points of mismatch and length, the points of every skew series (with its
    alphabet size), the files of corpus."""
    if "series" in result:
        items = [dict(point, alphabet_size=s["alphabet_size"])
                 for s in result["series"] for point in s["points"]]
    else:
        items = result.get("points") or result.get("files") or []
    rows = []
    for item in items:
        row: dict = {}
        _flatten("", item, row)
        rows.append(row)
    return rows


class ExperimentResult(dict):
    """An experiment's result: the JSON-ready ``dict`` it always was, plus ``plot()``
    and ``to_frame()`` for notebooks."""

    def plot(self):
        """The experiment's figure (a matplotlib Figure), as ``--plot`` draws it."""
        import importlib

        module = importlib.import_module(f"entropycodec.experiments.{self['experiment']}")
        return getattr(module, f"{self['experiment']}_figure")(self)

    def to_frame(self):
        """:func:`experiment_rows` as a pandas DataFrame."""
        return _pandas().DataFrame(experiment_rows(self))
