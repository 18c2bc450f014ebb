"""Experiment ``ngram``: an order-k character model trained on one text and used to code another.

Question: an order-k byte model (the distribution of the next byte given the k
bytes before it) is fitted to a training text and then codes a test text, for
k = 0..5. How many bits per character does the arithmetic coder spend, against
the model's cross-entropy, and when does a longer context stop paying?

For every order k the record holds, for the test text and for the training text
itself (``self``: the same model coding the text it was fitted to):

* ``cross_entropy_bits_per_char``: H(P, Q_train) = mean -log2 q(x_i | k previous)
  under the model's float probabilities;
* ``coded_cross_entropy_bits_per_char``: the same for the integer frequencies the
  coder uses (quantization may *lower* it: one slot in 2**16 is more than the
  smoothing gives a byte never seen in a context), and the measured
  ``bits_per_char`` of each coder (8 * len(payload) / n) with its round trip;
* ``conditional_entropy_bits_per_char``: H_k of the text itself, the empirical
  conditional entropy of a byte given its k predecessors (an order-k model
  fitted to that very text, its description not counted);
* ``kl_bits_per_char`` = cross-entropy - H_k >= 0: KL(P_text || Q_train), what
  coding with the training text's statistics costs beyond the text's own. On
  the test text it grows with k: the overfitting curve; on the training text
  it is only what the smoothing costs. ``coded_kl_bits_per_char``: the same
  for the integer model (also >= 0: it is an order-k model too).

And the model's own size: ``description_bits`` of the model as it codes
(order 0: the .ec container's frequency table; order k: the context model
description, docs/format.md, which lists all 256 smoothed frequencies of every
context), ``compact_description_bits`` of the unsmoothed counts (only the bytes
seen in each context, as ``ContextModel.fit(train, k)`` describes them: a
lower estimate of what a smarter format for the smoothed model would take), and
the test's bits per char if the model had to be sent with it.

The model: order 0 is :class:`~entropycodec.models.positional.Categorical` with
add-one smoothed byte counts of the training text; order k >= 1 is
``ContextModel.fit(train, k, floor=True)`` (counts smoothed towards the
training text's order-0 distribution, so every byte is codable in every
context; unseen contexts use that distribution). Positions before the first
count as byte 0, for the model and for H_k alike.

>>> r = run_ngram(train=b"abracadabra " * 40, test=b"abracadabra cadabra " * 20, orders=(0, 1, 2))
>>> [pt["order"] for pt in r["points"]]
[0, 1, 2]
>>> all(pt["test"]["kl_bits_per_char"] >= 0 for pt in r["points"])
True
>>> r["points"][2]["self"]["coders"]["arithmetic"]["round_trip"]
True
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from entropycodec.errors import InvalidInputError
from entropycodec.experiments.output import check_coders, progress, require_matplotlib, save_figure
from entropycodec.views import ExperimentResult

__all__ = ["DEFAULT_ORDERS", "NGRAM_CODERS", "default_texts", "ngram_figure", "ngram_table",
           "plot_ngram", "run_ngram"]

NGRAM_CODERS = ("arithmetic", "rans")
DEFAULT_CODERS = ("arithmetic",)
# 0..5: on alice29.txt (152 KB) the order-5 fit takes ~8 s of the ~20 s of a default run
DEFAULT_ORDERS = tuple(range(0, 6))
MAX_ORDER = 8  # ContextModel's
DEFAULT_TRAIN = "alice29.txt"
DEFAULT_TEST = "asyoulik.txt"
# order 0 stored at the positional default scale; the context model's own default is 16
ORDER0_SCALE_BITS = 20
COMPACT_SCALE_BITS = 16


def _corpora_folder() -> Path:
    """The Canterbury corpus beside the repository (or under ENTROPYCODEC_CORPORA)."""
    repo = Path(__file__).resolve().parents[2]
    shared = Path(os.environ.get("ENTROPYCODEC_CORPORA", repo.parent / "shared" / "corpora"))
    return shared / "canterbury"


def default_texts() -> tuple[Path, Path]:
    """The default (train, test) files: alice29.txt and asyoulik.txt of the Canterbury
    corpus at ../shared/corpora (relative to the repository) or $ENTROPYCODEC_CORPORA.
    InvalidInputError when they are absent (give ``train`` and ``test`` then)."""
    folder = _corpora_folder()
    paths = (folder / DEFAULT_TRAIN, folder / DEFAULT_TEST)
    for p in paths:
        if not p.is_file():
            raise InvalidInputError(f"the default text {p} is not there: give the train and "
                                    "test texts (or set ENTROPYCODEC_CORPORA)")
    return paths


def _text(value, what: str) -> tuple[np.ndarray, str]:
    """(bytes as uint8 array, name) of a path or a bytes-like value."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        data, name = bytes(value), None
    elif isinstance(value, (str, os.PathLike)):
        path = Path(value)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInputError(f"cannot read the {what} text {path}: {exc.strerror or exc}") from None
        name = path.name
    else:
        raise InvalidInputError(f"the {what} text must be a path or bytes, got {type(value).__name__}")
    if not data:
        raise InvalidInputError(f"the {what} text is empty")
    return np.frombuffer(data, dtype=np.uint8), name


