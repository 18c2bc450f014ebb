"""Every model a coder can code with, behind the protocols of :mod:`.protocol`.

* :mod:`.counts` -- :class:`FrequencyTable` (symbol counts over an alphabet),
  :func:`quantize_counts` (counts to integer frequencies at a scale) and the
  quantization loss they cost;
* :mod:`.static` -- :class:`StaticModel`, one quantized table for every position;
* :mod:`.adaptive` -- :class:`AdaptiveModel`, counts that learn while coding;
* :mod:`.positional` -- :class:`PositionalModel` (a distribution per position) and
  :class:`Categorical` (a classifier's predictions: a row per position);
* :mod:`.quantized` -- :class:`QuantizedGaussian`, :class:`QuantizedLaplace`,
  :class:`QuantizedLogistic` (a neural codec's integer latents);
* :mod:`.context` -- :class:`ContextModel`, the static order-k context model;
* :mod:`.positional_kernels`, :mod:`.cdf_tables` -- their integer frequencies, exactly;
* :mod:`.histogram_kernels` -- the byte histogram kernel the counts use.

Names load on first use, so ``import entropycodec.models.protocol`` (the
container's format layer) imports no numpy.

>>> from entropycodec.models import FrequencyTable
>>> FrequencyTable.from_data("ABCAADABCA").quantize(4).freqs.tolist()
[8, 3, 3, 2]
"""

from __future__ import annotations

from entropycodec.lazy import lazy_names

_EXPORTS = {
    "FrequencyModel": "protocol",
    "IntervalModel": "protocol",
    "MAX_SCALE_BITS": "protocol",
    "MAX_TOTAL": "protocol",
    "FrequencyTable": "counts",
    "quantize_counts": "counts",
    "quantization_loss": "counts",
    "StaticModel": "static",
    "AdaptiveModel": "adaptive",
    "PositionalModel": "positional",
    "Categorical": "positional",
    "QuantizedGaussian": "quantized",
    "QuantizedLaplace": "quantized",
    "QuantizedLogistic": "quantized",
    "ContextModel": "context",
    "context_tradeoff": "context",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_names(globals(), __name__, _EXPORTS, __all__)
