"""The command line shared by every lab in `units/`.

An exercise is a module-level function ``fn(args, out) -> dict`` marked with
`exercise`. A `Lab` takes the exercises of the modules given to `Lab.include`,
in the order they are defined there, and gives every lab the same options and
conventions: outputs under ``outputs/<lab>/``, SavedModels under
``saved_models/``, ``--help`` listing the exercises, ``--seed`` set just before
the exercise starts (an exercise seeds again only to start the models it
compares alike), ``--distribute`` (the exercise runs inside the strategy's
scope), ``--resume`` (pass ``args.backup()`` to each ``fit``) and
``--deterministic``.

The exercise returns its results, ``{key: value}``; the lab prints each value
once in the summary (``key`` with ``_`` as spaces, or a `Row`'s label and
format) and writes the raw value under ``key`` to ``summary.json``:

    # units/unit4/digits.py: no Lab needed to define an exercise
    @exercise("vanilla", "MLP generator and discriminator.", epochs=200)
    def vanilla(args, out):
        ...
        return {"fid": Row(fid, "classifier FID", "{:.1f}"),
                "confident_fraction": Row(share, "confident samples", "{:.1%}",
                                          at_least=0.8),
                "loss_curves": path}

    # units/unit4_gan.py
    LAB = Lab("unit4_gan", "Unit IV: GANs.", default_exercise="dcgan",
              epochs=80, latent_dim=64)
    ...  # this module's own exercises (dcgan)
    LAB.include(sys.modules[__name__], digits)

    if __name__ == "__main__":
        raise SystemExit(LAB.main())

prints ``classifier FID  43.3`` and ``confident samples  76.0% (target >= 80%:
NOT met)`` and writes ``{"fid": 43.31..., "confident_fraction": 0.76, ...}``.
"""

import argparse
import collections
import json
import numbers
import os
import re
import shutil
import sys
import tempfile
import time
import types

from keras_genai import distribute
from keras_genai.callbacks import TrainingBackup
from keras_genai.utils.io import atomic_file
from keras_genai.utils.seed import set_seed

# What `exercise` records on the function, as ``fn.exercise_spec``.
ExerciseSpec = collections.namedtuple(
    "ExerciseSpec", "name help export epochs batch_size latent_dim")

# Summary keys the lab writes itself.
_LAB_KEYS = ("exercise", "wall_seconds")


def exercise(name, help, export=None, epochs=None, batch_size=None,
             latent_dim=None):
    """Marks ``fn(args, out) -> dict`` as the exercise ``name`` of whichever
    `Lab` includes its module; the function itself is returned, with ``help``
    as its docstring if it has none.

    Args:
        name: the ``--exercise`` value, e.g. ``"wgan-gp"``.
        help: one line for ``--help``.
        export: default SavedModel folder of this exercise (``None``: the
            exercise exports nothing).
        epochs: this exercise's default ``--epochs`` (``None``: the lab's).
        batch_size: this exercise's default ``--batch-size`` (``None``: the
            lab's).
        latent_dim: this exercise's default ``--latent-dim`` (``None``: the
            lab's); only in a lab with latents.

    Returns:
        A decorator.

    Raises:
        TypeError, ValueError: for a malformed argument, naming it.

    Example:

    >>> @exercise("xor", "perceptron vs MLP on XOR", epochs=20, batch_size=4)
    ... def xor(args, out):
    ...     return {"mlp_accuracy": 1.0}
    >>> xor.exercise_spec.epochs
    20
    """
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*",
                                                     name):
        raise ValueError("`name` must be a lower-case word (letters, digits, "
                         f"'-', '_'), e.g. 'wgan-gp'. Received: name={name!r}")
    if not isinstance(help, str) or not help.strip():
        raise ValueError(f"`help` must be a non-empty string. Received: "
                         f"help={help!r}")
    if export is not None and not isinstance(export, str):
        raise TypeError(f"`export` must be a folder name or None. Received: "
                        f"export={export!r}")
    for key, value in (("epochs", epochs), ("batch_size", batch_size),
                       ("latent_dim", latent_dim)):
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, int) or value < 1):
            raise ValueError(f"`{key}` must be a positive int or None. "
                             f"Received: {key}={value!r}")
    spec = ExerciseSpec(name, help, export, epochs, batch_size, latent_dim)

    def mark(fn):
        if not isinstance(fn, types.FunctionType):
            raise TypeError(f"@exercise({name!r}) decorates a function. "
                            f"Received: {fn!r}")
        fn.exercise_spec = spec
        if not fn.__doc__:
            fn.__doc__ = (f"Exercise ``{name}``: {help}\n\nExample:\n\n"
                          f">>> summary = {fn.__name__}(args, out)  # what "
                          f"--exercise {name} runs\n")
        return fn
    return mark


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


