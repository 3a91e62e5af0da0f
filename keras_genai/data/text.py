"""English prose that ships with Python: the text of character-level language
models, and its sentences labelled by the part of the manual they come from."""

import re

import numpy as np

from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed

# Typographic characters of the reference manual, written in ASCII.
_ASCII = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
          "\u2014": "-", "\u2013": "-", "\u2026": "...", "\u00a0": " "}
# A heading's underline: one character repeated (reStructuredText).
_UNDERLINE = re.compile(r"^([*=\-~^+#])\1{2,}$")


def _clean(text):
    """ASCII, no heading underlines or tables, runs of spaces as one, at most
    one blank line."""
    for a, b in _ASCII.items():
        text = text.replace(a, b)
    text = text.encode("ascii", "ignore").decode("ascii")
    lines = [re.sub(" {2,}", " ", line.strip()) for line in text.split("\n")]
    lines = [line for line in lines if not _UNDERLINE.match(line)
             and not line.startswith(("|", "+"))]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def text_corpus(validation_fraction=0.05, test_fraction=0.05):
    """The prose of the Python reference manual (the help topics of
    ``pydoc_data.topics``, part of every CPython), as train, validation and
    test text: real English with code in it, about 400,000 characters, offline.

    The topics are joined in alphabetical order and cleaned (typographic
    quotes and dashes written in ASCII, other non-ASCII characters dropped,
    heading underlines and table rows removed, runs of spaces written as
    one); the last ``test_fraction``
    of the characters is the test text, the ``validation_fraction`` before it
    the validation text. The text comes from the running Python, so it
    differs a little between Python versions (3.11's gives 404,680
    characters, 94 distinct ones).

    Args:
        validation_fraction: share of the characters for validation.
        test_fraction: share of the characters for the test.

    Returns:
        ``(train, validation, test, vocabulary)``: three strings and the
        sorted list of the characters they use.

    Example:

    >>> train, validation, test, vocabulary = text_corpus()
    >>> len(train) > 10 * len(test), "\\n" in vocabulary
    (True, True)
    """
    validation_fraction = check_fraction("validation_fraction", validation_fraction)
    test_fraction = check_fraction("test_fraction", test_fraction)
    if validation_fraction + test_fraction >= 1:
        raise ValueError("`validation_fraction + test_fraction` must be below 1. "
                         f"Received: {validation_fraction} + {test_fraction}")
    from pydoc_data.topics import topics  # the standard library's own text

    text = _clean("\n\n".join(topics[name] for name in sorted(topics)))
    n = len(text)
    test_start = n - int(round(n * test_fraction))
    validation_start = test_start - int(round(n * validation_fraction))
    return (text[:validation_start], text[validation_start:test_start],
            text[test_start:], sorted(set(text)))


def encode_text(text, vocabulary):
    """The ids of ``text``'s characters (positions in ``vocabulary``), int32.

    Example:

    >>> encode_text("ab", ["a", "b"])
    array([0, 1], dtype=int32)
    """
    index = {c: i for i, c in enumerate(vocabulary)}
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"`text` has characters outside the vocabulary. Received: "
                         f"{''.join(missing)[:20]!r}")
    return np.fromiter((index[c] for c in text), np.int32, len(text))


