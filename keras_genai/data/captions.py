"""Captions for the digits, written from what can be measured on each image, so
a text-conditioned model has words it can learn ("a thick seven leaning right").

Three attributes, each judged against the other digits of the same class (a
"1" is always thinner than an "8"): thickness (ink: the mean intensity), width
(the share of columns holding ink; not the height, which MNIST's preprocessing
fixes at 20 of 28 pixels for most digits) and slant (the shear of the ink,
``cov(x, y) / var(y)`` of the inked pixels' coordinates). The lowest and highest
``share`` of each class (by rank) get a word; the middle gets none.
"""

import numpy as np

from keras_genai.utils.checks import check_positive_int

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven",
               "eight", "nine")
ATTRIBUTE_WORDS = {"thickness": ("thin", "thick"), "width": ("narrow", "wide"),
                   "slant": ("leaning left", "leaning right")}
# "a", thickness, width, the digit and the two words of the slant.
MAX_CAPTION_WORDS = 6


def _as_images(images, value_range=None):
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError("`images` must be (N, H, W) or (N, H, W, 1) with N > 0. "
                         f"Received: images with shape {images.shape}")
    if value_range is None:
        low, high = images.min(), images.max()
    else:
        low, high = value_range
        if not high > low:
            raise ValueError("`value_range` must be (low, high) with high > low. "
                             f"Received: value_range={value_range!r}")
    return np.clip((images - low) / max(high - low, 1e-12), 0.0, 1.0)


def measure_digits(images, value_range=None):
    """Ink, size and slant of each image.

    Args:
        images: ``(N, H, W[, 1])``.
        value_range: ``(low, high)`` of the pixel values, mapped to ``[0, 1]``
            (``(-1, 1)`` for a tanh generator's images); ``None``: the batch's
            own minimum and maximum, so the numbers of two batches are
            comparable only when both span the same range.

    Returns:
        dict of float arrays ``(N,)``: ``"thickness"`` (mean intensity),
        ``"width"`` (columns holding ink above 1/2, as a share of W) and
        ``"slant"`` (``cov(col, row) / var(row)`` of the ink: > 0 when the top
        leans right, as rows count downwards and the sign is flipped).

    Example:

    >>> m = measure_digits(np.eye(8)[None] * 255)  # a "\\" stroke
    >>> round(float(m["slant"][0]), 2)
    -1.0
    """
    x = _as_images(images, value_range)
    n, h, w = x.shape
    rows = np.arange(h, dtype=np.float64)[None, :, None]
    cols = np.arange(w, dtype=np.float64)[None, None, :]
    mass = x.sum(axis=(1, 2)) + 1e-12
    r_mean = (x * rows).sum(axis=(1, 2)) / mass
    c_mean = (x * cols).sum(axis=(1, 2)) / mass
    dr = rows - r_mean[:, None, None]
    dc = cols - c_mean[:, None, None]
    var_r = (x * dr ** 2).sum(axis=(1, 2)) / mass
    cov = (x * dr * dc).sum(axis=(1, 2)) / mass
    inked_columns = (x > 0.5).any(axis=1).sum(axis=1) / w
    return {"thickness": x.mean(axis=(1, 2)), "width": inked_columns,
            "slant": -cov / np.maximum(var_r, 1e-12)}


def digit_attributes(images, labels, share=0.3):
    """The attribute words of each digit, relative to its class.

    Args:
        images: ``(N, H, W[, 1])``.
        labels: ``(N,)`` digits 0-9.
        share: the share of each class at each end that gets a word (``0 <
            share <= 0.5``).

    Returns:
        dict ``attribute -> (N,) array of str`` (``""`` for the middle).

    Example:

    >>> attrs = digit_attributes(x_train, y_train)
    >>> attrs["thickness"][:3]
    array(['thick', '', 'thin'], dtype='<U5')
    """
    if not 0.0 < share <= 0.5:
        raise ValueError(f"`share` must be in (0, 0.5]. Received: share={share}")
    labels = np.asarray(labels)
    measures = measure_digits(images)
    n = len(measures["width"])
    if labels.shape != (n,):
        raise ValueError(f"`labels` must be one per image. Received: labels with shape "
                         f"{labels.shape} for {n} images")
    words = {}
    for name, (low_word, high_word) in ATTRIBUTE_WORDS.items():
        values = measures[name]
        out = np.full(len(values), "", dtype=object)
        for k in np.unique(labels):
            idx = np.flatnonzero(labels == k)
            order = idx[np.argsort(values[idx], kind="stable")]
            m = int(round(share * len(order)))
            out[order[:m]] = low_word
            out[order[len(order) - m:]] = high_word
        words[name] = out.astype(str)
    return words


def caption(label, thickness="", width="", slant=""):
    """One caption: ``"a [thickness] [width] <digit> [slant]"``.

    Example:

    >>> caption(7, thickness="thick", slant="leaning right")
    'a thick seven leaning right'
    """
    if not 0 <= int(label) <= 9:
        raise ValueError(f"`label` must be a digit 0-9. Received: label={label!r}")
    words = ["a", thickness, width, DIGIT_WORDS[int(label)], slant]
    return " ".join(w for w in words if w)


