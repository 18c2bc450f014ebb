"""The experiments (entropycodec.experiments) and the `experiment` command.

Each experiment runs small and seeded; the assertions are the theory each one
checks: coders driven by Q pay H(P, Q); Huffman never beats H(P) and pays >= 1
bit per symbol on a binary source, under the known redundancy bounds; fixed
costs per symbol fall with n; the worked examples have their textbook values.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import zlib

import pytest
from click.testing import CliRunner
from conftest import OWN_CORPORA

import entropycodec as ec
from entropycodec.cli.main import cli
from entropycodec.experiments import output
from entropycodec.experiments.corpus import corpus_table, run_corpus
from entropycodec.experiments.examples import examples_markdown, seed_examples
from entropycodec.experiments.length import run_length
from entropycodec.experiments.mismatch import run_mismatch
from entropycodec.experiments.skew import gallager_bound, pmax_half_bound, run_skew

try:
    import matplotlib  # noqa: F401

    HAVE_MPL = True
except ImportError:  # pragma: no cover - the plot extra is installed in CI
    HAVE_MPL = False
needs_mpl = pytest.mark.skipif(not HAVE_MPL, reason="matplotlib (the 'plot' extra) not installed")


def run(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def mismatch_result():
    return run_mismatch([0.8, 0.1, 0.1], n=100_000, steps=11, seed=7)


# -- mismatch ---------------------------------------------------------------------------------

def test_mismatch_arithmetic_and_rans_sit_on_the_cross_entropy(mismatch_result):
    for pt in mismatch_result["points"]:
        xent = pt["empirical_cross_entropy_bits_per_symbol"]
        arith = pt["coders"]["arithmetic"]["bits_per_symbol"]
        rans = pt["coders"]["rans"]["bits_per_symbol"]
        # exact accounting on the sample: only quantization and termination remain;
        # termination is two lane flushes (<= 2 bytes each) and a 2-byte lane length:
        # at most 48 bits over 10**5 symbols
        assert abs(arith - xent) < 3e-4 + 48 / 100_000, (pt["t"], arith, xent)
        assert 0 <= rans - xent < 3.5e-3, (pt["t"], rans, xent)  # 4 x 64-bit flushed states
        # and against the true source's H(P, Q_t), within the sampling noise of 10**5 symbols
        assert abs(arith - pt["cross_entropy_bits_per_symbol"]) < 0.01


def test_mismatch_cross_entropy_is_entropy_plus_kl(mismatch_result):
    h = mismatch_result["source"]["entropy_bits_per_symbol"]
    assert h == pytest.approx(0.921928, abs=1e-6)
    first, last = mismatch_result["points"][0], mismatch_result["points"][-1]
    assert first["t"] == 0.0 and first["kl_divergence_bits_per_symbol"] == pytest.approx(0, abs=1e-12)
    assert last["cross_entropy_bits_per_symbol"] == pytest.approx(math.log2(3), abs=1e-12)
    for pt in mismatch_result["points"]:
        assert pt["cross_entropy_bits_per_symbol"] == pytest.approx(
            h + pt["kl_divergence_bits_per_symbol"], abs=1e-12)
    xs = [pt["cross_entropy_bits_per_symbol"] for pt in mismatch_result["points"]]
    assert xs == sorted(xs)  # moving away from P only costs more


def test_mismatch_huffman_brackets(mismatch_result):
    h_emp = mismatch_result["source"]["empirical_entropy_bits_per_symbol"]
    for pt in mismatch_result["points"]:
        xent = pt["empirical_cross_entropy_bits_per_symbol"]
        huff = pt["coders"]["huffman"]["bits_per_symbol"]
        # Kraft: no code beats the entropy; the Huffman code of Q_t stays within H(P,Q_t) + 1
        assert h_emp <= huff <= xent + 1
        # the Shannon code ceil(-log2 Q_t) obeys the textbook bracket exactly
        assert xent <= pt["shannon_code_bits_per_symbol"] < xent + 1
        # every Q_t here gives the same Huffman code: 1, 2, 2 bits
        assert pt["coders"]["huffman"]["code_lengths"] == {"0": 1, "1": 2, "2": 2}
    # so Huffman's rate is flat and, for t near 1, *below* H(P, Q_t): integer lengths make
    # it robust to this mismatch (H(P, U) = log2 3 = 1.585 > 1.2)
    lo, hi = mismatch_result["points"][0], mismatch_result["points"][-1]
    assert lo["coders"]["huffman"]["bits_per_symbol"] == hi["coders"]["huffman"]["bits_per_symbol"]
    assert lo["empirical_cross_entropy_bits_per_symbol"] <= lo["coders"]["huffman"]["bits_per_symbol"]
    assert hi["coders"]["huffman"]["bits_per_symbol"] < hi["empirical_cross_entropy_bits_per_symbol"]


def test_mismatch_is_deterministic_given_the_seed():
    a = output.to_json(run_mismatch([0.6, 0.3, 0.1], n=3000, steps=4, seed=11))
    b = output.to_json(run_mismatch([0.6, 0.3, 0.1], n=3000, steps=4, seed=11))
    c = output.to_json(run_mismatch([0.6, 0.3, 0.1], n=3000, steps=4, seed=12))
    assert a == b and a != c


def test_mismatch_with_files_and_model_from():
    data = (OWN_CORPORA / "markov.txt").read_bytes()[:20000]
    other = (OWN_CORPORA / "abcd_iid.txt").read_bytes()[:20000]  # lacks every vowel: floor
    r = run_mismatch(data=data, model_from=other, steps=3, seed=0)
    assert r["source"]["kind"] == "file" and r["reference_model"]["floor"] == 2.0 ** -8
    for pt in r["points"]:
        arith = pt["coders"]["arithmetic"]
        assert arith["bits_per_symbol"] == pytest.approx(arith["quantized_model_cross_entropy"], abs=2e-3)
        assert arith["minus_empirical_cross_entropy"] == pytest.approx(0, abs=6e-3)
    # the empirical P is the source: at t = 0 the rate is H0 of the data
    assert r["points"][0]["cross_entropy_bits_per_symbol"] == pytest.approx(
        r["source"]["empirical_entropy_bits_per_symbol"], abs=1e-12)
    assert r["points"][-1]["cross_entropy_bits_per_symbol"] > 8  # the floor's price: ~10+ bits


def test_mismatch_rejects_bad_input():
    from entropycodec.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="steps"):
        run_mismatch(steps=1)
    with pytest.raises(InvalidInputError, match="negative"):
        run_mismatch([0.5, -0.5])


# -- skew -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def skew_result():
    return run_skew(n=50_000, seed=5)


def test_skew_huffman_never_below_one_bit_on_binary_sources(skew_result):
    binary = skew_result["series"][0]
    assert binary["alphabet_size"] == 2 and binary["points"][-1]["p_max"] == 0.999
    for pt in binary["points"]:
        assert pt["coders"]["huffman"]["bits_per_symbol"] == 1.0
    assert binary["points"][-1]["empirical_entropy_bits_per_symbol"] < 0.02


def test_skew_huffman_under_its_bounds_and_arithmetic_on_the_entropy(skew_result):
    for s in skew_result["series"]:
        for pt in s["points"]:
            red = pt["coders"]["huffman"]["redundancy_bits_per_symbol"]
            assert -1e-12 <= red <= pt["gallager_bound"]
            if pt["pmax_half_bound"] is not None:
                assert red <= pt["pmax_half_bound"] + 1e-12
            assert abs(pt["coders"]["arithmetic"]["redundancy_bits_per_symbol"]) < 1e-3
            assert 0 <= pt["coders"]["rans"]["redundancy_bits_per_symbol"] < 6e-3


def test_skew_bounds_values():
    assert gallager_bound(0.5) == pytest.approx(0.5860713, abs=1e-6)
    assert pmax_half_bound(0.5) == pytest.approx(0.5)
    assert pmax_half_bound(0.999) == pytest.approx(2 - 0.999 - 0.0114078, abs=1e-6)
    assert pmax_half_bound(0.4) is None


def test_skew_is_deterministic_given_the_seed():
    kw = dict(n=2000, binary_p=[0.7, 0.99], alphabet_sizes=(3,))
    assert output.to_json(run_skew(seed=1, **kw)) == output.to_json(run_skew(seed=1, **kw))


# -- length -----------------------------------------------------------------------------------

def test_length_fixed_costs_fall_like_one_over_n():
    r = run_length(max_n=100_000, seed=2, coders=("huffman", "arithmetic", "rans"))
    ns = [pt["n"] for pt in r["points"]]
    assert ns[0] == 10 and ns[-1] == 100_000
    for name in ("huffman", "arithmetic", "rans"):
        fixed = [pt["coders"][name]["fixed_bits"] for pt in r["points"]]
        per_symbol = [pt["coders"][name]["fixed_bits_per_symbol"] for pt in r["points"]]
        # O(1) bits per message (a header of a few bytes, a bounded flush) ...
        assert max(fixed) < 400 and min(fixed) > 0
        # ... so the per-symbol cost falls by orders of magnitude
        assert per_symbol[-1] < per_symbol[0] / 1000
    last = r["points"][-1]["coders"]
    assert last["arithmetic"]["overhead_bits_per_symbol"] < 2e-3
    # one rANS lane below 131072 symbols, started at 1: its flushed state is information
    assert all(pt["coders"]["rans"]["termination_bits"] < 32 for pt in r["points"])
    assert 0.03 < last["huffman"]["overhead_bits_per_symbol"] < 0.06  # 1.8 vs 1.761 bits


def test_length_is_deterministic_and_validates():
    from entropycodec.errors import InvalidInputError

    a = run_length(max_n=500, seed=4, coders=("rans",))
    assert output.to_json(a) == output.to_json(run_length(max_n=500, seed=4, coders=("rans",)))
    with pytest.raises(InvalidInputError):
        run_length(max_n=10**8)


# -- corpus -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_result():
    files = [OWN_CORPORA / "abcd_iid.txt", OWN_CORPORA / "skewed_binary.txt"]
    return run_corpus(files, methods=("huffman", "arithmetic", "rans", "adaptive", "zlib-9",
                                      "bz2-9", "lzma-9"))


def test_corpus_sizes(corpus_result):
    rows = {r["file"]: r for r in corpus_result["files"]}
    skewed = rows["skewed_binary.txt"]
    assert skewed["H0"] == pytest.approx(0.082248, abs=1e-6)
    assert skewed["H1"] <= skewed["H0"] and skewed["H2"] <= skewed["H1"] + 1e-12
    m = skewed["methods"]
    # Huffman spends one bit per byte of a two-symbol file (plus its tiny header)
    assert 1.0 <= m["huffman"]["bits_per_byte"] < 1.001
    assert m["arithmetic"]["bits_per_byte"] == pytest.approx(skewed["H0"], abs=2e-3)
    data = (OWN_CORPORA / "skewed_binary.txt").read_bytes()
    assert m["zlib-9"]["bits"] == 8 * len(zlib.compress(data, 9))
    iid = rows["abcd_iid.txt"]["methods"]
    assert iid["huffman"]["bits_per_byte"] == pytest.approx(1.8, abs=0.01)
    for row in corpus_result["files"]:
        assert row["methods"]["zlib-9"]["timing"]["delta_vs_zlib"] == 1.0
        for v in row["methods"].values():
            assert v["timing"]["mb_per_s"] > 0


def test_corpus_tables(corpus_result):
    text = corpus_table(corpus_result, "text")
    assert "skewed_binary.txt" in text and "huffman bpb" in text and "delta" in text
    md = corpus_table(corpus_result, "markdown")
    assert "| skewed_binary.txt | 100000 | 0.082 |" in md
    csv_lines = corpus_table(corpus_result, "csv").splitlines()
    assert len(csv_lines) == 3 and csv_lines[0].startswith("file,bytes,H0,H1,H2,huffman bpb")


def test_corpus_deterministic_apart_from_timings(corpus_result):
    again = run_corpus([OWN_CORPORA / "abcd_iid.txt", OWN_CORPORA / "skewed_binary.txt"],
                       methods=corpus_result["methods"])

    def strip(r):
        r = json.loads(output.to_json(r))
        for row in r["files"]:
            for v in row["methods"].values():
                v.pop("timing")
        return r

    assert strip(again) == strip(corpus_result)


# -- seed examples ----------------------------------------------------------------------------

def test_seed_examples_have_their_textbook_values():
    ex = {e["id"]: e for e in seed_examples(seed=0)["examples"]}
    def r3(v):
        return round(v, 3)

    assert [r3(x) for x in ex["coin"]["rows"][0][2:]] == [1.0, 0.693]
    assert [r3(x) for x in ex["die"]["rows"][0][2:]] == [2.585, 1.792]
    assert r3(ex["bent-coin"]["rows"][0][2]) == 0.918
    nats = [r3(row[1]) for row in ex["mismatch"]["rows"][:3]]
    assert nats == [0.639, 1.5, 0.861]
    measured_bits = ex["mismatch"]["rows"][-1][2]
    assert measured_bits == pytest.approx(ex["mismatch"]["rows"][1][2], abs=0.02)
    assert [r3(row[1]) for row in ex["colours"]["rows"][:2]] == [1.846, 2.0]
    assert [r3(row[2]) for row in ex["boxes"]["rows"]] == [1.157, 1.571]
    abcd = ex["abcd"]
    assert [r3(row[2]) for row in abcd["rows"]] == [1.0, 2.322, 2.322, 3.322]
    summary = dict(abcd["summary"])
    assert r3(summary["entropy H(p)"]) == 1.761 and r3(summary["Huffman expected length"]) == 1.8
    assert r3(summary["bad code expected length"]) == 1.6 and summary["bad code Kraft sum"] == "9/8"
    assert "NOT uniquely decodable" in abcd["note"]
    assert [r3(row[2]) for row in ex["one-hot"]["rows"]] == [1.737, 0.515, 0.074]


def test_examples_page_is_up_to_date():
    from pathlib import Path

    page = Path(__file__).resolve().parent.parent / "docs" / "examples.md"
    if not page.exists():
        pytest.skip("docs/examples.md not generated yet (python docs/make_figures.py)")
    assert page.read_text(encoding="utf-8") == examples_markdown(seed_examples(seed=0))


# -- plots ------------------------------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@needs_mpl
def test_every_plot_writes_a_png(tmp_path, mismatch_result):
    from entropycodec.experiments import plot_corpus, plot_length, plot_mismatch, plot_skew

    results = [
        (plot_mismatch, mismatch_result),
        (plot_skew, run_skew(n=2000, binary_p=[0.6, 0.99], alphabet_sizes=(4,), seed=0)),
        (plot_length, run_length(max_n=200, seed=0, coders=("huffman", "rans"))),
        (plot_corpus, run_corpus([OWN_CORPORA / "abcd.txt"], methods=("huffman", "zlib-9"))),
    ]
    for plotter, result in results:
        path = tmp_path / f"{plotter.__name__}.png"
        plotter(result, path)
        head = path.read_bytes()[:8]
        assert head == PNG_MAGIC and path.stat().st_size > 10_000, plotter.__name__
    svg = tmp_path / "skew.svg"
    plot_skew(results[1][1], svg)
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_missing_matplotlib_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(output.MissingExtraError, match=r"pip install 'entropycodec\[plot\]'"):
        output.require_matplotlib()
    r = run("experiment", "skew", "--n", "100", "--plot", str(tmp_path / "x.png"))
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        "entropycodec: error: plotting needs matplotlib, which is not installed: "
        "pip install 'entropycodec[plot]'"]
    assert not (tmp_path / "x.png").exists()


# -- figures and summaries a user reads (issue 9, section 5) ------------------------------------

@pytest.fixture
def saved_figures(monkeypatch):
    """The figures the plot_* functions save, kept open for inspection (nothing is written)."""
    from entropycodec.experiments import corpus, length, mismatch, skew

    figures = []
    for module in (corpus, length, mismatch, skew):
        monkeypatch.setattr(module, "save_figure", lambda fig, path: figures.append(fig))
    yield figures
    if figures:
        import matplotlib.pyplot as plt

        for fig in figures:
            plt.close(fig)


def _inside(fig, artist) -> bool:
    box = artist.get_window_extent(fig.canvas.get_renderer())
    f = fig.bbox
    return f.x0 <= box.x0 and box.x1 <= f.x1 and f.y0 <= box.y0 and box.y1 <= f.y1


def test_length_learning_coders_report_their_real_cost():
    r = run_length(max_n=1000, seed=0, coders=("arithmetic", "adaptive", "cm"))
    for pt in r["points"]:
        n, h = pt["n"], pt["empirical_entropy_bits_per_symbol"]
        for name in ("adaptive", "cm"):
            c = pt["coders"][name]
            # no separable fixed cost: not a 0 that looks free
            assert c["fixed_bits"] is None and c["fixed_bits_per_symbol"] is None
            assert c["termination_bits"] is None
            assert c["total_overhead_bits"] == pytest.approx(c["total_bits"] - n * h, abs=1e-9)
            assert c["total_overhead_bits"] > 0
            assert c["overhead_bits_per_symbol"] == pytest.approx(c["total_overhead_bits"] / n, abs=1e-12)
        a = pt["coders"]["arithmetic"]
        assert a["fixed_bits"] == a["header_bits"] + a["termination_bits"] > 0
    first = r["points"][0]["coders"]["adaptive"]
    assert round(first["total_overhead_bits"], 3) == 36.290  # 56 bits for 10 symbols of H^ = 1.971


def test_cli_length_summary_shows_the_adaptive_coders_real_cost(tmp_path):
    out = tmp_path / "length.json"
    r = run("experiment", "length", "--max-n", "100", "--coders", "arithmetic,adaptive", "-q",
            "--out", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    lines = r.stdout.splitlines()
    assert "0.00000" not in r.stdout
    fixed_at = lines.index("fixed cost: (header + termination) / n, bits per symbol")
    total_at = lines.index("total overhead: (total bits - n H(P^)) / n, bits per symbol")
    for pt in doc["points"]:
        c = pt["coders"]
        assert f"{pt['n']:>9} {c['arithmetic']['fixed_bits_per_symbol']:>11.5f} {'-':>11}" \
            in lines[fixed_at:total_at]
        assert f"{pt['n']:>9} {c['arithmetic']['overhead_bits_per_symbol']:>11.5f} " \
               f"{c['adaptive']['overhead_bits_per_symbol']:>11.5f}" in lines[total_at:]
    assert lines[total_at + 2] == "       10    10.82905     3.62905"
    assert lines[-1] == ("-: no separate fixed cost (adaptive learns its model while coding): "
                         "see the total overhead")


@needs_mpl
def test_length_plot_right_axis_shows_every_n(saved_figures, tmp_path):
    from entropycodec.experiments import plot_length

    result = run_length(max_n=10_000, seed=0)
    plot_length(result, tmp_path / "length.png")
    fig = saved_figures[-1]
    left, right = fig.axes[:2]
    assert right.get_yscale() == "log"
    lo, hi = right.get_ylim()
    drawn = {line.get_label(): line for line in right.get_lines()}
    assert set(drawn) >= {"huffman", "arithmetic", "rans", "adaptive", "cm"}
    for name, line in drawn.items():
        xs, ys = list(line.get_xdata()), list(line.get_ydata())
        assert xs[0] == 10, name  # the smallest n is drawn ...
        assert all(lo < y < hi for y in ys), (name, lo, hi, max(ys))  # ... and inside the axis
    # the learning coders have no fixed cost to draw on the left
    assert {line.get_label() for line in left.get_lines()} == {
        "huffman", "arithmetic", "rans", "64 bits / n (slope -1)"}


@needs_mpl
def test_corpus_plot_labels_cut_bars_readably(saved_figures, tmp_path):
    from matplotlib.colors import to_rgb

    from entropycodec.experiments import plot_corpus

    methods = ("huffman", "arithmetic", "rans", "zlib-9", "bz2-9", "lzma-9")
    result = run_corpus([OWN_CORPORA / "abcd.txt", OWN_CORPORA / "abcd_iid.txt"], methods=methods)
    cut = sorted(m["bits_per_byte"] for row in result["files"] for m in row["methods"].values()
                 if m["bits_per_byte"] > 9)
    assert len(cut) == 5  # a 10-byte file: headers cost more than 9 bits per byte
    plot_corpus(result, tmp_path / "corpus.png")
    fig = saved_figures[-1]
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text()]
    assert sorted(float(t.get_text()) for t in labels) == [float(f"{v:.3g}") for v in cut]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels]
    axes_top = ax.get_window_extent(renderer).y1
    title = ax.title.get_window_extent(renderer)
    for t, box in zip(labels, boxes):
        assert t.get_rotation() == 0 and t.get_fontsize() >= 8
        assert sum(to_rgb(t.get_color())) / 3 < 0.3  # dark text on the white background
        assert box.y0 >= axes_top - 1 and _inside(fig, t)  # above the cut bars, in the figure
        assert not box.overlaps(title)
    for i in range(len(boxes)):
        for j in range(i):
            assert not boxes[i].overlaps(boxes[j]), (labels[i].get_text(), labels[j].get_text())


@needs_mpl
def test_skew_plot_keeps_arithmetic_and_rans_apart(saved_figures, tmp_path):
    import numpy as np

    from entropycodec.experiments import plot_skew

    plot_skew(run_skew(n=5000, binary_p=[0.5, 0.9, 0.99], alphabet_sizes=(4,), seed=0),
              tmp_path / "skew.png")
    fig = saved_figures[-1]
    for ax in fig.axes[:2]:
        lines = {line.get_label().split(" ")[0]: line for line in ax.get_lines()}
        arith, rans = lines["arithmetic"], lines["rans"]
        assert arith.get_marker() != rans.get_marker()
        assert arith.get_linestyle() != rans.get_linestyle()

        def shown(line):
            xy = np.column_stack([line.get_xdata(), line.get_ydata()])
            return line.get_transform().transform(xy)

        a, b = shown(arith), shown(rans)
        assert np.allclose(a[:, 0], b[:, 0])  # same p_max ...
        assert (b[:, 1] - a[:, 1] >= 4).all()  # ... but rANS at least 4 pixels higher
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any(t.startswith("rans (measured") and "drawn 5 pt higher" in t for t in legend)


def test_skew_rows_depend_only_on_seed_k_and_p():
    a = run_skew(n=20_000, binary_p=[0.9], alphabet_sizes=(3,), seed=0)
    b = run_skew(n=20_000, binary_p=[0.6, 0.9], alphabet_sizes=(4, 3), seed=0)
    assert a["series"][0]["points"][0] == b["series"][0]["points"][1]
    assert a["series"][1] == b["series"][2]  # the k = 3 series
    c = run_skew(n=20_000, binary_p=[0.9], alphabet_sizes=(), seed=1)
    assert c["series"][0]["points"][0] != a["series"][0]["points"][0]
    from entropycodec.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match=r"^seed must be an integer >= 0, got -1$"):
        run_skew(n=100, seed=-1)


def test_cli_skew_row_is_the_same_whatever_the_other_p(tmp_path):
    docs, rows = [], []
    for i, ps in enumerate(("0.9", "0.6,0.9")):
        out = tmp_path / f"skew{i}.json"
        r = run("experiment", "skew", "--n", "20000", "--binary-p", ps, "--sizes", "", "-q",
                "--out", str(out))
        assert r.exit_code == 0, r.output
        docs.append(json.loads(out.read_text())["series"][0]["points"])
        rows.append([line for line in r.stdout.splitlines() if line.startswith("  2  0.900")])
    assert docs[0][0] == docs[1][1]  # every value of the p = 0.9 row
    assert len(rows[0]) == 1 and rows[0] == rows[1]


@needs_mpl
def test_mismatch_data_title_names_the_file_and_fits(saved_figures, tmp_path):
    folder = tmp_path / "some" / "folder"
    folder.mkdir(parents=True)
    name = "markov_sample_with_a_rather_long_name_for_a_figure_title_0123456789.txt"
    (folder / name).write_bytes((OWN_CORPORA / "markov.txt").read_bytes()[:20_000])
    r = run("experiment", "mismatch", "--data", str(folder / name), "--model-from",
            str(OWN_CORPORA / "abcd_iid.txt"), "--steps", "2", "-q", "--plot", str(tmp_path / "m.png"))
    assert r.exit_code == 0, r.output
    fig = saved_figures[-1]
    ax = fig.axes[0]
    title = ax.title.get_text()
    assert name in title.replace("\n", "") and str(folder) not in title
    assert "abcd_iid.txt" in ax.get_xlabel()
    assert _inside(fig, ax.title) and _inside(fig, ax.xaxis.label)


@needs_mpl
def test_mismatch_distribution_title_fits(saved_figures, tmp_path, mismatch_result):
    from entropycodec.experiments import plot_mismatch

    plot_mismatch(mismatch_result, tmp_path / "m.png")
    fig = saved_figures[-1]
    assert fig.axes[0].get_title() == "Coding with a mismatched model: P = 0.8/0.1/0.1, n = 100,000"
    assert _inside(fig, fig.axes[0].title)


# -- the command line -------------------------------------------------------------------------

def test_cli_mismatch_json_to_stdout_is_deterministic():
    args = ("experiment", "mismatch", "--p", "0.7,0.2,0.1", "--n", "2000", "--steps", "3",
            "--seed", "9", "-q", "--json")
    a, b = run(*args), run(*args)
    assert a.exit_code == 0 and a.stdout == b.stdout
    doc = json.loads(a.stdout)
    assert doc["experiment"] == "mismatch" and [p["t"] for p in doc["points"]] == [0, 0.5, 1]


@needs_mpl
def test_cli_mismatch_out_and_plot(tmp_path):
    out, fig = tmp_path / "m.json", tmp_path / "m.png"
    r = run("experiment", "mismatch", "--n", "5000", "--steps", "3", "--out", str(out),
            "--plot", str(fig))
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["params"]["n"] == 5000
    assert fig.read_bytes()[:8] == PNG_MAGIC
    assert "H(P,Q_t)" in r.stdout  # the summary table


def test_cli_other_experiments(tmp_path):
    r = run("experiment", "skew", "--n", "2000", "--binary-p", "0.9", "--sizes", "",
            "--out", str(tmp_path / "s.json"))
    assert r.exit_code == 0 and "1.0000" not in r.stdout.splitlines()[0]
    assert json.loads((tmp_path / "s.json").read_text())["series"][0]["points"][0]["p_max"] == 0.9
    r = run("experiment", "length", "--max-n", "100", "--coders", "arithmetic", "--json")
    assert r.exit_code == 0 and [p["n"] for p in json.loads(r.stdout)["points"]] == [10, 20, 50, 100]
    r = run("experiment", "corpus", str(OWN_CORPORA / "abcd.txt"), "--methods", "huffman,zlib-9",
            "--format", "csv", "--out", str(tmp_path / "c.json"))
    assert r.exit_code == 0 and r.stdout.splitlines()[1].startswith("abcd.txt,10,1.761,")
    r = run("experiment", "seed-examples")
    assert r.exit_code == 0 and "9/8" in r.stdout and "1.761" in r.stdout


def test_cli_errors():
    r = run("experiment", "mismatch", "--coders", "zip")
    assert r.exit_code == 2 and "unknown coder" in r.stderr
    r = run("experiment", "mismatch", "--p", "0.5,-1")  # an option value: misuse
    assert r.exit_code == 2 and r.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for --p: negative value -1")
    r = run("experiment", "mismatch", "--p", "0.5,0.6")
    assert r.exit_code == 2 and "the probabilities sum to 1.1, not 1" in r.stderr
    r = run("experiment", "mismatch", "--p", "8,1,1", "--n", "100", "--steps", "2", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["source"]["p"] == [0.8, 0.1, 0.1]  # counts
    r = run("experiment", "length", "--max-n", "5")
    assert r.exit_code == 2
    r = run("experiment", "skew", "--plot", "fig.pdf")
    assert r.exit_code == 2 and ".png or .svg" in r.stderr


def test_cli_experiments_print_a_summary_unless_json():
    r = run("experiment", "length", "--max-n", "20", "--coders", "huffman")
    assert r.exit_code == 0 and not r.stdout.lstrip().startswith("{") and "huffman" in r.stdout
    r = run("experiment", "corpus", str(OWN_CORPORA / "abcd.txt"), "--methods", "huffman", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["methods"] == ["huffman"]
    r = run("experiment", "seed-examples", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["examples"]


def test_corpus_cm_level_defaults_to_the_compressors(tmp_path):
    from entropycodec.coders.cm import DEFAULT_LEVEL

    assert DEFAULT_LEVEL == 7
    assert run_corpus([], methods=("huffman",))["params"]["cm_level"] == DEFAULT_LEVEL
    r = run("experiment", "corpus", str(OWN_CORPORA / "abcd.txt"), "--methods", "huffman", "--json")
    assert json.loads(r.stdout)["params"]["cm_level"] == DEFAULT_LEVEL
    r = run("experiment", "corpus", str(OWN_CORPORA / "abcd.txt"), "--methods", "huffman",
            "--cm-level", "3", "--json")
    assert json.loads(r.stdout)["params"]["cm_level"] == 3


def test_outputs_never_create_missing_directories(tmp_path):
    missing = tmp_path / "no" / "dir"
    with pytest.raises(FileNotFoundError):
        output.write_json({"a": 1}, missing / "o.json")
    if HAVE_MPL:
        import matplotlib.pyplot as plt

        with pytest.raises(FileNotFoundError):
            output.save_figure(plt.figure(), missing / "o.png")
    r = run("experiment", "skew", "--n", "10", "--out", str(missing / "s.json"),
            "--plot", str(missing / "s.png"))
    assert r.exit_code == 1 and r.stderr == f"entropycodec: error: no such directory: {missing}\n"
    r = run("experiment", "corpus", str(OWN_CORPORA / "abcd.txt"), "--methods", "huffman",
            "--csv", str(missing / "c.csv"))
    assert r.exit_code == 1 and r.stderr == f"entropycodec: error: no such directory: {missing}\n"
    assert not (tmp_path / "no").exists()


def test_cli_module_imports_no_numpy():
    code = ("import sys, entropycodec.cli.experiment_cmd; "
            "print(sorted(m for m in ('numpy', 'matplotlib', 'numba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- progress bar and documentation coverage ----------------------------------------------------

class _FakeTerminal:
    """A stderr that claims to be a terminal and keeps what is written to it."""

    def __init__(self):
        self.text = []

    def isatty(self):
        return True

    def write(self, s):
        self.text.append(s)

    def flush(self):
        pass


def test_progress_bar_only_on_a_terminal(monkeypatch):
    fake = _FakeTerminal()
    monkeypatch.setattr(sys, "stderr", fake)
    run_skew(n=500, binary_p=[0.9], alphabet_sizes=(), seed=0, show_progress=True)
    assert "skew" in "".join(fake.text)
    fake.text.clear()
    run_skew(n=500, binary_p=[0.9], alphabet_sizes=(), seed=0, show_progress=False)
    assert fake.text == []


def test_api_doc_shows_every_public_name():
    import re
    from pathlib import Path

    import entropycodec

    text = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"ec\.(\w+)", text))
    assert sorted(set(entropycodec.__all__) - shown) == []


def test_corpus_default_methods_run_every_coder_at_its_level():
    """With no --methods every coder runs, the levelled ones (cm, bwt) each at its own
    level: bwt at its default 1, not at cm's 7 (which once made the default run fail)."""
    from entropycodec.experiments.corpus import CORPUS_METHODS

    r = run("experiment", "corpus", str(OWN_CORPORA / "abcd.txt"), "--json")
    assert r.exit_code == 0, r.output
    methods = json.loads(r.stdout)["files"][0]["methods"]
    assert {"cm", "bwt"} <= set(CORPUS_METHODS) <= set(methods)
    data = (OWN_CORPORA / "abcd.txt").read_bytes()
    assert methods["bwt"]["bits"] == 8 * len(ec.encode(data, coder="bwt").payload) == 48
