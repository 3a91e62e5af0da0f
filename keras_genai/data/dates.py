"""A translation task generated offline: dates written the ways people write
them, to be translated into ISO 8601 (``YYYY-MM-DD``).

The source side has several "languages" of different lengths and word orders
("3 March 2021", "Wednesday, 03 March 2021", "03.03.21"...), the target side
one; a sequence-to-sequence model has to learn to read each and to copy,
reorder and look up (month names to numbers, two-digit years to centuries).
Month and day names are English whatever the machine's locale.
"""

import datetime

import numpy as np

from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed

MONTHS = ("January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
            "Sunday")
FIRST_DATE = datetime.date(1950, 1, 1)
LAST_DATE = datetime.date(2049, 12, 31)


def _two_digit_year(date):
    return f"{date.year % 100:02d}"


# Each source format, by name, with the way it writes a date. "03.03.21" reads
# back as 19xx for 50-99 and 20xx for 00-49, which is how the dates' range
# (1950-2049) makes two-digit years unambiguous.
DATE_FORMATS = {
    "3 March 2021": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "March 03, 2021": lambda d: f"{MONTHS[d.month - 1]} {d.day:02d}, {d.year}",
    "Wednesday, 03 March 2021": lambda d: (f"{WEEKDAYS[d.weekday()]}, {d.day:02d} "
                                           f"{MONTHS[d.month - 1]} {d.year}"),
    "03/03/2021": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "03.03.21": lambda d: f"{d.day:02d}.{d.month:02d}.{_two_digit_year(d)}",
    "20210303": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    "Mar 03 2021": lambda d: f"{MONTHS[d.month - 1][:3]} {d.day:02d} {d.year}",
}
ISO_LENGTH = 10  # "YYYY-MM-DD"
# The longest source: "Wednesday, 30 September 2021".
MAX_SOURCE_LENGTH = len(max(WEEKDAYS, key=len)) + len(", 30 ") + len(
    max(MONTHS, key=len)) + len(" 2021")
# One date in ten (by its ordinal; 10 and 7 are coprime, so every weekday,
# month and year is in both) is held out for testing.
TEST_EVERY = 10

# Every character a source can hold, and the target's.
SOURCE_CHARACTERS = "".join(sorted(
    set("".join(MONTHS + WEEKDAYS)) | set("".join(MONTHS + WEEKDAYS).lower())
    | set("0123456789 ,./")))
TARGET_CHARACTERS = "0123456789-"


def write_date(date, fmt):
    """``date`` (a `datetime.date`) written in source format ``fmt`` (a key
    of `DATE_FORMATS`).

    Example:

    >>> write_date(datetime.date(2021, 3, 3), "Wednesday, 03 March 2021")
    'Wednesday, 03 March 2021'
    """
    if fmt not in DATE_FORMATS:
        raise ValueError(f"`fmt` must be one of {list(DATE_FORMATS)}. Received: "
                         f"fmt={fmt!r}")
    return DATE_FORMATS[fmt](date)


def date_pairs(n, seed=None, formats=None, split=None):
    """``n`` (source, ISO target) pairs of random dates.

    Each date is uniform over 1950-01-01 ... 2049-12-31 (over the dates of
    ``split``), each source format (of ``formats``) equally likely, and each
    source lower-cased half of the time.

    Args:
        n: number of pairs.
        seed: int seed (``None``: random).
        formats: the source formats to draw from, keys of `DATE_FORMATS`
            (default: all of them).
        split: ``"train"`` or ``"test"`` to draw from disjoint sets of dates
            (the test dates are the one in ten whose ordinal is a multiple of
            10), or ``None`` for any date.

    Returns:
        ``(sources, targets, formats)``: three lists of ``n`` strings, the
        last naming each source's format.

    Example:

    >>> sources, targets, _ = date_pairs(2, seed=0)
    >>> len(targets[0])
    10
    """
    n = check_positive_int("n", n)
    seed = check_seed(seed)
    names = list(DATE_FORMATS) if formats is None else list(formats)
    if not names:
        raise ValueError(f"`formats` must not be empty. Received: formats={formats!r}")
    for name in names:
        if name not in DATE_FORMATS:
            raise ValueError(f"`formats` must hold keys of DATE_FORMATS "
                             f"({list(DATE_FORMATS)}). Received: formats={formats!r}")
    if split not in (None, "train", "test"):
        raise ValueError("`split` must be None, 'train' or 'test'. Received: "
                         f"split={split!r}")
    rng = np.random.default_rng(seed)
    offsets = np.arange((LAST_DATE - FIRST_DATE).days + 1)
    if split is not None:
        held_out = (offsets + FIRST_DATE.toordinal()) % TEST_EVERY == 0
        offsets = offsets[held_out if split == "test" else ~held_out]
    offsets = rng.choice(offsets, size=n)
    chosen = rng.integers(0, len(names), size=n)
    lower = rng.random(n) < 0.5
    sources, targets, kinds = [], [], []
    for offset, k, low in zip(offsets, chosen, lower):
        date = FIRST_DATE + datetime.timedelta(days=int(offset))
        text = write_date(date, names[k])
        sources.append(text.lower() if low else text)
        targets.append(date.isoformat())
        kinds.append(names[k])
    return sources, targets, kinds
