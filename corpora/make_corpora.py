"""Regenerate the project's own small corpora (seeded, deterministic).

Run from anywhere: ``python corpora/make_corpora.py``. Each file's true
entropy (or entropy rate) is printed and documented in corpora/README.md.
Sampling uses inverse-CDF look-ups on PCG64 uniforms, whose stream numpy keeps
stable, so the files are reproducible across numpy versions.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20261121


def sample(rng: np.random.Generator, probs, n: int) -> np.ndarray:
    """n i.i.d. indices drawn from ``probs`` by inverse CDF."""
    cdf = np.cumsum(probs)
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(n), side="right")


def entropy_bits(p) -> float:
    return -sum(x * math.log2(x) for x in p if x > 0)


def markov_chain(rng, matrix, n: int) -> np.ndarray:
    cdfs = np.cumsum(matrix, axis=1)
    cdfs[:, -1] = 1.0
    u = rng.random(n)
    out = np.empty(n, dtype=np.int64)
    state = 0
    for t in range(n):
        state = int(np.searchsorted(cdfs[state], u[t], side="right"))
        out[t] = state
    return out


def main() -> None:
    rng = np.random.default_rng(SEED)
    abcd_p = [0.5, 0.2, 0.2, 0.1]
    (HERE / "abcd.txt").write_bytes(b"ABCAADABCA")

    letters = np.frombuffer(b"ABCD", dtype=np.uint8)
    (HERE / "abcd_iid.txt").write_bytes(letters[sample(rng, abcd_p, 100_000)].tobytes())

    binary_p = [0.99, 0.01]
    (HERE / "skewed_binary.txt").write_bytes(
        np.frombuffer(b"01", np.uint8)[sample(rng, binary_p, 100_000)].tobytes())

    (HERE / "uniform_random.bin").write_bytes(rng.integers(0, 256, 65_536, dtype=np.uint8).tobytes())

    # First-order Markov chain over "aeiou" with a sticky, skewed transition matrix.
    matrix = np.array([
        [0.60, 0.20, 0.10, 0.05, 0.05],
        [0.10, 0.60, 0.20, 0.05, 0.05],
        [0.05, 0.10, 0.60, 0.20, 0.05],
        [0.05, 0.05, 0.10, 0.60, 0.20],
        [0.20, 0.05, 0.05, 0.10, 0.60],
    ])
    chain = markov_chain(rng, matrix, 100_000)
    (HERE / "markov.txt").write_bytes(np.frombuffer(b"aeiou", np.uint8)[chain].tobytes())
    evals, evecs = np.linalg.eig(matrix.T)
    pi = np.real(evecs[:, np.argmin(abs(evals - 1))])
    pi /= pi.sum()
    rate = sum(pi[i] * entropy_bits(matrix[i]) for i in range(5))

    print(f"abcd.txt            H = {entropy_bits(abcd_p):.6f} bits/symbol (source)")
    print(f"abcd_iid.txt        H = {entropy_bits(abcd_p):.6f} bits/symbol")
    print(f"skewed_binary.txt   H = {entropy_bits(binary_p):.6f} bits/symbol")
    print("uniform_random.bin  H = 8 bits/byte")
    print(f"markov.txt          H0 = {entropy_bits(pi):.6f}, rate = {rate:.6f} bits/symbol")


if __name__ == "__main__":
    main()
