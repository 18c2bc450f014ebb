"""The experiments of the per-position and context models: ``predictions`` and ``ngram``.

What they check is the accounting: a classifier's cross-entropy loss (sklearn's
log_loss) is Categorical.cross_entropy in nats, and the coders' payload is that
loss in bits plus quantization and termination; an order-k model trained on one
text costs the test text its cross-entropy, which is H_k(test) + KL with KL >= 0.
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import CANTERBURY, SKIP_REASON

from entropycodec.cli.main import cli
from entropycodec.coders.rans_streams import state_length
from entropycodec.errors import InvalidInputError, MissingExtraError
from entropycodec.experiments.ngram import conditional_entropy, run_ngram
from entropycodec.models.context import ContextModel

try:
    import sklearn  # noqa: F401

    HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - the predictions extra is installed in CI
    HAVE_SKLEARN = False
try:
    import matplotlib  # noqa: F401

    HAVE_MPL = True
except ImportError:  # pragma: no cover
    HAVE_MPL = False
needs_sklearn = pytest.mark.skipif(not HAVE_SKLEARN,
                                   reason="scikit-learn (the 'predictions' extra) not installed")
needs_mpl = pytest.mark.skipif(not HAVE_MPL, reason="matplotlib (the 'plot' extra) not installed")
ALICE, ASYOULIK = CANTERBURY / "alice29.txt", CANTERBURY / "asyoulik.txt"
needs_texts = pytest.mark.skipif(not (ALICE.is_file() and ASYOULIK.is_file()), reason=SKIP_REASON)


def run(*args):
    return CliRunner().invoke(cli, list(args))


# -- predictions ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def predictions_result():
    from entropycodec.experiments.predictions import run_predictions

    return run_predictions(steps=5, seed=0)


@needs_sklearn
def test_predictions_loss_is_the_framework_loss(predictions_result):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    _, _, _, y_test = train_test_split(*load_digits(return_X_y=True), test_size=0.3,
                                       random_state=0, stratify=load_digits().target)
    n = predictions_result["data"]["test_labels"]
    assert n == y_test.size == 540
    for pt in predictions_result["points"]:
        assert pt["labels_clipped_by_framework"] == 0
        assert abs(pt["loss_nats"] - pt["cross_entropy_nats"]) <= 1e-9
        assert pt["loss_bits_per_label"] == pytest.approx(pt["cross_entropy_nats"] / math.log(2), rel=1e-12)
        assert pt["loss_bits"] == pytest.approx(n * pt["loss_bits_per_label"], rel=1e-12)
    # seeded: the same split and the same training on every run
    assert predictions_result["points"][0]["loss_nats"] == pytest.approx(1.902151, abs=1e-5)
    losses = [pt["loss_nats"] for pt in predictions_result["points"]]
    assert losses == sorted(losses, reverse=True)  # training lowers the held-out loss here
    counts = np.bincount(y_test, minlength=10) / n
    h = float(-(counts * np.log2(counts)).sum())
    assert predictions_result["data"]["marginal_entropy_bits_per_label"] == pytest.approx(h, abs=1e-12)
    assert h == pytest.approx(3.32173, abs=1e-5)  # stratified: nearly log2 10


@needs_sklearn
def test_predictions_payload_is_the_loss_plus_the_overheads(predictions_result):
    n = predictions_result["data"]["test_labels"]
    for pt in predictions_result["points"]:
        for name, c in pt["coders"].items():
            assert c["round_trip"], (pt["step"], name)
            # exact split: ideal + quantization + termination = measured
            assert c["payload_bits"] == pytest.approx(
                pt["loss_bits"] + c["quantization_bits"] + c["termination_bits"], abs=1e-6)
            assert c["quantization_bits"] == pytest.approx(pt["coded_information_bits"] - pt["loss_bits"],
                                                           abs=1e-9)
            # the rows are quantized at 2**20 with every class >= 1: a tiny loss either way
            assert abs(c["quantization_bits"]) < 0.01 * n / 100
        arith, rans = pt["coders"]["arithmetic"], pt["coders"]["rans"]
        # the range coder ends with a few bytes, and may stop a byte short of the sum of
        # -log2 freq / 2**20 (its last bytes are trimmed of implied zeros)
        assert -8 <= arith["termination_bits"] <= 32
        assert abs(arith["bits_per_label"] - pt["loss_bits_per_label"]) <= 32 / n
        # rANS: one lane (fewer than 131072 labels) that started at 1, flushed in as few
        # bytes as hold its state (5 to 8 once words follow), then whole 32-bit words
        assert -8 <= rans["termination_bits"] <= 32
        assert (rans["payload_bits"] // 8 - 5) % 4 == state_length(rans["payload_bits"] // 8) - 5


@needs_sklearn
def test_predictions_with_a_zero_probability_are_reported_not_hidden():
    from sklearn.metrics import log_loss

    from entropycodec.coders.arithmetic import arithmetic_decode, arithmetic_encode
    from entropycodec.experiments.predictions import loss_record
    from entropycodec.models.positional import Categorical

    probs = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    labels = np.array([0, 2, 2])  # the second label was predicted impossible
    model = Categorical(probs)
    rec = loss_record(labels, probs, model, log_loss)
    assert rec["labels_below_eps"] == 1 and rec["labels_clipped_by_framework"] == 2
    assert math.isinf(rec["cross_entropy_nats"]) and math.isinf(rec["loss_bits"])
    # log_loss clips to eps: -ln eps = 36.04 nats for that label
    eps = np.finfo(np.float64).eps
    assert rec["loss_nats"] == pytest.approx((-math.log(1 - eps) - math.log(eps) - math.log(0.5)) / 3, rel=1e-9)
    # the integer model gives it one slot in 2**20: 20 bits, and codes it
    assert rec["coded_information_bits"] == pytest.approx(
        float(model.coded_information(labels).sum()), abs=0)
    assert model.coded_information(labels)[1] == 20.0
    payload = arithmetic_encode(labels, model)
    assert np.array_equal(np.asarray(arithmetic_decode(payload, 3, model)), labels)
    ok = loss_record(labels[[0, 2]], probs[[0, 2]], Categorical(probs[[0, 2]]), log_loss)
    assert ok["labels_below_eps"] == 0 and abs(ok["loss_difference_nats"]) <= 1e-9


@needs_sklearn
def test_predictions_checks_its_arguments():
    from entropycodec.experiments.predictions import run_predictions

    for kwargs in ({"steps": 0}, {"seed": -1}, {"test_fraction": 1.0}, {"hidden": "x"},
                   {"hidden": (0,)}, {"coders": ("huffman",)}):
        with pytest.raises(InvalidInputError):
            run_predictions(**kwargs)


def test_predictions_without_sklearn_names_the_extra(monkeypatch):
    from entropycodec.experiments.predictions import run_predictions

    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now raises ImportError
    with pytest.raises(MissingExtraError, match=r"entropycodec\[predictions\]"):
        run_predictions(steps=1)


@needs_sklearn
def test_cli_predictions_json():
    r = run("experiment", "predictions", "--steps", "2", "--json", "-q")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["experiment"] == "predictions" and len(data["points"]) == 2
    assert data["params"]["hidden"] == [] and data["params"]["coders"] == ["arithmetic", "rans"]
    assert all(c["round_trip"] for pt in data["points"] for c in pt["coders"].values())


@needs_sklearn
def test_cli_predictions_table_and_bad_options():
    r = run("experiment", "predictions", "--steps", "1", "--hidden", "8", "--coders", "rans", "-q")
    assert r.exit_code == 0, r.output
    assert "round trips: all decoded to the labels" in r.stdout and "rans" in r.stdout.splitlines()[0]
    assert run("experiment", "predictions", "--coders", "huffman").exit_code == 2
    assert run("experiment", "predictions", "--hidden", "0").exit_code == 2


@needs_sklearn
@needs_mpl
def test_cli_predictions_plot(tmp_path):
    out = tmp_path / "p.png"
    r = run("experiment", "predictions", "--steps", "2", "--plot", str(out), "-q")
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 10_000


# -- ngram ------------------------------------------------------------------------------------

TRAIN = b"abracadabra, the cat sat on the mat. " * 30
TEST = b"the rat sat on the abracadabra hat; " * 25


def test_ngram_conditional_entropy_is_the_self_fitted_model():
    x = np.frombuffer(TEST, dtype=np.uint8)
    for k in (1, 2, 3):
        assert conditional_entropy(x, k) == pytest.approx(
            ContextModel.fit(TEST, k).cross_entropy(TEST), abs=1e-12)
    c = np.bincount(x)
    p = c[c > 0] / x.size
    assert conditional_entropy(x, 0) == pytest.approx(float(-(p * np.log2(p)).sum()), abs=1e-12)


def test_ngram_accounting_on_small_texts():
    r = run_ngram(train=TRAIN, test=TEST, orders=(3, 0, 1, 2, 2), coders=("arithmetic", "rans"))
    assert r["params"]["orders"] == [0, 1, 2, 3]
    assert r["train"] == {"file": None, "n": len(TRAIN)} and r["test"]["n"] == len(TEST)
    for pt in r["points"]:
        for side in (pt["test"], pt["self"]):
            assert side["kl_bits_per_char"] >= -1e-12 and side["coded_kl_bits_per_char"] >= -1e-12
            assert side["kl_bits_per_char"] == pytest.approx(
                side["cross_entropy_bits_per_char"] - side["conditional_entropy_bits_per_char"], abs=1e-12)
            for c in side["coders"].values():
                assert c["round_trip"]
                assert c["payload_bits"] >= side["coded_cross_entropy_bits_per_char"] * side["n"] - 8
        assert pt["compact_description_bits"] <= pt["description_bits"]
    order2 = r["points"][2]
    assert order2["description_bits"] == 8 * len(ContextModel.fit(TRAIN, 2, floor=True).description())


@needs_texts
def test_ngram_on_canterbury_texts():
    r = run_ngram(train=ALICE, test=ASYOULIK, orders=(0, 1, 2))
    assert (r["train"]["file"], r["train"]["n"], r["test"]["file"], r["test"]["n"]) == \
        ("alice29.txt", 152_089, "asyoulik.txt", 125_179)
    kl = []
    for pt in r["points"]:
        t = pt["test"]
        arith = t["coders"]["arithmetic"]
        assert arith["round_trip"] and pt["self"]["coders"]["arithmetic"]["round_trip"]
        assert t["kl_bits_per_char"] > 0 and t["coded_kl_bits_per_char"] > 0
        # measured = the coded model's code length, up to the range coder's few final bytes
        assert abs(arith["termination_bits"]) <= 32
        kl.append(t["kl_bits_per_char"])
        # the training text codes itself at about its own H_k (only the smoothing costs)
        assert 0 <= pt["self"]["kl_bits_per_char"] < 0.02  # 0.0017, 0.0004, 0.0087
    assert kl == sorted(kl)  # a longer context fits alice29 better and asyoulik worse
    o0, o1 = r["points"][0]["test"], r["points"][1]["test"]
    assert o0["cross_entropy_bits_per_char"] == pytest.approx(5.206008, abs=1e-6)
    assert o0["conditional_entropy_bits_per_char"] == pytest.approx(4.80812, abs=1e-5)
    # golden sizes (the arithmetic coder's integer model: exact on every machine)
    assert o1["coders"]["arithmetic"]["payload_bits"] == 586_872
    assert r["points"][1]["compact_description_bits"] == 23_832


def test_ngram_checks_its_arguments(tmp_path):
    for kwargs in ({"train": b"", "test": b"x"}, {"train": b"x", "test": tmp_path / "missing"},
                   {"train": b"x", "test": 3}, {"train": b"x", "test": b"y", "orders": (9,)},
                   {"train": b"x", "test": b"y", "orders": ()},
                   {"train": b"x", "test": b"y", "coders": ("huffman",)}):
        with pytest.raises(InvalidInputError):
            run_ngram(**kwargs)


def test_cli_ngram_json(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(TRAIN)
    b.write_bytes(TEST)
    r = run("experiment", "ngram", "--train", str(a), "--test", str(b), "--orders", "0,1,2",
            "--json", "-q")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["experiment"] == "ngram" and [pt["order"] for pt in data["points"]] == [0, 1, 2]
    assert data["train"]["file"] == "a.txt" and data["test"]["file"] == "b.txt"
    r = run("experiment", "ngram", "--train", str(a), "--test", str(b), "--orders", "1", "-q")
    assert r.exit_code == 0 and "round trips: all decoded to the texts" in r.stdout
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert run("experiment", "ngram", "--train", str(empty), "--test", str(b)).exit_code == 1
    assert run("experiment", "ngram", "--train", str(tmp_path / "no"), "--test", str(b)).exit_code == 1
    assert run("experiment", "ngram", "--orders", "9", "--train", str(a), "--test", str(b)).exit_code == 2


@needs_mpl
def test_cli_ngram_plot(tmp_path):
    a, out = tmp_path / "a.txt", tmp_path / "n.svg"
    a.write_bytes(TRAIN)
    r = run("experiment", "ngram", "--train", str(a), "--test", str(a), "--orders", "0,1",
            "--plot", str(out), "-q")
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("<?xml")
