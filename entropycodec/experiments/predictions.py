"""Experiment ``predictions``: a classifier's cross-entropy loss is the compressed size of the labels.

Question: a classifier trained in steps predicts a row of probabilities q_i for
every held-out sample. Coding the held-out labels with those rows (one row per
position: :class:`~entropycodec.models.positional.Categorical`) costs
sum_i -log2 q_i(x_i) bits, i.e. the cross-entropy loss the framework reports,
divided by ln 2 and multiplied by the number of labels. Do the arithmetic and
rANS coders really pay that, step after step?

The data: scikit-learn's bundled digits (1,797 8x8 images, 10 classes; no
download), split once with ``seed`` into training and held-out samples
(``test_fraction``, stratified). The classifier: scikit-learn's
``MLPClassifier`` trained by ``partial_fit``, one pass over the training
samples per step; ``hidden=None`` (or ``()``) has no hidden layer, i.e.
multinomial logistic regression (softmax); ``hidden=(32,)`` is a small MLP.

At each step the record holds

* ``loss_nats``: the framework's cross-entropy loss, ``sklearn.metrics.log_loss``,
  and ``cross_entropy_nats``: :meth:`Categorical.cross_entropy` with base e. They
  agree to 1e-9 (checked) unless a held-out label was predicted with a
  probability below the float epsilon, which log_loss clips and we do not
  (``labels_below_eps`` counts them, ``labels_clipped_by_framework`` also the
  labels at probability 1; the coder still codes them: the integer model gives
  every class a frequency >= 1, see :func:`loss_record`);
* ``loss_bits_per_label`` = cross_entropy_nats / ln 2: the ideal code length;
* for each coder the measured payload ``8 * len(payload)`` in bits and per
  label, split exactly into ideal + quantization (the rows rounded to
  frequencies summing to 2**20, every class >= 1) + termination (what the
  coder writes beyond the coded -log2 freq/2**20: range coder's final bytes,
  rANS's four 64-bit lane states; the range coder's can be a few bits below 0,
  as its last bytes are trimmed of the zeros a decoder implies), and whether
  decoding gave the labels back;
* ``accuracy``.

Beside them, ``marginal_entropy_bits_per_label``: H(P) of the held-out labels'
empirical distribution, the cost of coding them with no input at all (with
their own frequencies), and log2 10 for uniform predictions. A classifier whose
loss in bits falls below H(P) codes the labels in fewer bits than the marginal.

>>> import pytest; _ = pytest.importorskip("sklearn")  # the predictions extra
>>> r = run_predictions(steps=3, seed=0)
>>> pt = r["points"][-1]; c = pt["coders"]["arithmetic"]
>>> abs(pt["loss_nats"] - pt["cross_entropy_nats"]) < 1e-9, c["round_trip"]
(True, True)
>>> round(pt["loss_bits_per_label"], 4), c["payload_bits"] - round(pt["loss_bits"])
(1.8889, 4)
"""

from __future__ import annotations

import math

import numpy as np

from entropycodec.errors import EntropyCodecError, InvalidInputError, MissingExtraError
from entropycodec.experiments.output import check_coders, progress, require_matplotlib, save_figure
from entropycodec.views import ExperimentResult

__all__ = ["PREDICTION_CODERS", "loss_record", "plot_predictions", "predictions_figure", "predictions_table",
           "run_predictions"]

PREDICTION_CODERS = ("arithmetic", "rans")  # the coders that code with a per-position model
PREDICTIONS_EXTRA_HINT = "pip install 'entropycodec[predictions]'"
DEFAULT_STEPS = 30
# Adam's step size: 10x scikit-learn's default, so that a few dozen passes over 1,257 samples
# take the loss from ~2 nats down to where it flattens (with 0.001 it is still falling at 30)
LEARNING_RATE = 0.01
BATCH_SIZE = 200
N_CLASSES = 10
# log_loss and Categorical.cross_entropy compute the same mean of -ln q; only the order of
# the float additions differs (a few ulps of a number below 10)
LOSS_TOLERANCE_NATS = 1e-9