class Lab:
    """A lab: the exercises of some modules, sharing one argument parser.

    Args:
        name: the lab's module name (``"unit4_gan"``); outputs go to
            ``outputs/<name>/<exercise>`` unless ``--out`` is given.
        description: one paragraph shown by ``--help``.
        default_exercise: the exercise run with no ``--exercise``.
        epochs: default ``--epochs``.
        batch_size: default ``--batch-size``.
        latent_dim: default ``--latent-dim`` (``None``: the lab has no latents).
        seed: default ``--seed``.
        options: the lab's own options, ``[(flag or flags, argparse kwargs)]``
            (e.g. ``[("--samples", dict(type=positive_int, default=500))]``).

    Example:

    >>> @exercise("a", "the first exercise")
    ... def a(args, out):
    ...     return {"loss": Row(0.123456, fmt="{:.3f}")}
    >>> lab = Lab("demo", "A demo.", default_exercise="a").include(a)
    >>> lab.main(["--out", "/tmp/demo"])  # doctest: +ELLIPSIS
    == demo / a ==  outputs: /tmp/demo ...
    --- summary: demo / a ---
      exercise    a
      loss        0.123
      wall time   0 s
    0
    """

    def __init__(self, name, description, default_exercise, epochs=10,
                 batch_size=64, latent_dim=None, seed=0, options=()):
        self.name = name
        self.options = tuple(options)
        self.description = description
        self.default_exercise = default_exercise
        self.defaults = dict(epochs=epochs, batch_size=batch_size,
                             latent_dim=latent_dim, seed=seed)
        self.exercises = {}

    def include(self, *sources):
        """Adds exercises: each source is a module (all the `exercise`-marked
        functions defined in it, in source order) or one marked function.

        Returns:
            The lab.

        Raises:
            TypeError: for a source that is neither.
            ValueError: for a module without exercises, a name already taken,
                or a ``latent_dim`` in a lab without latents.

        Example:

        >>> LAB.include(sys.modules[__name__], digits, toy)  # doctest: +SKIP
        """
        for source in sources:
            if isinstance(source, types.ModuleType):
                found = sorted((fn for fn in vars(source).values()
                                if _spec(fn) and fn.__module__ == source.__name__),
                               key=lambda fn: fn.__code__.co_firstlineno)
                if not found:
                    raise ValueError(f"Module {source.__name__} defines no "
                                     f"@exercise function. Received: {source!r}")
            elif _spec(source):
                found = [source]
            else:
                raise TypeError("`include` takes modules and @exercise "
                                f"functions. Received: {source!r}")
            for fn in found:
                spec = fn.exercise_spec
                if spec.name in self.exercises:
                    raise ValueError(
                        f"Lab {self.name!r} has an exercise {spec.name!r} "
                        f"already ({_where(self.exercises[spec.name])}). "
                        f"Received: {_where(fn)}")
                if spec.latent_dim is not None and self.defaults["latent_dim"] is None:
                    raise ValueError(
                        f"Lab {self.name!r} has no latents, so exercise "
                        f"{spec.name!r} cannot set one. Received: "
                        f"latent_dim={spec.latent_dim!r}")
                self.exercises[spec.name] = fn
        return self

    def exercise_defaults(self, name):
        """``{"epochs", "batch_size"[, "latent_dim"]}`` of exercise ``name``:
        its own where it sets them, else the lab's.

        Example:

        >>> LAB.exercise_defaults("vanilla")  # doctest: +SKIP
        {'epochs': 200, 'batch_size': 64, 'latent_dim': 64}
        """
        spec = self.exercises[name].exercise_spec
        keys = ("epochs", "batch_size") + (
            ("latent_dim",) if self.defaults["latent_dim"] is not None else ())
        return {k: getattr(spec, k) or self.defaults[k] for k in keys}

    def default_out(self, exercise):
        """``outputs/<lab>`` for the default exercise, ``outputs/<lab>/<exercise>``
        for the others."""
        if exercise == self.default_exercise:
            return os.path.join("outputs", self.name)
        return os.path.join("outputs", self.name, exercise)

    def parser(self):
        """Builds the ``argparse`` parser with the shared options."""
        if self.default_exercise not in self.exercises:
            raise ValueError(
                f"Lab {self.name!r} includes no exercise {self.default_exercise!r} "
                f"(it has {sorted(self.exercises)}). Received: "
                f"default_exercise={self.default_exercise!r}")
        lines = []
        for n, fn in self.exercises.items():
            d = self.exercise_defaults(n)
            latent = (f", latent {d['latent_dim']}"
                      if d.get("latent_dim", self.defaults["latent_dim"])
                      != self.defaults["latent_dim"] else "")
            lines.append(f"  {n:<18} {fn.exercise_spec.help} [{d['epochs']} "
                         f"epochs, batch {d['batch_size']}{latent}]")
        parser = argparse.ArgumentParser(
            prog=f"python -m units.{self.name}",
            description=self.description,
            epilog="exercises:\n" + "\n".join(lines),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        d = self.defaults
        parser.add_argument("--exercise", default=self.default_exercise,
                            choices=sorted(self.exercises), metavar="NAME",
                            help="which exercise to run (listed below; default: "
                                 f"{self.default_exercise})")
        parser.add_argument("--epochs", type=positive_int, default=None,
                            help="training epochs (default: the exercise's, in "
                                 "brackets below)")
        parser.add_argument("--batch-size", type=positive_int, default=None,
                            help="global batch size (default: the exercise's, in "
                                 "brackets below)")
        parser.add_argument("--train-size", type=positive_int, default=None,
                            metavar="N",
                            help="train on the first N training examples only, "
                                 "for a quick try (default: all)")
        if d["latent_dim"] is not None:
            parser.add_argument("--latent-dim", type=positive_int,
                                default=None,
                                help="size of the latent vector z (default: "
                                     f"{d['latent_dim']}, or the exercise's, in "
                                     "brackets below)")
        parser.add_argument("--seed", type=_non_negative_int, default=d["seed"],
                            help="random seed of weights, data order and noise "
                                 "(default: %(default)s)")
        parser.add_argument("--out", default=None,
                            help=f"folder for figures and the summary (default: "
                                 f"outputs/{self.name} for the default exercise, "
                                 f"outputs/{self.name}/<exercise> for the others)")
        parser.add_argument("--export", default="default", metavar="DIR",
                            help="folder for the exported SavedModel (default: the "
                                 "exercise's folder under saved_models/; 'none' to "
                                 "skip the export)")
        for flags, kwargs in self.options:
            parser.add_argument(*((flags,) if isinstance(flags, str) else flags),
                                **kwargs)
        parser.add_argument("--distribute", default="auto",
                            choices=("auto", "default", "mirrored", "multiworker"),
                            help="distribution strategy the models are built in "
                                 "(keras_genai.distribute.strategy): auto = "
                                 "mirrored over all GPUs when there are several; "
                                 "multiworker reads the cluster from TF_CONFIG "
                                 "(default: %(default)s)")
        parser.add_argument("--resume", action="store_true",
                            help="back up the training state after every epoch "
                                 f"under checkpoints/{self.name}/<exercise>/ and, "
                                 "when the same command runs again after a "
                                 "crash, go on from the last backup (deleted "
                                 "when the exercise finishes)")
        parser.add_argument("--deterministic", action="store_true",
                            help="turn on TensorFlow's op determinism "
                                 "(keras_genai.utils.set_seed): the same seed "
                                 "gives bit-identical results on the CPU, and a "
                                 "resumed run ends as an uninterrupted one")
        parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                            help="Keras verbosity: 0 silent, 1 progress bar, 2 one "
                                 "line per epoch (default: %(default)s)")
        return parser

    def main(self, argv=None):
        """Parses ``argv``, runs the exercise and prints its summary.

        Returns:
            The process exit status (0).

        Raises:
            TypeError, ValueError: for an exercise that returns something other
                than a dict with string keys, or uses a key the lab writes
                itself (``exercise``, ``wall_seconds``).
        """
        self._run(self.parser().parse_args(argv))
        return 0

    def run(self, exercise=None, **options):
        """Runs an exercise from Python (a notebook cell) as the command line
        does, and returns its summary.

        Args:
            exercise: the exercise's name (``None``: the lab's default).
            **options: the command line's options, ``_`` for ``-``:
                ``train_size=512`` is ``--train-size 512``; ``True`` gives a
                flag (``resume=True``), a list several values
                (``lengths=[100, 400]``); ``None`` and ``False`` leave an
                option out.

        Returns:
            The summary as ``summary.json`` holds it, ``{key: value}``: the
            figures' paths among the values.

        Raises:
            ValueError: for an unknown exercise or option, or a value the
                option does not take, before anything runs.
            TypeError, ValueError: as `main`.

        Example:

        >>> summary = LAB.run("dcgan", epochs=2, train_size=512)  # doctest: +SKIP
        >>> summary["confident_fraction"]  # doctest: +SKIP
        0.31
        """
        return _raw(self._run(self.parse(exercise, **options)))

    def parse(self, exercise=None, **options):
        """The parsed options of ``run(exercise, **options)``: checks them
        without running anything.

        Raises:
            ValueError: for an unknown exercise or option, or a value the
                option does not take.

        Example:

        >>> LAB.parse("dcgan", train_size=512, resume=True).train_size  # doctest: +SKIP
        512
        """
        argv = [] if exercise is None else ["--exercise", str(exercise)]
        for key, value in options.items():
            flag = "--" + key.replace("_", "-")
            if value is True:
                argv.append(flag)
            elif isinstance(value, (list, tuple)):
                argv += [flag, *map(str, value)]
            elif value is not None and value is not False:
                argv += [flag, str(value)]
        parser = self.parser()
        parser.exit_on_error = False
        try:
            return parser.parse_args(argv)
        except (argparse.ArgumentError, SystemExit) as error:
            why = (error if isinstance(error, argparse.ArgumentError)
                   else "argparse's message is above")
            raise ValueError(f"Lab {self.name!r} cannot run these options "
                             f"({why}). Received: exercise={exercise!r}, "
                             f"options={options!r}") from None

    def _run(self, args):
        """Runs the exercise of the parsed ``args``; returns its summary
        (``{}`` on a worker other than the chief)."""
        fn = self.exercises[args.exercise]
        for key, value in self.exercise_defaults(args.exercise).items():
            if getattr(args, key) is None:
                setattr(args, key, value)
        if args.export == "default":
            args.export = fn.exercise_spec.export
        elif args.export.lower() == "none":
            args.export = None
        out = args.out or self.default_out(args.exercise)
        # The only seeding an exercise needs at its start: nothing between here
        # and the exercise draws a random number.
        set_seed(args.seed, deterministic=args.deterministic)
        args.strategy = distribute.strategy(args.distribute)
        chief = distribute.is_chief(args.strategy)
        backup_root = os.path.join("checkpoints", self.name, args.exercise)
        if not chief:  # other workers train in step but keep no outputs; their
            # backups must outlive a crash too, beside the chief's
            worker = tempfile.mkdtemp(prefix=f"{self.name}_worker_")
            out, args.export = os.path.join(worker, "out"), None
            resolver = args.strategy.cluster_resolver
            backup_root += f".{resolver.task_type}{resolver.task_id}"
        args.backup = Backups(backup_root if args.resume else None)
        os.makedirs(out, exist_ok=True)
        print(f"== {self.name} / {args.exercise} ==  outputs: {out}"
              f"  ({args.strategy.num_replicas_in_sync} replica(s), "
              f"{type(args.strategy).__name__})", flush=True)
        start = time.time()
        with args.strategy.scope():
            results = fn(args, out)
        args.backup.finish()
        if not chief:
            shutil.rmtree(worker, ignore_errors=True)
            return {}
        results = {} if results is None else results
        if not isinstance(results, dict) or not all(isinstance(k, str)
                                                    for k in results):
            raise TypeError(f"Exercise {args.exercise!r} must return a dict with "
                            f"string keys. Received: {results!r}")
        taken = [k for k in _LAB_KEYS if k in results]
        if taken:
            raise ValueError(f"Exercise {args.exercise!r} returned keys the lab "
                             f"writes itself. Received: {taken}")
        summary = {"exercise": args.exercise, **results,
                   "wall_seconds": Row(time.time() - start, "wall time",
                                       "{:.0f} s")}
        print_summary(f"{self.name} / {args.exercise}", summary)
        write_json(os.path.join(out, "summary.json"), summary)
        return summary


