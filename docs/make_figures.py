"""Regenerate every figure and generated table of the documentation.

    python docs/make_figures.py            # all of them (under a minute; 13 s on 2 cores)
    python docs/make_figures.py --quick    # skip the corpus run (no timings change)

Writes, from the experiments of ``entropycodec.experiments`` with their default
seeds:

* docs/figures/mismatch.png   coding P = 0.8/0.1/0.1 with Q_t = (1-t) P + t U
* docs/figures/skew.png       Huffman's redundancy against skew, with its bounds
* docs/figures/length.png     finite-length overhead as n grows to 10**6
* docs/figures/corpus.png     bits per byte of every method on the Canterbury corpus
* docs/examples.md            the worked examples (``experiment seed-examples``)
* the block between the ``generated:corpus`` markers in docs/coders.md
  (the Canterbury table; timings are from this machine, run the script again
  to refresh them)

Needs the ``plot`` extra. The Canterbury corpus is read from ../shared/corpora
(or $ENTROPYCODEC_CORPORA); without it the corpus figure and table are left
as they are, with a message.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
FIGURES = DOCS / "figures"
CANTERBURY = Path(os.environ.get("ENTROPYCODEC_CORPORA", REPO.parent / "shared" / "corpora")) / "canterbury"
BEGIN, END = "<!-- BEGIN generated:corpus -->", "<!-- END generated:corpus -->"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def replace_block(path: Path, text: str) -> None:
    doc = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(doc):
        raise SystemExit(f"make_figures.py: {path} has no {BEGIN} ... {END} block")
    path.write_text(pattern.sub(lambda _: f"{BEGIN}\n{text}{END}", doc), encoding="utf-8")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Regenerate the documentation's figures and tables.")
    ap.add_argument("--quick", action="store_true", help="skip the (timed) corpus run")
    args = ap.parse_args(argv)

    from entropycodec.experiments import (
        corpus_table,
        examples_markdown,
        plot_corpus,
        plot_length,
        plot_mismatch,
        plot_skew,
        run_corpus,
        run_length,
        run_mismatch,
        run_skew,
        seed_examples,
    )

    FIGURES.mkdir(exist_ok=True)
    done = []
    plot_mismatch(run_mismatch(), FIGURES / "mismatch.png")
    done.append("figures/mismatch.png")
    plot_skew(run_skew(), FIGURES / "skew.png")
    done.append("figures/skew.png")
    plot_length(run_length(), FIGURES / "length.png")
    done.append("figures/length.png")
    (DOCS / "examples.md").write_text(examples_markdown(seed_examples(seed=0)), encoding="utf-8")
    done.append("examples.md")
    if args.quick:
        print("skipped the corpus figure and table (--quick)", file=sys.stderr)
    elif not CANTERBURY.is_dir():
        print(f"skipped the corpus figure and table: {CANTERBURY} not found", file=sys.stderr)
    else:
        result = run_corpus([CANTERBURY], repeat=1)
        plot_corpus(result, FIGURES / "corpus.png")
        note = (f"Measured by `python docs/make_figures.py` on {cpu_name()}"
                f" ({os.cpu_count()} logical cores, Python {platform.python_version()}); "
                "speeds are single runs on a shared machine, sizes are exact.\n\n")
        replace_block(DOCS / "coders.md", note + corpus_table(result, "markdown"))
        done += ["figures/corpus.png", "coders.md (corpus table)"]
    print("wrote docs/" + ", docs/".join(done), file=sys.stderr)


if __name__ == "__main__":
    main()
