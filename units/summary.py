"""An exercise's summary: each value printed once (`print_summary`, a `Row`'s
label, format and target) and written once, raw, to ``summary.json``
(`write_json`)."""

import json
import numbers
import re
import sys

from keras_genai.utils.io import atomic_file


class Row:
    """How the summary shows one value: ``label  value (note; target)``.

    ``summary.json`` gets ``value`` itself; the text is for the printed
    summary only.

    Args:
        value: the raw value: a number, string, list or dict (``None``: shown
            as ``none``).
        label: the summary's label (default: the key, ``_`` as spaces).
        fmt: a `str.format` string for each number of ``value`` (for a list or
            dict value, each item), e.g. ``"{:.1%}"``; default: 4 significant
            digits for floats.
        note: text shown in parentheses after the value.
        at_least: a target: shown as ``target >= <at_least>: met`` (or
            ``NOT met``), the threshold in ``fmt`` without trailing zeros.
        at_most: a target the other way (``target <= ...``).

    Raises:
        TypeError, ValueError: for a malformed argument, naming it.

    Example:

    >>> Row(0.76, "confident samples", "{:.1%}", at_least=0.8).text
    '76.0% (target >= 80%: NOT met)'
    >>> Row(32, fmt="{} numbers", note="784/32 = 24.5x smaller").text
    '32 numbers (784/32 = 24.5x smaller)'
    """

    def __init__(self, value, label=None, fmt=None, note=None, at_least=None,
                 at_most=None):
        for key, text in (("label", label), ("fmt", fmt), ("note", note)):
            if text is not None and not isinstance(text, str):
                raise TypeError(f"`{key}` must be a string or None. Received: "
                                f"{key}={text!r}")
        for key, bound in (("at_least", at_least), ("at_most", at_most)):
            if bound is not None and not _is_number(bound):
                raise TypeError(f"`{key}` must be a number or None. Received: "
                                f"{key}={bound!r}")
        if (at_least is not None or at_most is not None) and not _is_number(value):
            raise TypeError("A target (`at_least`, `at_most`) needs a number "
                            f"`value`. Received: value={value!r}")
        self.value, self.label, self.fmt = value, label, fmt
        self.note, self.at_least, self.at_most = note, at_least, at_most
        try:
            self.text = self._text()
        except (ValueError, IndexError, KeyError) as error:
            raise ValueError(f"`fmt` cannot format {value!r} ({error}). "
                             f"Received: fmt={fmt!r}") from None

    def _text(self):
        notes = [self.note] if self.note else []
        for sign, bound, met in ((">=", self.at_least,
                                  self.at_least is not None
                                  and self.value >= self.at_least),
                                 ("<=", self.at_most,
                                  self.at_most is not None
                                  and self.value <= self.at_most)):
            if bound is not None:
                threshold = re.sub(r"\.(\d*?)0+(?!\d)",
                                   lambda m: "." + m[1] if m[1] else "",
                                   _show(bound, self.fmt))
                notes.append(f"target {sign} {threshold}: "
                             f"{'met' if met else 'NOT met'}")
        shown = "" if isinstance(self.value, dict) else _show(self.value, self.fmt)
        return shown + (f" ({'; '.join(notes)})" if notes else "")

    def __repr__(self):
        return f"Row({self.value!r}, label={self.label!r}, text={self.text!r})"


def take(n, *arrays):
    """The first ``n`` items of each array (all of them when ``n`` is ``None``):
    how the labs apply ``--train-size``.

    Example:

    >>> take(2, [1, 2, 3], [4, 5, 6])
    ([1, 2], [4, 5])
    """
    if n is None:
        return arrays if len(arrays) > 1 else arrays[0]
    out = tuple(a[:n] for a in arrays)
    return out if len(out) > 1 else out[0]


def print_summary(title, rows):
    """Prints ``rows`` (``{key: value or Row}``) as an aligned two-column table;
    a dict value is a block of indented lines, one per item.

    Example:

    >>> print_summary("demo", {"test_accuracy": Row(0.981, fmt="{:.1%}"),
    ...                        "per_digit": {"0": 0.99, "1": 0.97}})
    <BLANKLINE>
    --- summary: demo ---
      test accuracy  98.1%
      per digit
        0  0.99
        1  0.97
    """
    rows = {key: row if isinstance(row, Row) else Row(row)
            for key, row in rows.items()}
    labels = {key: row.label or key.replace("_", " ") for key, row in rows.items()}
    width = max([len(label) for label in labels.values()] + [10])
    print(f"\n--- summary: {title} ---")
    for key, row in rows.items():
        if not isinstance(row.value, dict):
            print(f"  {labels[key]:<{width}}  {row.text}")
            continue
        print(f"  {labels[key]}" + (f"  {row.text.strip()}" if row.text else "")
              + ("" if row.value else "  none"))
        inner = max(len(str(k)) for k in row.value) if row.value else 0
        for k, v in row.value.items():
            print(f"    {str(k):<{inner}}  {_show(v, row.fmt)}")
    sys.stdout.flush()


def write_json(path, obj):
    """Writes ``obj`` as indented JSON, atomically; a `Row` is written as its
    value, a NumPy number or array as its Python value.

    Example:

    >>> write_json("/tmp/summary.json", {"fid": Row(43.31, "classifier FID")})
    '/tmp/summary.json'
    """
    obj = _raw(obj) if isinstance(obj, dict) else obj
    with atomic_file(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2, default=_jsonable)
    return path


def _raw(summary):
    """``summary`` with each `Row` replaced by its value."""
    return {k: v.value if isinstance(v, Row) else v for k, v in summary.items()}


def _jsonable(value):
    if isinstance(value, Row):
        raise TypeError("A Row goes at the top level of a summary, not inside a "
                        f"list or dict value. Received: {value!r}")
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return value.tolist()
    return str(value)


def _show(value, fmt=None):
    """The summary text of a value: ``fmt`` for each number in it."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v, fmt)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v, fmt) for v in value)
    if value is None:
        return "none"
    if _is_number(value):
        if fmt is not None:
            return fmt.format(value)
        if isinstance(value, numbers.Integral):
            return str(value)
        return f"{value:.4g}"
    return str(value)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


__all__ = ["Row", "print_summary", "take", "write_json"]