def _sklearn():
    """The pieces of scikit-learn the experiment uses (MissingExtraError naming the extra)."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.metrics import log_loss
        from sklearn.model_selection import train_test_split
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        raise MissingExtraError("the predictions experiment needs scikit-learn, which is not "
                                f"installed: {PREDICTIONS_EXTRA_HINT}") from None
    return load_digits, log_loss, train_test_split, MLPClassifier


def _framework_loss(log_loss, labels, probs) -> float:
    """sklearn's log_loss in nats (its second argument was renamed y_proba in 1.9)."""
    classes = np.arange(probs.shape[1])
    try:
        return float(log_loss(labels, y_proba=probs, labels=classes))
    except TypeError:  # scikit-learn < 1.9: the argument is y_pred
        return float(log_loss(labels, probs, labels=classes))


def loss_record(labels: np.ndarray, probs: np.ndarray, model, log_loss) -> dict:
    """The loss of predictions ``probs`` (n x k) for ``labels``, as the framework and as
    ``model`` (their Categorical) compute it, and the code lengths in bits.

    ``log_loss`` clips the probabilities to [eps, 1 - eps]; we do not: a label predicted
    with probability 0 makes ``cross_entropy_nats`` and ``loss_bits`` infinite (the float
    model cannot code it), while the integer model still gives it a frequency >= 1
    (``coded_information_bits`` stays finite). ``labels_clipped_by_framework`` counts the
    labels whose probability log_loss moved. Without a label below eps the two losses
    agree to ``LOSS_TOLERANCE_NATS`` (else EntropyCodecError: a bug, not bad data).
    """
    n = labels.size
    loss_nats = _framework_loss(log_loss, labels, probs)
    nats = model.information_content(labels, base=math.e)
    xent_nats = float(nats.mean())
    eps = np.finfo(np.float64).eps
    true_p = probs[np.arange(n), labels]
    # a label at exactly 1 moves log_loss by ~eps / n only; one below eps moves it by more
    below = int((true_p < eps).sum())
    if below == 0 and not abs(loss_nats - xent_nats) <= LOSS_TOLERANCE_NATS:
        raise EntropyCodecError(f"log_loss {loss_nats!r} nats but cross_entropy {xent_nats!r}")
    ideal_bits = float(nats.sum()) / math.log(2)
    return {
        "loss_nats": loss_nats,
        "cross_entropy_nats": xent_nats,
        "loss_difference_nats": loss_nats - xent_nats,
        "labels_clipped_by_framework": int(((true_p < eps) | (true_p > 1 - eps)).sum()),
        "labels_below_eps": below,
        "loss_bits_per_label": ideal_bits / n,
        "loss_bits": ideal_bits,
        "coded_information_bits": float(model.coded_information(labels).sum()),
    }


def _entropy_bits(labels: np.ndarray, k: int) -> float:
    c = np.bincount(labels, minlength=k).astype(np.float64)
    p = c[c > 0] / labels.size
    return float(-(p * np.log2(p)).sum())


def _check_hidden(hidden) -> tuple:
    if hidden is None:
        return ()
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = (hidden,)
    try:
        sizes = tuple(hidden)
    except TypeError:
        raise InvalidInputError(f"hidden must be layer sizes (a tuple of ints), got {hidden!r}") from None
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 1 <= s <= 4096:
            raise InvalidInputError(f"hidden layer sizes must be ints in 1..4096, got {hidden!r}")
    return tuple(int(s) for s in sizes)


def _code(name: str, labels: np.ndarray, model) -> tuple[int, bool]:
    """(payload bits, round trip ok) of coding ``labels`` with ``model``."""
    if name == "arithmetic":
        from entropycodec.coders.arithmetic import arithmetic_decode as decode
        from entropycodec.coders.arithmetic import arithmetic_encode as encode
    else:
        from entropycodec.coders.rans import rans_decode as decode
        from entropycodec.coders.rans import rans_encode as encode
    payload = encode(labels, model)
    back = np.asarray(decode(payload, labels.size, model))
    return 8 * len(payload), bool(np.array_equal(back.astype(np.int64), labels))


