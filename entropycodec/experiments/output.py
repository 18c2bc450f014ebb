"""What every experiment shares: JSON output, the optional matplotlib import, coders, progress.

* :func:`to_json` / :func:`write_json`: the raw numbers as JSON with stable key
  order and floats rounded to 12 significant digits, so that the same seed gives
  byte-identical files on one machine (timings, where an experiment records
  them, are the only non-deterministic values and are kept under keys named
  ``seconds`` or ``mb_per_s``).
* :func:`require_matplotlib`: plots need only the ``plot`` extra; without it
  the caller gets one :class:`MissingExtraError` line naming the extra.
* :func:`check_coders`: the coder names an experiment was given, checked
  against the ones it can run (names from :mod:`entropycodec.coders`).
* :func:`progress`: a progress bar on stderr, only when stderr is a terminal.

>>> to_json({"b": 1 / 3, "a": [float("inf"), 2]})
'{\\n  "b": 0.333333333333,\\n  "a": [\\n    "inf",\\n    2\\n  ]\\n}\\n'
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from pathlib import Path

from entropycodec.errors import EntropyCodecError, InvalidInputError, MissingExtraError
from entropycodec.views import PLOT_EXTRA_HINT, require_matplotlib

__all__ = [
    "PLOT_EXTRA_HINT",
    "MissingExtraError",
    "check_coders",
    "progress",
    "require_matplotlib",
    "save_figure",
    "to_json",
    "write_json",
]



def _clean(obj):
    """JSON-ready copy: finite floats rounded to 12 significant digits, inf/nan as strings."""
    if isinstance(obj, float):
        if math.isnan(obj):
            return "nan"
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return float(f"{obj:.12g}")
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):  # numpy scalar or array
        return _clean(obj.tolist())
    return obj


def to_json(result: dict) -> str:
    """The result as indented JSON text, ending with a newline."""
    return json.dumps(_clean(result), indent=2) + "\n"


def write_json(result: dict, out) -> None:
    """Write ``result`` as JSON to the path ``out`` ("-" or None: stdout).

    No directory is created: a missing one raises FileNotFoundError, as ``open`` does.
    """
    text = to_json(result)
    if out is None or str(out) == "-":
        sys.stdout.write(text)
        return
    Path(out).write_text(text, encoding="utf-8")


def save_figure(fig, path) -> Path:
    """Save a matplotlib figure as PNG or SVG (chosen by the suffix) and close it.

    No directory is created: a missing one raises FileNotFoundError, as ``open`` does.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise EntropyCodecError(f"plot file must end in .png or .svg, got {path.name!r}")
    if not path.parent.is_dir():
        import matplotlib.pyplot as plt

        plt.close(fig)
        raise FileNotFoundError(2, "No such file or directory", str(path.parent))
    # fixed metadata so that regenerated figures do not differ by a timestamp
    metadata = {"Software": None} if suffix == ".png" else {"Date": None, "Creator": None}
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata=metadata)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def check_coders(coders, allowed, experiment: str) -> list[str]:
    """The coder names of ``coders`` (one name or an iterable of names), as a list.

    ``allowed``: the coders the experiment can run, a tuple of
    :mod:`entropycodec.coders`; any other name is an InvalidInputError naming them.

    >>> check_coders("rans", ("huffman", "rans"), "skew")
    ['rans']
    >>> check_coders(["huffman", "lzw"], ("huffman", "rans"), "skew")
    Traceback (most recent call last):
    ...
    entropycodec.errors.InvalidInputError: the skew experiment runs the coders huffman, rans; got 'lzw'
    """
    names = [coders] if isinstance(coders, str) else list(coders)
    bad = [name for name in names if name not in allowed]
    if bad:
        raise InvalidInputError(f"the {experiment} experiment runs the coders {', '.join(allowed)}; "
                                f"got {', '.join(map(repr, bad))}")
    return names


@contextlib.contextmanager
def progress(total: int, label: str, *, enabled: bool = True):
    """A click progress bar on stderr when it is a terminal, else a silent stand-in.

    Yields an object with ``update(steps)``.
    """
    if not enabled or not getattr(sys.stderr, "isatty", lambda: False)():
        yield _NoProgress()
        return
    import click

    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar


class _NoProgress:
    def update(self, steps: int = 1) -> None:
        pass