def _orders(orders) -> list[int]:
    try:
        out = sorted({int(k) for k in orders})
    except (TypeError, ValueError):
        raise InvalidInputError(f"orders must be integers in 0..{MAX_ORDER}, got {orders!r}") from None
    if not out or out[0] < 0 or out[-1] > MAX_ORDER:
        raise InvalidInputError(f"orders must be integers in 0..{MAX_ORDER}, got {orders!r}")
    return out


def conditional_entropy(x: np.ndarray, order: int, k: int = 256) -> float:
    """H_k of ``x``: the empirical entropy of a symbol given its ``order`` predecessors
    (positions before 0 count as symbol 0), in bits per symbol.

    >>> conditional_entropy(np.frombuffer(b"abab", np.uint8), 1)  # a|0, b|a, a|b, b|a
    0.0
    >>> conditional_entropy(np.frombuffer(b"aabb", np.uint8), 0)
    1.0
    """
    from entropycodec.models.context import context_ids

    idx = x.astype(np.int64)
    joint = context_ids(idx, order, k) * k + idx if order else idx
    values, counts = np.unique(joint, return_counts=True)
    _, which = np.unique(values // k if order else np.zeros_like(values), return_inverse=True)
    totals = np.bincount(which, weights=counts)[which]
    c = counts.astype(np.float64)
    return float((c * np.log2(totals / c)).sum() / idx.size)


def _model(train: np.ndarray, order: int):
    """(the model coding with the train text's statistics, description bits, compact bits)."""
    from entropycodec.container.modeldesc import encode_frequencies
    from entropycodec.models.context import ContextModel
    from entropycodec.models.counts import quantize_counts
    from entropycodec.models.positional import Categorical

    if order == 0:
        counts = np.bincount(train, minlength=256).astype(np.float64)
        model = Categorical((counts + 1.0) / (counts.sum() + 256.0), scale_bits=ORDER0_SCALE_BITS)
        desc = 8 * len(encode_frequencies(model.frequencies(), ORDER0_SCALE_BITS))
        compact = 8 * len(encode_frequencies(quantize_counts(counts, COMPACT_SCALE_BITS),
                                             COMPACT_SCALE_BITS))
        return model, desc, compact
    model = ContextModel.fit(train, order, alphabet_size=256, floor=True)
    compact = ContextModel.fit(train, order, alphabet_size=256).header_bits
    return model, model.header_bits, compact


def _code(name: str, x: np.ndarray, model) -> tuple[int, bool]:
    if name == "arithmetic":
        from entropycodec.coders.arithmetic import arithmetic_decode as decode
        from entropycodec.coders.arithmetic import arithmetic_encode as encode
    else:
        from entropycodec.coders.rans import rans_decode as decode
        from entropycodec.coders.rans import rans_encode as encode
    idx = x.astype(np.int64)
    payload = encode(idx, model)
    back = np.asarray(decode(payload, idx.size, model))
    return 8 * len(payload), bool(np.array_equal(back.astype(np.int64), idx))


def _coded_bits(model, idx: np.ndarray) -> float:
    """sum -log2 freq(x_i) / 2**scale_bits of the integer model the coder uses."""
    if getattr(model, "positional", True):
        return float(model.coded_information(idx).sum())
    # a shared Categorical row: its one table (Categorical.coded_information indexes a row
    # per position, which a (k,) row does not have)
    freqs = model.frequencies().astype(np.float64)
    return float((model.scale_bits - np.log2(freqs[idx])).sum())


def _side(x: np.ndarray, model, order: int, names) -> dict:
    n = x.size
    idx = x.astype(np.int64)
    xent = float(model.information_content(idx).mean())
    coded = _coded_bits(model, idx)
    h = conditional_entropy(x, order)
    out = {
        "n": int(n),
        "cross_entropy_bits_per_char": xent,
        "coded_cross_entropy_bits_per_char": coded / n,
        "conditional_entropy_bits_per_char": h,
        "kl_bits_per_char": xent - h,
        "coded_kl_bits_per_char": coded / n - h,
        "coders": {},
    }
    for name in names:
        bits, ok = _code(name, x, model)
        out["coders"][name] = {"payload_bits": bits, "bits_per_char": bits / n,
                               "termination_bits": bits - coded, "round_trip": ok}
    return out


def run_ngram(train=None, test=None, orders=DEFAULT_ORDERS, *, coders=DEFAULT_CODERS,
              train_name: str | None = None, test_name: str | None = None,
              show_progress: bool = False) -> dict:
    """Fit an order-k model to ``train`` for each k of ``orders`` (0..8) and code ``test``
    and ``train`` with it.

    ``train``, ``test``: paths or bytes (default: :func:`default_texts`).
    ``coders``: "arithmetic" and/or "rans". ``train_name``, ``test_name``: what to call
    the texts in the result and the figure (default: a path's file name; bytes: None).
    """
    if train is None or test is None:
        default_train, default_test = default_texts()
        train = default_train if train is None else train
        test = default_test if test is None else test
    x_train, name = _text(train, "train")
    train_name = train_name or name
    x_test, name = _text(test, "test")
    test_name = test_name or name
    ks = _orders(orders)
    names = check_coders(coders, NGRAM_CODERS, "ngram")
    points = []
    with progress(len(ks), "ngram", enabled=show_progress) as bar:
        for order in ks:
            model, desc, compact = _model(x_train, order)
            test_side = _side(x_test, model, order, names)
            first = test_side["coders"][names[0]]["payload_bits"] if names else None
            points.append({
                "order": order,
                "contexts": 1 if order == 0 else model.contexts,
                "description_bits": desc,
                "compact_description_bits": compact,
                "description_bits_per_test_char": desc / x_test.size,
                "compact_description_bits_per_test_char": compact / x_test.size,
                "test_bits_per_char_with_model": None if first is None else (first + desc) / x_test.size,
                "test": test_side,
                "self": _side(x_train, model, order, names),
            })
            bar.update(1)
    return ExperimentResult({
        "experiment": "ngram",
        "params": {"orders": ks, "coders": names},
        "train": {"file": train_name, "n": int(x_train.size)},
        "test": {"file": test_name, "n": int(x_test.size)},
        "points": points,
    })


def ngram_table(result: dict) -> str:
    """The summary the command prints: per order the test's cross-entropy, measured rate,
    H_k and KL, the training text's own rate, and the model's size."""
    names = result["params"]["coders"]
    first = names[0] if names else None
    lines = [f"{'k':>2} {'H(P,Q)':>8} " + " ".join(f"{c:>10}" for c in names)
             + f" {'H_k(test)':>9} {'KL':>7} {'self':>7} {'model bits':>11} {'+model':>9}"]
    ok = True
    for pt in result["points"]:
        t, s = pt["test"], pt["self"]
        with_model = pt["test_bits_per_char_with_model"]
        lines.append(
            f"{pt['order']:>2} {t['cross_entropy_bits_per_char']:>8.4f} "
            + " ".join(f"{t['coders'][c]['bits_per_char']:>10.4f}" for c in names)
            + f" {t['conditional_entropy_bits_per_char']:>9.4f} {t['kl_bits_per_char']:>7.4f} "
            + f"{(s['coders'][first]['bits_per_char'] if first else s['cross_entropy_bits_per_char']):>7.4f} "
            + f"{pt['description_bits']:>11} "
            + (f"{with_model:>9.2f}" if with_model is not None else f"{'-':>9}"))
        ok = ok and all(side["coders"][c]["round_trip"] for side in (t, s) for c in names)
    tr, te = result["train"], result["test"]
    lines.append(f"bits per char of {te['file'] or 'the test text'} ({te['n']:,} bytes) coded with the "
                 f"model of {tr['file'] or 'the train text'} ({tr['n']:,} bytes); self = the train "
                 "text coded with its own model;")
    lines.append("KL = H(P,Q) - H_k(test); +model = payload and model description per test char")
    lines.append("round trips: " + ("all decoded to the texts" if ok else "FAILED (see the JSON)"))
    return "\n".join(lines)


def ngram_figure(result: dict):
    """The figure of :func:`plot_ngram`, as a matplotlib Figure (not saved).

    Left, bits per char against the order k: the test's cross-entropy under the
    training model, the coder's measured rate on it, the test's own H_k (the gap
    is KL(P_test || Q_train)), and the training text coded with its own model.
    Right, log scale: the model's description in bits per test char beside the
    payload, and their sum.
    """
    plt = require_matplotlib()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.5, 4.5), width_ratios=(1.4, 1))
    pts = result["points"]
    ks = [pt["order"] for pt in pts]
    names = result["params"]["coders"]
    xent = [pt["test"]["cross_entropy_bits_per_char"] for pt in pts]
    h = [pt["test"]["conditional_entropy_bits_per_char"] for pt in pts]
    ax.plot(ks, xent, "k-", lw=1.8, label="test: H(P_test, Q_train) (cross-entropy)")
    ax.plot(ks, [pt["test"]["coded_cross_entropy_bits_per_char"] for pt in pts], "-", color="tab:gray",
            lw=1, label="test: the same for the quantized model the coder uses")
    ax.plot(ks, h, "k--", lw=1, label="test: H_k(test) (its own order-k model)")
    ax.fill_between(ks, h, xent, color="tab:orange", alpha=0.25,
                    label="KL(P_test || Q_train): overfitting")
    marks = {"arithmetic": ("o", "tab:blue"), "rans": ("x", "tab:green")}
    for name in names:
        marker, color = marks.get(name, ("d", None))
        ax.plot(ks, [pt["test"]["coders"][name]["bits_per_char"] for pt in pts], marker, color=color,
                ls="none", ms=7, mfc="none" if marker != "x" else None, label=f"test: {name} measured")
    ax.plot(ks, [pt["self"]["cross_entropy_bits_per_char"] for pt in pts], "-", color="tab:purple",
            lw=1.2, label="train coded with its own model")
    ax.set_xlabel("context order k (bytes)")
    ax.set_ylabel("bits per character")
    ax.set_ylim(bottom=0)
    ax.set_xticks(ks)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    payload = [pt["test"]["coders"][names[0]]["bits_per_char"] if names else
               pt["test"]["cross_entropy_bits_per_char"] for pt in pts]
    ax2.semilogy(ks, [pt["description_bits_per_test_char"] for pt in pts], "s-", color="tab:red",
                 label="model description (as coded), per test char")
    ax2.semilogy(ks, [pt["compact_description_bits_per_test_char"] for pt in pts], "s--",
                 color="tab:red", mfc="none", label="unsmoothed counts' description")
    ax2.semilogy(ks, payload, "o-", color="tab:blue", label="payload")
    ax2.semilogy(ks, [p + pt["description_bits_per_test_char"] for p, pt in zip(payload, pts)],
                 "k:", label="payload + model")
    ax2.set_xlabel("context order k (bytes)")
    ax2.set_ylabel("bits per test character (log scale)")
    ax2.set_xticks(ks)
    ax2.grid(alpha=0.3, which="both")
    ax2.legend(fontsize=8)
    ax2.set_title("if the model had to be sent", fontsize=10)
    tr, te = result["train"], result["test"]
    fig.suptitle(f"Order-k model of {tr['file'] or 'the train text'} coding "
                 f"{te['file'] or 'the test text'}")
    fig.tight_layout()
    return fig


def plot_ngram(result: dict, path) -> None:
    """Draw bits per char against the order k (cross-entropy, measured, H_k, KL) and the
    model's size."""
    save_figure(ngram_figure(result), path)