def run_predictions(steps: int = DEFAULT_STEPS, seed: int = 0, hidden=None,
                    test_fraction: float = 0.3, *, coders=PREDICTION_CODERS,
                    show_progress: bool = False) -> dict:
    """Train in ``steps`` passes and code the held-out labels with each step's predictions.

    ``seed`` fixes the split and the classifier's initialization and shuffling (the
    same seed gives the same JSON). ``hidden``: hidden layer sizes (None: none,
    softmax regression). ``test_fraction``: the share of samples held out, in
    (0, 1). Needs the ``predictions`` extra (scikit-learn).
    """
    load_digits, log_loss, train_test_split, MLPClassifier = _sklearn()
    steps = int(steps)
    if not 1 <= steps <= 1000:
        raise InvalidInputError(f"steps must be in 1..1000, got {steps}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidInputError(f"seed must be an integer >= 0, got {seed!r}")
    seed = int(seed)
    if not 0.05 <= float(test_fraction) <= 0.95:
        raise InvalidInputError(f"test_fraction must be in [0.05, 0.95], got {test_fraction!r}")
    sizes = _check_hidden(hidden)
    names = check_coders(coders, PREDICTION_CODERS, "predictions")
    from entropycodec.models.positional import Categorical

    x, y = load_digits(return_X_y=True)
    x = x / 16.0  # pixel intensities 0..16 to [0, 1]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=float(test_fraction), random_state=seed, stratify=y)
    labels = np.asarray(y_test, dtype=np.int64)
    n = int(labels.size)
    clf = MLPClassifier(hidden_layer_sizes=sizes, learning_rate_init=LEARNING_RATE,
                        batch_size=BATCH_SIZE, random_state=seed)
    points = []
    with progress(steps, "predictions", enabled=show_progress) as bar:
        for step in range(1, steps + 1):
            clf.partial_fit(x_train, y_train, classes=np.arange(N_CLASSES))
            probs = np.asarray(clf.predict_proba(x_test), dtype=np.float64)
            model = Categorical(probs)
            point = {"step": step, **loss_record(labels, probs, model, log_loss),
                     "accuracy": float((probs.argmax(axis=1) == labels).mean()), "coders": {}}
            ideal_bits, coded_bits = point["loss_bits"], point["coded_information_bits"]
            for name in names:
                payload_bits, ok = _code(name, labels, model)
                point["coders"][name] = {
                    "payload_bits": payload_bits,
                    "bits_per_label": payload_bits / n,
                    "quantization_bits": coded_bits - ideal_bits,
                    "termination_bits": payload_bits - coded_bits,
                    "overhead_bits_per_label": (payload_bits - ideal_bits) / n,
                    "round_trip": ok,
                }
            points.append(point)
            bar.update(1)
    train_labels = np.asarray(y_train, dtype=np.int64)
    p_train = np.bincount(train_labels, minlength=N_CLASSES) / train_labels.size
    return ExperimentResult({
        "experiment": "predictions",
        "params": {"steps": steps, "seed": seed, "hidden": list(sizes),
                   "test_fraction": float(test_fraction), "learning_rate": LEARNING_RATE,
                   "batch_size": BATCH_SIZE, "coders": names},
        "data": {
            "name": "scikit-learn digits (load_digits)",
            "classes": N_CLASSES,
            "train_labels": int(train_labels.size),
            "test_labels": n,
            "marginal_entropy_bits_per_label": _entropy_bits(labels, N_CLASSES),
            "train_marginal_cross_entropy_bits_per_label":
                float(-np.log2(p_train[labels]).mean()),
            "uniform_bits_per_label": math.log2(N_CLASSES),
        },
        "points": points,
    })


def predictions_table(result: dict) -> str:
    """The summary the command prints: per step the loss (nats, bits per label), each
    coder's measured bits per label, the accuracy and whether every round trip held."""
    names = result["params"]["coders"]
    lines = [f"{'step':>4} {'loss nats':>10} {'loss bits':>10} "
             + " ".join(f"{c:>10}" for c in names) + f" {'accuracy':>8}"]
    ok = True
    for pt in result["points"]:
        lines.append(f"{pt['step']:>4} {pt['loss_nats']:>10.5f} {pt['loss_bits_per_label']:>10.5f} "
                     + " ".join(f"{pt['coders'][c]['bits_per_label']:>10.5f}" for c in names)
                     + f" {pt['accuracy']:>8.4f}")
        ok = ok and all(pt["coders"][c]["round_trip"] for c in names)
    d = result["data"]
    lines.append(f"bits per held-out label ({d['test_labels']} labels); H(P) of the labels = "
                 f"{d['marginal_entropy_bits_per_label']:.5f}, uniform = {d['uniform_bits_per_label']:.5f}")
    lines.append("round trips: " + ("all decoded to the labels" if ok else "FAILED (see the JSON)"))
    return "\n".join(lines)


_STYLE = {"arithmetic": ("o", "tab:blue"), "rans": ("x", "tab:green")}


def predictions_figure(result: dict):
    """The figure of :func:`plot_predictions`, as a matplotlib Figure (not saved).

    Left: one axis in bits per label: the loss curve (the framework's loss in nats
    divided by ln 2; the right-hand axis reads it in nats), each coder's measured
    bits per label on it, and H(P) of the labels. Right: what each coder pays
    beyond the loss (measured - loss, bits per label), with its termination part.
    """
    plt = require_matplotlib()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.5, 4.5), width_ratios=(1.6, 1))
    pts = result["points"]
    steps = [pt["step"] for pt in pts]
    d = result["data"]
    loss = [pt["loss_bits_per_label"] for pt in pts]
    ax.plot(steps, loss, "k-", lw=1.8, label="cross-entropy loss / ln 2 (ideal code length)")
    for name in result["params"]["coders"]:
        marker, color = _STYLE.get(name, ("d", None))
        ys = [pt["coders"][name]["bits_per_label"] for pt in pts]
        ax.plot(steps, ys, marker, color=color, ls="none", ms=6,
                mfc="none" if marker != "x" else None, label=f"{name}: measured payload / n")
        over = [pt["coders"][name]["overhead_bits_per_label"] for pt in pts]
        term = [pt["coders"][name]["termination_bits"] / d["test_labels"] for pt in pts]
        ax2.plot(steps, over, marker + "-", color=color, lw=0.8, ms=5,
                 mfc="none" if marker != "x" else None, label=f"{name}: measured - loss")
        ax2.plot(steps, term, ":", color=color, lw=1, label=f"{name}: termination part")
    h = d["marginal_entropy_bits_per_label"]
    # digits are nearly balanced: H(P) is within 0.001 of log2 10 (uniform predictions)
    ax.axhline(h, color="tab:red", ls="--", lw=1,
               label=f"H(P) of the labels = {h:.3f} (log2 {d['classes']} = {d['uniform_bits_per_label']:.3f})")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("training step (one pass over the training samples)")
    ax.set_ylabel("bits per held-out label")
    nats = ax.secondary_yaxis("right", functions=(lambda b: b * math.log(2), lambda v: v / math.log(2)))
    nats.set_ylabel("loss in nats (as the framework reports it)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("The loss curve is a compressed-size curve", fontsize=10)
    ax2.axhline(0, color="k", lw=0.6)
    ax2.set_xlabel("training step")
    ax2.set_ylabel("bits per label beyond the loss")
    ax2.set_title("overhead: quantization + termination", fontsize=10)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    hidden = result["params"]["hidden"]
    what = "softmax regression" if not hidden else f"MLP {tuple(hidden)}"
    fig.suptitle(f"Coding {d['test_labels']} held-out digit labels with a {what}'s predictions")
    fig.tight_layout()
    return fig


def plot_predictions(result: dict, path) -> None:
    """Draw the loss curve in bits per label beside each coder's measured bits per label."""
    save_figure(predictions_figure(result), path)
