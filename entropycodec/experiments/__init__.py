"""Bits-vs-entropy experiments: each returns its raw numbers as a JSON-ready dict and can
draw them (``plot_*``, needs the ``plot`` extra). The command line runs them as
``entropycodec experiment NAME`` (``--json`` prints the numbers, ``--out FILE``
writes them, ``--plot FILE`` draws the figure).

=================  ==========================================================
experiment         question
=================  ==========================================================
``mismatch``       coding P with Q_t = (1-t) P + t R: do the coders pay H(P, Q_t)?
``skew``           Huffman's redundancy on skewed sources, against its bounds
``length``         finite-length overhead (header, termination) as n grows
``corpus``         H0/H1/H2 and every coder's bits per byte and speed on files
``seed_examples``  the worked examples of information theory, computed
``predictions``    a classifier's held-out labels coded with its predictions:
                   the cross-entropy loss is the compressed size
``ngram``          an order-k byte model of one text coding another: rate,
                   H_k, KL and the model's size for k = 0..5
=================  ==========================================================

>>> from entropycodec.experiments import run_skew
>>> r = run_skew(n=1000, binary_p=[0.9], alphabet_sizes=(), seed=0)
>>> r["series"][0]["points"][0]["coders"]["huffman"]["bits_per_symbol"]
1.0
"""

from __future__ import annotations

from entropycodec.lazy import lazy_names

_EXPORTS = {
    "run_mismatch": "mismatch",
    "plot_mismatch": "mismatch",
    "run_skew": "skew",
    "plot_skew": "skew",
    "run_length": "length",
    "plot_length": "length",
    "run_corpus": "corpus",
    "plot_corpus": "corpus",
    "corpus_table": "corpus",
    "seed_examples": "examples",
    "examples_markdown": "examples",
    "run_predictions": "predictions",
    "plot_predictions": "predictions",
    "predictions_table": "predictions",
    "run_ngram": "ngram",
    "plot_ngram": "ngram",
    "ngram_table": "ngram",
    "write_json": "output",
    "to_json": "output",
    "MissingExtraError": "output",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_names(globals(), __name__, _EXPORTS, __all__)