def digit_captions(images, labels, keep=0.7, share=0.3, seed=0):
    """A caption for each digit from its label and measured attributes; each
    attribute word is kept with probability ``keep``, so the model also sees
    short captions ("a seven") and learns each word on its own.

    Args:
        images: ``(N, H, W[, 1])``.
        labels: ``(N,)`` digits.
        keep: probability of keeping each attribute word.
        share: see `digit_attributes`.
        seed: seed of the dropped words.

    Returns:
        ``(N,)`` array of str.

    Example:

    >>> digit_captions(x_train[:2], y_train[:2], keep=1.0)
    array(['a thick five leaning right', 'a zero'], dtype='<U...')
    """
    if not 0.0 <= keep <= 1.0:
        raise ValueError(f"`keep` must be in [0, 1]. Received: keep={keep}")
    attrs = digit_attributes(images, labels, share=share)
    rng = np.random.default_rng(seed)
    n = len(labels)
    kept = {name: np.where(rng.random(n) < keep, words, "")
            for name, words in attrs.items()}
    return np.array([caption(labels[i], kept["thickness"][i], kept["width"][i],
                             kept["slant"][i]) for i in range(n)])


def caption_vocabulary():
    """Every word a caption can use, in a fixed order (the text encoder's
    vocabulary).

    Example:

    >>> caption_vocabulary()[:3]
    ['a', 'zero', 'one']
    """
    words = ["a", *DIGIT_WORDS]
    for pair in ATTRIBUTE_WORDS.values():
        for phrase in pair:
            words += [w for w in phrase.split() if w not in words]
    return words


# Token ids of `encode_captions`: padding, start and end, then the words.
CAPTION_PAD, CAPTION_START, CAPTION_END = 0, 1, 2


def encode_captions(captions, length=MAX_CAPTION_WORDS + 1):
    """Captions as word ids for a decoder trained with teacher forcing: 0
    padding, 1 start, 2 end, then `caption_vocabulary` in order from 3.

    Args:
        captions: strings of vocabulary words.
        length: decoder steps (the words and the end token must fit).

    Returns:
        ``(caption_in, caption_out)``, int32 ``(N, length)``: the start
        token then the words, and the words then the end token, padded.

    Example:

    >>> encode_captions(["a one"], length=4)[0].tolist()
    [[1, 3, 5, 0]]
    """
    if isinstance(captions, str):
        raise TypeError("`captions` must be a sequence of captions, not one "
                        f"string. Received: captions={captions!r}")
    length = check_positive_int("length", length, minimum=2)
    words = {w: i + 3 for i, w in enumerate(caption_vocabulary())}
    caption_in = np.zeros((len(captions), length), np.int32)
    caption_out = np.zeros((len(captions), length), np.int32)
    for row, text in enumerate(captions):
        unknown = [w for w in str(text).split() if w not in words]
        if unknown:
            raise ValueError(f"`captions` must use the caption vocabulary. "
                             f"Received: {text!r} (unknown: {unknown})")
        ids = [words[w] for w in str(text).split()]
        if len(ids) + 1 > length:
            raise ValueError(f"`length` ({length}) must fit each caption's words "
                             f"and the end token. Received: {text!r}")
        caption_in[row, :len(ids) + 1] = [CAPTION_START, *ids]
        caption_out[row, :len(ids) + 1] = [*ids, CAPTION_END]
    return caption_in, caption_out


def decode_captions(ids):
    """Word ids back to captions, up to the first end (or padding) token.

    Args:
        ids: int ``(N, steps)`` word ids (`encode_captions`' convention),
            e.g. from `keras_genai.seq2seq.greedy_captions`.

    Returns:
        A list of ``N`` strings.

    Example:

    >>> decode_captions([[3, 5, 2, 0]])
    ['a one']
    """
    words = ["", "", "", *caption_vocabulary()]
    captions = []
    for row in np.asarray(ids):
        kept = []
        for i in row:
            if i in (CAPTION_PAD, CAPTION_END):
                break
            if i != CAPTION_START:
                kept.append(words[int(i)])
        captions.append(" ".join(kept))
    return captions


def caption_words(captions):
    """What a caption says: its digit (-1 for none) and its word for each
    attribute (``""`` for none), the inverse of `caption`.

    Args:
        captions: strings (any words; those outside the vocabulary are
            ignored).

    Returns:
        dict: ``"digit"`` -> list of ints (-1 where the caption names no
        digit or several), and each attribute of `ATTRIBUTE_WORDS` -> list
        of its word in each caption (``""`` where it has none or both).

    Example:

    >>> caption_words(["a thick seven leaning right"])["slant"]
    ['leaning right']
    """
    found = {"digit": [], **{name: [] for name in ATTRIBUTE_WORDS}}
    for text in captions:
        words = str(text).split()
        digits = [DIGIT_WORDS.index(w) for w in words if w in DIGIT_WORDS]
        found["digit"].append(digits[0] if len(digits) == 1 else -1)
        padded = f" {text} "
        for name, pair in ATTRIBUTE_WORDS.items():
            said = [phrase for phrase in pair if f" {phrase} " in padded]
            found[name].append(said[0] if len(said) == 1 else "")
    return found


__all__ = ["ATTRIBUTE_WORDS", "CAPTION_END", "CAPTION_PAD", "CAPTION_START",
           "DIGIT_WORDS", "MAX_CAPTION_WORDS", "caption", "caption_vocabulary",
           "caption_words", "decode_captions", "digit_attributes",
           "digit_captions", "encode_captions", "measure_digits"]