class Backups:
    """``args.backup()`` of an exercise: the `TrainingBackup` callbacks of
    ``--resume``.

    Each call gives the callbacks for the exercise's next ``fit`` (numbered in
    order, ``fit_1``, ``fit_2``...: the same command runs the same fits in the
    same order). A backup is kept after its ``fit`` finishes, so a restarted
    exercise skips the fits that had finished (they return at once, with their
    weights and history restored) and resumes the one that was interrupted;
    `finish` deletes them all when the exercise is done. Without ``--resume``
    every call returns ``[]``.

    Args:
        root: folder of the exercise's backups, or ``None`` (no ``--resume``).

    Example:

    >>> model.fit(ds, epochs=args.epochs, callbacks=[grid, *args.backup()])
    """

    def __init__(self, root):
        self.root = root
        self.count = 0

    def __call__(self):
        if self.root is None:
            return []
        self.count += 1
        return [TrainingBackup(os.path.join(self.root, f"fit_{self.count}"),
                               delete_on_finish=False)]

    def finish(self):
        """Deletes the exercise's backups (it finished)."""
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


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


def _spec(fn):
    return isinstance(getattr(fn, "exercise_spec", None), ExerciseSpec) and \
        isinstance(fn, types.FunctionType)


def _where(fn):
    return f"{fn.__module__}.{fn.__qualname__}"


def positive_int(text):
    """The ``argparse`` type of a count option (``--epochs``, ``--test-digits``,
    ``--samples``...): an integer >= 1, so that ``0`` or a negative count is a
    usage error (exit status 2) before anything runs, not a traceback later.

    Example:

    >>> LAB = Lab("demo", "A demo.", default_exercise="a", options=[
    ...     ("--samples", dict(type=positive_int, default=100, metavar="N"))])
    """
    return _int_at_least(text, 1, "a positive integer")


def _int_at_least(text, minimum, expected):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _non_negative_int(text):
    return _int_at_least(text, 0, "an integer >= 0")