def text_windows(ids, length, step=None):
    """Windows of ``length + 1`` consecutive ids, every ``step`` characters
    (default ``length``: windows that do not overlap), as next-character
    pairs: the inputs are the first ``length`` ids, the targets the last
    ``length`` (each input's next character). Training on them is truncated
    back-propagation through time over ``length`` steps.

    Args:
        ids: 1-D int array, the text's ids (`encode_text`).
        length: the window (BPTT) length.
        step: characters between window starts.

    Returns:
        ``(inputs, targets)``, two ``(n, length)`` int32 arrays.

    Raises:
        TypeError: for ``ids`` that are not integers (the text itself, say).
        ValueError: for ``ids`` that are not 1-D or too short, or a
            ``length`` or ``step`` below 1.

    Example:

    >>> x, y = text_windows(np.arange(7), 3)
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2], [3, 4, 5]], [[1, 2, 3], [4, 5, 6]])
    """
    array = np.asarray(ids)
    if isinstance(ids, str) or (array.size and array.dtype.kind not in "iu"):
        received = (f"ids={ids!r:.40} (a str: the text, not its ids)"
                    if isinstance(ids, str) else f"ids of dtype {array.dtype}")
        raise TypeError("`ids` must be a 1-D array of integer ids, e.g. "
                        f"`encode_text(text, vocabulary)`. Received: {received}")
    if array.ndim != 1:
        raise ValueError("`ids` must be a 1-D array of ids. Received: ids with "
                         f"shape {array.shape}")
    ids = array.astype(np.int32)
    length = check_positive_int("length", length)
    step = length if step is None else check_positive_int("step", step)
    if len(ids) < length + 1:
        raise ValueError(f"`ids` must hold more than length={length} ids. "
                         f"Received: {len(ids)} ids")
    starts = np.arange(0, len(ids) - length, step)
    windows = ids[starts[:, None] + np.arange(length + 1)]
    return windows[:, :-1], windows[:, 1:]


# Parts of the Python manual among the reference topics of `pydoc_data`,
# with the topics (disjoint texts) that make each one.
TOPIC_CLASSES = {
    "data model": ("specialnames",),
    "statements": ("compound",),
    "strings": ("formatstrings", "string-methods"),
    "containers": ("typesseq", "typesmapping"),
    "debugger": ("debugger",),
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def topic_sentences(test_fraction=0.2, min_words=5, max_words=40, seed=0):
    """Sentences of the Python manual labelled with the part they come from
    (`TOPIC_CLASSES`: data model, statements, strings, containers, debugger),
    a text classification task that needs no download.

    Each part's topics are cleaned as in `text_corpus`, split into paragraphs
    and sentences (a full stop, question or exclamation mark, then a capital);
    a sentence is kept with ``min_words`` to ``max_words`` words, mostly
    letters (code lines and tables are dropped), once. The sentences are
    shuffled with ``seed`` and the last ``test_fraction`` of each class is the
    test set. About 1,400 sentences (Python 3.11); a little different in
    other Python versions, as their manuals differ.

    Args:
        test_fraction: share of each class for the test.
        min_words: fewest words of a kept sentence.
        max_words: most words of a kept sentence.
        seed: seed of the shuffle.

    Returns:
        ``(train_texts, train_labels, test_texts, test_labels, class_names)``:
        str arrays, int32 label arrays, and the names in label order.

    Example:

    >>> x, y, x_test, y_test, names = topic_sentences()
    >>> names[y[0]] in TOPIC_CLASSES
    True
    """
    test_fraction = check_fraction("test_fraction", test_fraction)
    min_words = check_positive_int("min_words", min_words)
    max_words = check_positive_int("max_words", max_words, minimum=min_words)
    seed = check_seed(seed)
    from pydoc_data.topics import topics

    rng = np.random.default_rng(seed)
    seen, splits = set(), ([], [], [], [])
    for label, names in enumerate(TOPIC_CLASSES.values()):
        text = _clean("\n\n".join(topics[name] for name in names if name in topics))
        sentences = []
        for paragraph in re.split(r"\n\s*\n", text):
            for sentence in _SENTENCE_END.split(paragraph.replace("\n", " ")):
                sentence = sentence.strip()
                letters = sum(c.isalpha() for c in sentence)
                if (min_words <= len(sentence.split()) <= max_words
                        and letters > 0.7 * len(sentence.replace(" ", ""))
                        and sentence not in seen):
                    seen.add(sentence)
                    sentences.append(sentence)
        sentences = [sentences[i] for i in rng.permutation(len(sentences))]
        test = int(round(test_fraction * len(sentences)))
        cut = len(sentences) - test
        splits[0].extend(sentences[:cut])
        splits[1].extend([label] * cut)
        splits[2].extend(sentences[cut:])
        splits[3].extend([label] * test)
    return (np.array(splits[0]), np.array(splits[1], np.int32),
            np.array(splits[2]), np.array(splits[3], np.int32),
            list(TOPIC_CLASSES))
