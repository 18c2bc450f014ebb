"""The hand-written end of docs/examples.md: coding with the models people really have.

:func:`~entropycodec.experiments.examples.examples_markdown` appends :data:`MODEL_EXAMPLES`
to the generated tables. Its examples are doctests (the test suite runs docs/*.md), so
every number below is computed again on every test run.
"""

MODEL_EXAMPLES = r'''
## Coding labels with a classifier's predictions

The cross-entropy loss a deep-learning framework reports is the code length of the labels
coded with the model's predicted rows, in nats. The cross-entropy essay's one-hot case:
label class 0, with predictions (0.3, 0.2, 0.5), (0.7, 0.2, 0.1) and (0.95, 0.03, 0.02),
costs -log2 of the predicted probability of the label:

    >>> import math, numpy as np, entropycodec as ec
    >>> rows = np.array([[0.3, 0.2, 0.5], [0.7, 0.2, 0.1], [0.95, 0.03, 0.02]])
    >>> ec.Categorical(rows).information_content([0, 0, 0]).round(3).tolist()
    [1.737, 0.515, 0.074]

A sequence of 3,000 such labels (each row 1,000 times) costs their mean, 0.77518 bits per
label (0.537314 nats: the framework's loss), plus what the report shows: the rows'
quantization to 2**20 slots (0.0 bits here), the coder's termination and no header (the
decoder computes the same predictions):

    >>> q = ec.Categorical(np.tile(rows, (1000, 1)))
    >>> labels = np.zeros(3000, dtype=np.int64)
    >>> round(q.cross_entropy(labels), 5), round(q.cross_entropy(labels, base=math.e), 6)
    (0.77518, 0.537314)
    >>> enc = ec.encode(labels, coder="arithmetic", model=q)
    >>> enc.payload_bits, bool((ec.decode(enc) == labels).all())
    (2320, True)
    >>> r = ec.analyze(labels, model=q)
    >>> {c: round(a.overhead_bits["termination"], 1) for c, a in r.coders.items()}
    {'arithmetic': -5.5, 'rans': 26.5}

(The range coder may end a few bits below the sum of -log2 q_i: it sends the shortest
value inside its final interval. rANS codes this short message in one lane, which starts
at M = 2**20 and flushes its state in whole bytes: about 26 bits.)

A model that is always right costs almost nothing; uniform predictions cost log2 K bits
per label; the labels' own marginal costs H(P):

    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 10, 10000)
    >>> right = np.full((10000, 10), 1e-12); right[np.arange(10000), y] = 1.0
    >>> ec.encode(y, coder="arithmetic", model=ec.Categorical(right)).payload_bits
    8
    >>> uniform = np.full((10000, 10), 0.1)
    >>> ec.encode(y, coder="arithmetic", model=ec.Categorical(uniform)).payload_bits, round(10000 * math.log2(10), 1)
    (33224, 33219.3)
    >>> p = np.bincount(y, minlength=10) / 10000
    >>> marginal = ec.Categorical(np.tile(p, (10000, 1)))
    >>> ec.encode(y, coder="arithmetic", model=marginal).payload_bits, round(10000 * ec.entropy(p), 1)
    (33216, 33211.8)

## Coding a neural codec's latents

Integer latents, each with its own predicted mean and scale, coded with a quantized
Gaussian (the mass of [x - 1/2, x + 1/2]; the tails fold into the end points). The
decoder that holds the same model decodes the bare payload:

    >>> g = ec.QuantizedGaussian(np.array([0.3, -1.2, 2.7, 0.0]), np.array([0.5, 1.0, 2.0, 0.1]), -16, 16)
    >>> x = np.array([0, -1, 4, 0])
    >>> g.information_content(x).round(4).tolist()
    [0.7355, 1.4114, 2.6392, 0.0]
    >>> enc = ec.encode(x, coder="rans", model=g)
    >>> ec.decode(enc.payload, 4, model=g, coder="rans").tolist()
    [0, -1, 4, 0]

A different model decodes other numbers, or fails: nothing in a bare payload can tell.
An `Encoded` (and an `.ec` file) carries CRCs that catch it.

## An order-k context model, and when a context stops paying

    >>> text = b"the cat sat on the mat; the rat sat on the cat. " * 40
    >>> from entropycodec.models import context_tradeoff
    >>> for row in context_tradeoff(text, orders=(0, 1, 2, 3)):
    ...     print(row["order"], round(row["conditional_entropy"], 3), row["description_bits"])
    0 3.174 232
    1 0.962 624
    2 0.365 968
    3 0.25 1328

`entropycodec analyze FILE --context-order 3` prints the same trade-off beside the coders'
measured bits.

## Experiments: predictions and ngram

Two experiments code with the models people really have, and account for every bit against
the model's cross-entropy (`entropycodec.experiments.predictions` and `.ngram`; both take
`--json`, `--out FILE`, `--plot FILE.png|FILE.svg` and `-q` like the other experiments).

### `entropycodec experiment predictions`: the loss curve is a compressed-size curve

A classifier (scikit-learn's `MLPClassifier`; by default no hidden layer, i.e. softmax
regression; `--hidden 32` for a small MLP) learns scikit-learn's bundled digits (no
download; 1,257 training and 540 held-out images with the default `--test-fraction 0.3`).
After each of `--steps` passes over the training images, its `predict_proba` rows code the
540 held-out labels (`Categorical(probs)`, one row per label) with the arithmetic and rANS
coders, and the round trip is checked. The framework's loss, `sklearn.metrics.log_loss`, is
`Categorical.cross_entropy(labels, base=math.e)` to 1e-9 (checked at every step); divided by
ln 2 it is the code length in bits per label, and the measured payload is that plus the
quantization of the rows (2**20 slots, every class >= 1) and the coder's termination,
exactly. Needs the `predictions` extra (scikit-learn).

    entropycodec experiment predictions --plot predictions.png --out predictions.json

A default run (seed 0), bits per held-out label:

| step | loss (nats) | loss (bits) | arithmetic | rANS | accuracy |
|---:|---:|---:|---:|---:|---:|
| 1 | 1.90215 | 2.74422 | 2.75556 | 3.08148 | 0.496 |
| 10 | 0.53937 | 0.77814 | 0.78519 | 1.18519 | 0.917 |
| 30 | 0.25092 | 0.36200 | 0.37037 | 0.71111 | 0.957 |

H(P) of the held-out labels is 3.32173 bits (the classes are nearly balanced: log2 10 =
3.32193), the cost of coding them with their own marginal and no input. The arithmetic coder
stays within a few bytes of the loss curve (its termination: 32 bits or less, over 540
labels 0.06 bits per label at most); rANS spends about 26 bits more (its one lane starts at
M = 2**20 and is flushed in whole bytes), 0.05 bits per label, which the figure's right
panel shows.

### `entropycodec experiment ngram`: an order-k model of one text coding another

An order-k byte model is fitted to `--train` (default `alice29.txt` of the Canterbury
corpus, found at `../shared/corpora` beside the repository or under
`$ENTROPYCODEC_CORPORA`) and codes `--test` (default `asyoulik.txt`) and the training text
itself, for `--orders 0,1,2,3,4,5`. Order 0 is a `Categorical` row of add-one smoothed byte
counts; order k is `ContextModel.fit(train, k, floor=True)`, so every byte is codable in
every context. For each k it reports the test's cross-entropy H(P_test, Q_train), the
arithmetic coder's measured bits per char, the test's own conditional entropy H_k(test) (an
order-k model fitted to the test itself), and their difference KL(P_test || Q_train) >= 0:
what the training text's statistics cost beyond the test's own. With the model's size beside
it: a larger k lowers H_k and raises both the KL (overfitting) and the description.

    >>> from entropycodec.experiments.ngram import run_ngram
    >>> r = run_ngram(train=b"abracadabra " * 40, test=b"abracadabra cadabra " * 20, orders=(0, 1, 2))
    >>> [(pt["order"], round(pt["test"]["kl_bits_per_char"], 3)) for pt in r["points"]]
    [(0, 0.607), (1, 0.408), (2, 0.506)]
    >>> r["points"][2]["test"]["coders"]["arithmetic"]["round_trip"]
    True

A default run (about 8 s; most of it writing the order-4 and order-5 descriptions), bits per
character of asyoulik.txt (125,179 bytes) coded with the model of alice29.txt (152,089 bytes):

| k | H(P_test, Q_train) | arithmetic | H_k(test) | KL | train, own model | model description (bits) | test + model |
|---:|---:|---:|---:|---:|---:|---:|---:|
| 0 | 5.2060 | 5.2012 | 4.8081 | 0.3979 | 4.5699 | 2,168 | 5.22 |
| 1 | 4.9896 | 4.6883 | 3.4177 | 1.5720 | 3.4239 | 315,976 | 7.21 |
| 2 | 4.4028 | 4.3704 | 2.5381 | 1.8647 | 2.4985 | 5,500,208 | 48.31 |
| 3 | 4.2953 | 4.2864 | 1.8956 | 2.3997 | 1.8276 | 28,754,624 | 233.99 |
| 4 | 4.4251 | 4.4254 | 1.3796 | 3.0455 | 1.4571 | 82,262,200 | 661.58 |
| 5 | 4.6365 | 4.6376 | 0.9665 | 3.6701 | 1.2322 | 164,690,056 | 1320.27 |

The training text codes itself ever better as k grows (the "train, own model" column; its
KL to its own H_k, what the smoothing costs, is 0.0004 bits at k = 1 and 0.25 at k = 5, where
most contexts are seen only a few times), while the test text is cheapest at k = 3 and then gets
dearer: KL grows with every order. The measured rate follows the cross-entropy of the
*quantized* model the coder uses (`coded_cross_entropy_bits_per_char` in the JSON), which at
k = 1 is 0.30 bits per char below the float model's: one slot in 2**16 gives a byte never
seen after a context more than the smoothing does. The description is that of the smoothed
model in the context model format, which lists all 256 frequencies of every context seen;
the JSON's `compact_description_bits` (the unsmoothed counts, only the bytes seen: 23,832 bits
at k = 1, 1,753,296 at k = 5) is a lower estimate of what a smarter format would take.
Either way, sending an order-2 model or larger costs more than it saves on a text this size.
'''
