"""The lab framework of `units/`: exercises as typed functions, one command line.

An exercise is a plain function whose first parameter is the `Run` (what every
exercise shares: its output folder, seed, export folder, strategy,
verbosity...) and whose other parameters are keyword-only, each with a type
annotation and a default. `exercise` marks it; a `Lab` gathers the marked
functions of a unit's modules and gives each keyword parameter a command-line
flag (``epochs`` -> ``--epochs``), typed and checked from its annotation,
with its help from the function's ``Args:`` docstring:

    # units/unit4_gan/digits.py
    @exercise("vanilla", "MLP generator and discriminator (Goodfellow et al. 2014).")
    def vanilla(run: Run, *, epochs: Count = 200, batch_size: Count = 64,
                latent_dim: Count = 64, train_size: Count | None = None) -> dict:
        \"\"\"...
        Args:
            epochs: training epochs.
            ...
        \"\"\"
        ...
        return {"fid": Row(fid, "classifier FID", "{:.1f}")}

    # units/unit4_gan/__init__.py
    LAB = Lab("unit4_gan", "Unit IV - GANs.", default_exercise="dcgan",
              modules=[dcgan, digits, toy])

``python -m units.unit4_gan --exercise vanilla --epochs 5`` and, from Python
(a notebook), ``LAB.run("vanilla", epochs=5)`` call ``vanilla(run, epochs=5)``
with the same checks. The lab prints each returned value once in the summary
(``key`` with ``_`` as spaces, or a `Row`'s label and format) and writes the
raw values to ``summary.json`` in the output folder.

The summary's pieces (`Row`, `print_summary`, `write_json`) are in
`units.summary`. The options every exercise shares are defined once, in `SHARED_OPTIONS`, and
reach the exercise through the `Run`. Supported annotations: ``int``,
``float``, ``str``, ``bool`` (a flag for a ``False`` default), `Count` (an
int >= 1), ``X | None``, ``list[X]`` (``--widths 16 32 64``) and
``Literal[...]`` (choices).
"""

import argparse
import collections
import dataclasses
import inspect
import numbers
import os
import re
import shutil
import sys
import tempfile
import textwrap
import time
import types
import typing

from keras_genai import distribute
from keras_genai.callbacks import TrainingBackup
from keras_genai.data.tfds_loader import DatasetUnavailableError
from keras_genai.utils.seed import set_seed
from units.summary import Row
from units.summary import _raw
from units.summary import print_summary
from units.summary import take
from units.summary import write_json


@dataclasses.dataclass(frozen=True)
class AtLeast:
    """The lowest value an ``Annotated`` int option takes (``Count`` is
    ``Annotated[int, AtLeast(1)]``)."""

    minimum: int


Count = typing.Annotated[int, AtLeast(1)]
Seed = typing.Annotated[int, AtLeast(0)]

# Summary keys the lab writes itself.
_LAB_KEYS = ("exercise", "wall_seconds")


@dataclasses.dataclass(frozen=True)
class SharedOption:
    """An option every exercise of a lab takes, defined once: its flag
    (``--name`` with ``-`` for ``_``), type, default and help. Its value
    reaches the exercise as the `Run` field of the same name."""

    name: str
    annotation: object
    default: object
    help: str


# The options shared by every exercise, each with a `Run` field of the same
# name.
SHARED_OPTIONS = (
    SharedOption("seed", Seed, 0, "random seed of weights, data order and noise"),
    SharedOption("dataset", str, "digits",
                 "the images of the exercises marked [any (labelled) dataset] "
                 "below: digits (the embedded 5,000 MNIST digits), a "
                 "tensorflow-datasets image set by name (fashion_mnist, cifar10, "
                 "celeb_a...) or a folder of pictures (subfolders are the "
                 "classes); the other exercises take only digits"),
    SharedOption("image_size", typing.Optional[Count], None,
                 "centre-crop and resize the dataset's images to N x N (default: "
                 "their own size; a folder's pictures: 64)"),
    SharedOption("download", bool, False,
                 "let tensorflow-datasets download --dataset when it is not on "
                 "disk (without it, a dataset that is not fails within seconds)"),
    SharedOption("out", typing.Optional[str], None,
                 "folder for figures and the summary (default: outputs/<lab> for "
                 "the default exercise, outputs/<lab>/<exercise> for the others)"),
    SharedOption("export", str, "default",
                 "folder for the exported SavedModel (default: the exercise's "
                 "folder under saved_models/; 'none' to skip the export)"),
    SharedOption("distribute", typing.Literal["auto", "default", "mirrored",
                                              "multiworker"], "auto",
                 "distribution strategy the models are built in "
                 "(keras_genai.distribute.strategy): auto = mirrored over all "
                 "GPUs when there are several; multiworker reads the cluster "
                 "from TF_CONFIG"),
    SharedOption("resume", bool, False,
                 "back up the training state after every epoch under "
                 "checkpoints/<lab>/<exercise>/ and, when the same command runs "
                 "again after a crash, go on from the last backup (deleted when "
                 "the exercise finishes)"),
    SharedOption("deterministic", bool, False,
                 "turn on TensorFlow's op determinism (keras_genai.utils."
                 "set_seed): the same seed gives bit-identical results on the "
                 "CPU, and a resumed run ends as an uninterrupted one"),
    SharedOption("precision", typing.Literal["auto", "float32", "mixed_bfloat16"],
                 "auto", "dtype policy of the exercises that train under one "
                 "(units.common.precision_policy); auto: mixed_bfloat16 on a CPU with AMX / "
                 "AVX-512 BF16 units, else float32"),
    SharedOption("verbose", typing.Literal[0, 1, 2], 1,
                 "Keras verbosity: 0 silent, 1 progress bar, 2 one line per epoch"),
)


@dataclasses.dataclass(frozen=True)
class Run:
    """What every exercise shares, given to it as its first argument.

    Attributes:
        lab: the lab's name (``"unit4_gan"``).
        exercise: the exercise's name.
        out: the folder for its figures and summary (it exists).
        seed: ``--seed``, already set (`keras_genai.utils.set_seed`) when the
            exercise starts; an exercise seeds again only to start the models
            it compares alike.
        dataset: ``--dataset`` (``"digits"``, a tfds name or a folder).
        image_size: ``--image-size`` (``None``: the dataset's own size).
        download: ``--download``.
        export: the folder of its SavedModel, or ``None`` (none asked).
        strategy: the ``tf.distribute`` strategy the exercise runs in (its
            scope is entered).
        resume: ``--resume``.
        deterministic: ``--deterministic``.
        precision: ``--precision`` (``auto``, ``float32``, ``mixed_bfloat16``).
        verbose: Keras' verbosity for the exercise's main ``fit``.
        backups: the `Backups` of ``--resume``: pass ``run.backup()`` to each
            ``fit``.
    """

    lab: str
    exercise: str
    out: str
    seed: int
    dataset: str
    image_size: typing.Optional[int]
    download: bool
    export: typing.Optional[str]
    strategy: object
    resume: bool
    deterministic: bool
    precision: str
    verbose: int
    backups: object

    def backup(self):
        """The callbacks of ``--resume`` for the exercise's next ``fit`` (``[]``
        without it).

        Example:

        >>> model.fit(ds, epochs=epochs, callbacks=[grid, *run.backup()])
        """
        return self.backups()

    def images(self):
        """The images of ``--dataset`` / ``--image-size`` / ``--download``, as a
        `keras_genai.data.ImageSet` (for an exercise marked ``any_dataset``).

        Example:

        >>> images = run.images()
        >>> ds = images.batches(64, seed=run.seed)
        """
        from keras_genai.data import load_images

        return load_images(self.dataset, image_size=self.image_size,
                           download=self.download)


def exercise(name, help, export=None, any_dataset=False):
    """Marks ``fn(run, *, option=default, ...) -> dict`` as the exercise
    ``name`` of whichever `Lab` includes its module, and checks its signature.

    Args:
        name: the ``--exercise`` value, e.g. ``"wgan-gp"``.
        help: one line for ``--help``.
        export: default SavedModel folder of this exercise (``None``: it
            exports nothing).
        any_dataset: ``True`` if the exercise trains on ``run.images()``,
            whatever ``--dataset`` and ``--image-size`` give; ``"labelled"`` if
            it does so for labelled datasets only; ``False`` (the others)
            refuses any ``--dataset`` but ``digits`` and any ``--image-size``.

    Returns:
        A decorator that returns the function itself.

    Raises:
        TypeError, ValueError: for a malformed argument or signature, naming it.

    Example:

    >>> @exercise("xor", "perceptron vs MLP on XOR")
    ... def xor(run: Run, *, epochs: Count = 20) -> dict:
    ...     return {"mlp_accuracy": 1.0}
    >>> xor.exercise_spec.name
    'xor'
    """
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError("`name` must be a lower-case word (letters, digits, "
                         f"'-', '_'), e.g. 'wgan-gp'. Received: name={name!r}")
    if not isinstance(help, str) or not help.strip():
        raise ValueError(f"`help` must be a non-empty string. Received: help={help!r}")
    if export is not None and not isinstance(export, str):
        raise TypeError(f"`export` must be a folder name or None. Received: "
                        f"export={export!r}")
    if any_dataset not in (True, False, "labelled"):
        raise ValueError(f"`any_dataset` must be True, False or 'labelled'. "
                         f"Received: any_dataset={any_dataset!r}")

    def mark(fn):
        if not isinstance(fn, types.FunctionType):
            raise TypeError(f"@exercise({name!r}) decorates a function. "
                            f"Received: {fn!r}")
        options = _options(fn)  # checks the signature now, not at the first run
        fn.exercise_spec = ExerciseSpec(name, help, export, options, any_dataset)
        return fn
    return mark


ExerciseSpec = collections.namedtuple("ExerciseSpec",
                                      "name help export options any_dataset")
Option = collections.namedtuple("Option", "name annotation default help")


class Lab:
    """A lab: the exercises of some modules, one command line.

    Args:
        name: the lab's package name (``"unit4_gan"``); outputs go to
            ``outputs/<name>/<exercise>`` unless ``--out`` is given.
        description: one paragraph shown by ``--help``.
        default_exercise: the exercise run with no ``--exercise``.
        modules: the modules (or single exercise functions) whose `exercise`
            functions the lab offers, in the order they are defined there.
        page: the lab's page of the documentation (shown by ``--help``).

    Raises:
        TypeError, ValueError: for a source without exercises, a name taken
            twice or a default exercise the lab lacks.

    Example:

    >>> LAB = Lab("demo", "A demo.", default_exercise="xor", modules=[xor])
    >>> LAB.main(["--out", "/tmp/demo"])  # doctest: +ELLIPSIS
    == demo / xor ==  outputs: /tmp/demo ...
    0
    """

    def __init__(self, name, description, default_exercise, modules=(), page=None):
        self.name, self.description, self.page = name, description, page
        self.default_exercise = default_exercise
        self.exercises = {}
        for source in modules:
            self._include(source)
        if default_exercise not in self.exercises:
            raise ValueError(
                f"Lab {name!r} has no exercise {default_exercise!r} (it has "
                f"{sorted(self.exercises)}). Received: "
                f"default_exercise={default_exercise!r}")

    def _include(self, source):
        if isinstance(source, types.ModuleType):
            found = sorted((fn for fn in vars(source).values()
                            if _spec(fn) and fn.__module__ == source.__name__),
                           key=lambda fn: fn.__code__.co_firstlineno)
            if not found:
                raise ValueError(f"Module {source.__name__} defines no @exercise "
                                 f"function. Received: {source!r}")
        elif _spec(source):
            found = [source]
        else:
            raise TypeError("`modules` takes modules and @exercise functions. "
                            f"Received: {source!r}")
        for fn in found:
            name = fn.exercise_spec.name
            if name in self.exercises:
                raise ValueError(f"Lab {self.name!r} has an exercise {name!r} "
                                 f"already ({_where(self.exercises[name])}). "
                                 f"Received: {_where(fn)}")
            self.exercises[name] = fn

    def default_out(self, exercise):
        """``outputs/<lab>`` for the default exercise, ``outputs/<lab>/<exercise>``
        for the others."""
        if exercise == self.default_exercise:
            return os.path.join("outputs", self.name)
        return os.path.join("outputs", self.name, exercise)

    def parser(self, exercise=None):
        """The ``argparse`` parser of exercise ``exercise`` (``None``: the
        default one): ``--exercise``, the shared options and its own."""
        exercise = exercise or self.default_exercise
        lines = [f"  {n:<18} {fn.exercise_spec.help}"
                 + {True: " [any dataset]", "labelled": " [any labelled dataset]",
                    False: ""}[fn.exercise_spec.any_dataset]
                 for n, fn in self.exercises.items()]
        epilog = ("exercises (`--exercise NAME --help` lists one's options):\n"
                  + "\n".join(lines))
        if self.page:
            epilog += f"\n\nwhat each exercise shows, and its measured figures: {self.page}"
        parser = argparse.ArgumentParser(
            prog=f"python -m units.{self.name}", description=self.description,
            epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--exercise", default=self.default_exercise,
                            choices=sorted(self.exercises), metavar="NAME",
                            help="which exercise to run (listed below; default: "
                                 f"{self.default_exercise})")
        shared = parser.add_argument_group("options of every exercise")
        for option in SHARED_OPTIONS:
            _add(shared, option)
        own = parser.add_argument_group(f"options of --exercise {exercise}")
        for option in self.exercises[exercise].exercise_spec.options:
            _add(own, option)
        return parser

    def main(self, argv=None):
        """Parses ``argv`` (``sys.argv[1:]``), runs the exercise and prints its
        summary; a bad option is a usage error (exit status 2). Returns 0."""
        argv = sys.argv[1:] if argv is None else list(argv)
        first = argparse.ArgumentParser(add_help=False)
        first.add_argument("--exercise", default=self.default_exercise)
        name = first.parse_known_args(argv)[0].exercise
        if name not in self.exercises:
            name = None  # the full parser reports it
        parser = self.parser(name)
        args = vars(parser.parse_args(argv))
        name = args.pop("exercise")
        shared = {o.name: args.pop(o.name) for o in SHARED_OPTIONS}
        try:
            self._check_dataset(name, shared)
        except (ValueError, DatasetUnavailableError) as e:
            parser.error(str(e))
        self._run(name, shared, args)
        return 0

    def run(self, exercise=None, **options):
        """Runs an exercise from Python (a notebook cell) with the command
        line's checks, and returns its summary.

        Args:
            exercise: the exercise's name (``None``: the lab's default).
            **options: the shared options (``seed``, ``out``, ``export``...)
                and the exercise's own, by parameter name:
                ``train_size=512``, ``widths=[8, 16]``; ``None`` leaves an
                option at its default.

        Returns:
            The summary as ``summary.json`` holds it, ``{key: value}``.

        Raises:
            ValueError: for an unknown exercise or option, or a value the
                option does not take, before anything runs.

        Example:

        >>> summary = LAB.run("dcgan", epochs=2, train_size=512)  # doctest: +SKIP
        """
        name, shared, kwargs = self.check(exercise, **options)
        return _raw(self._run(name, shared, kwargs))

    def check(self, exercise=None, **options):
        """The options of ``run(exercise, **options)``, checked without
        running anything.

        Returns:
            ``(name, shared, own)``: the exercise's name, ``{shared option:
            value}`` (all of `SHARED_OPTIONS`) and ``{own option: value}``
            (those given).

        Raises:
            ValueError: for an unknown exercise or option, or a value the
                option does not take.

        Example:

        >>> LAB.check("dcgan", train_size=512)[2]  # doctest: +SKIP
        {'train_size': 512}
        """
        name = self.default_exercise if exercise is None else exercise
        if name not in self.exercises:
            raise ValueError(f"Lab {self.name!r} has no exercise {name!r} (it has "
                             f"{sorted(self.exercises)}). Received: exercise={exercise!r}")
        own = {o.name: o for o in self.exercises[name].exercise_spec.options}
        shared = {o.name: o.default for o in SHARED_OPTIONS}
        kwargs = {}
        for key, value in options.items():
            if value is None:
                continue
            option = own.get(key) or next(
                (o for o in SHARED_OPTIONS if o.name == key), None)
            if option is None:
                raise ValueError(
                    f"Exercise {name!r} of lab {self.name!r} takes no option "
                    f"{key!r} (its own: {sorted(own)}; shared: "
                    f"{[o.name for o in SHARED_OPTIONS]}). Received: {key}={value!r}")
            value = _check(option, value)
            if key in own:
                kwargs[key] = value
            else:
                shared[key] = value
        self._check_dataset(name, shared)
        return name, shared, kwargs

    def _check_dataset(self, name, shared):
        """Refuses ``--dataset`` / ``--image-size`` for an exercise that trains
        on the digits only."""
        takes = self.exercises[name].exercise_spec.any_dataset
        if takes:
            from keras_genai.data.image_sets import check_dataset
            from keras_genai.data.image_sets import load_images

            check_dataset(shared["dataset"], download=shared["download"])
            if takes == "labelled" and shared["dataset"] != "digits" and (
                    not shared["download"] or os.path.isdir(shared["dataset"])):
                images = load_images(shared["dataset"], download=False,
                                     image_size=shared["image_size"])
                if not images.labelled:
                    raise ValueError(
                        f"Exercise {name!r} of lab {self.name!r} needs labelled "
                        f"images, and {images.name!r} has none (a folder is "
                        "labelled by its subfolders). Received: "
                        f"dataset={shared['dataset']!r}")
            return
        for key, default in (("dataset", "digits"), ("image_size", None)):
            if shared[key] != default:
                takes = [n for n, fn in self.exercises.items()
                         if fn.exercise_spec.any_dataset]
                raise ValueError(
                    f"Exercise {name!r} of lab {self.name!r} trains on the "
                    f"embedded digits only (the exercises of this lab that take "
                    f"--dataset: {takes or 'none'}). Received: {key}="
                    f"{shared[key]!r}")

    def _run(self, name, shared, kwargs):
        """Runs exercise ``name`` with the shared options ``shared`` and its
        own ``kwargs``; returns its summary (``{}`` on a worker other than the
        chief)."""
        fn = self.exercises[name]
        export = shared["export"]
        export = (fn.exercise_spec.export if export == "default"
                  else None if export.lower() == "none" else export)
        out = shared["out"] or self.default_out(name)
        # The only seeding an exercise needs at its start: nothing between here
        # and the exercise draws a random number.
        set_seed(shared["seed"], deterministic=shared["deterministic"])
        strategy = distribute.strategy(shared["distribute"])
        chief = distribute.is_chief(strategy)
        backup_root = os.path.join("checkpoints", self.name, name)
        if not chief:  # other workers train in step but keep no outputs; their
            # backups must outlive a crash too, beside the chief's
            worker = tempfile.mkdtemp(prefix=f"{self.name}_worker_")
            out, export = os.path.join(worker, "out"), None
            resolver = strategy.cluster_resolver
            backup_root += f".{resolver.task_type}{resolver.task_id}"
        run = Run(lab=self.name, exercise=name, out=out, seed=shared["seed"],
                  dataset=shared["dataset"], image_size=shared["image_size"],
                  download=shared["download"], export=export, strategy=strategy,
                  resume=shared["resume"],
                  deterministic=shared["deterministic"],
                  precision=shared["precision"], verbose=shared["verbose"],
                  backups=Backups(backup_root if shared["resume"] else None))
        os.makedirs(out, exist_ok=True)
        print(f"== {self.name} / {name} ==  outputs: {out}"
              f"  ({strategy.num_replicas_in_sync} replica(s), "
              f"{type(strategy).__name__})", flush=True)
        warning = distribute.unused_gpu_warning()
        if warning:
            print(warning, flush=True)
        start = time.time()
        with strategy.scope():
            results = fn(run, **kwargs)
        run.backups.finish()
        if not chief:
            shutil.rmtree(worker, ignore_errors=True)
            return {}
        results = {} if results is None else results
        if not isinstance(results, dict) or not all(isinstance(k, str)
                                                    for k in results):
            raise TypeError(f"Exercise {name!r} must return a dict with string "
                            f"keys. Received: {results!r}")
        taken = [k for k in _LAB_KEYS if k in results]
        if taken:
            raise ValueError(f"Exercise {name!r} returned keys the lab writes "
                             f"itself. Received: {taken}")
        summary = {"exercise": name, **results,
                   "wall_seconds": Row(time.time() - start, "wall time", "{:.0f} s")}
        print_summary(f"{self.name} / {name}", summary)
        write_json(os.path.join(out, "summary.json"), summary)
        return summary


def main_of(package):
    """What ``python -m units.<lab>`` runs: the ``main`` of the lab package
    ``package``, exiting with its status. Each unit's ``__main__.py`` is
    ``main_of(__package__)``.

    Example:

    >>> main_of("units.unit4_gan")  # doctest: +SKIP
    """
    import importlib

    raise SystemExit(importlib.import_module(package).LAB.main())


class Backups:
    """``run.backup()`` of an exercise: the `TrainingBackup` callbacks of
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

    >>> model.fit(ds, epochs=epochs, callbacks=[grid, *run.backup()])
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


# -- options from signatures ----------------------------------------------------


def _options(fn):
    """The `Option`s of an exercise's keyword-only parameters, checked."""
    parameters = list(inspect.signature(fn).parameters.values())
    if not parameters or parameters[0].kind not in (
            parameters[0].POSITIONAL_ONLY, parameters[0].POSITIONAL_OR_KEYWORD):
        raise TypeError(f"An exercise takes the Run first: `def {fn.__name__}(run, "
                        f"*, option=default, ...)`. Received: {_where(fn)}")
    hints = typing.get_type_hints(fn, include_extras=True)
    helps = _arg_docs(fn.__doc__ or "")
    shared = {o.name for o in SHARED_OPTIONS}
    options = []
    for p in parameters[1:]:
        where = f"parameter `{p.name}` of {_where(fn)}"
        if p.kind is not p.KEYWORD_ONLY:
            raise TypeError(f"Options are keyword-only (after `*`). Received: {where}")
        if p.default is p.empty or p.name not in hints:
            raise TypeError(f"An option needs a type annotation and a default. "
                            f"Received: {where}")
        if p.name in shared:
            raise ValueError(f"`{p.name}` is a shared option: read it from the "
                             f"Run. Received: {where}")
        _kind(hints[p.name], where)  # a supported annotation
        options.append(Option(p.name, hints[p.name], p.default,
                              helps.get(p.name, "")))
    return tuple(options)


def _arg_docs(doc):
    """``{name: text}`` of a Google-style docstring's ``Args:`` section."""
    doc = textwrap.dedent("\n".join(doc.splitlines()[1:]))
    match = re.search(r"^Args:\n((?:[ \t]+.*\n?|\n)*)", doc, flags=re.M)
    if not match:
        return {}
    out, name = {}, None
    for line in textwrap.dedent(match.group(1)).splitlines():
        head = re.match(r"^(\w+)(?: \(.*?\))?: (.*)$", line)
        if head:
            name, out[head[1]] = head[1], head[2]
        elif name and line.strip():
            out[name] += " " + line.strip()
    return out


def _kind(annotation, where="annotation"):
    """``(base type, minimum, choices, is_list, optional)`` of a supported
    annotation, or a TypeError naming ``where``."""
    optional = False
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            optional, annotation = True, rest[0]
            origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    is_list = origin is list
    if is_list:
        annotation = args[0]
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    minimum, choices = None, None
    if origin is typing.Annotated:
        annotation, *extra = args
        minimum = next((e.minimum for e in extra if isinstance(e, AtLeast)), None)
    elif origin is typing.Literal:
        choices, annotation = args, type(args[0])
    if annotation not in (int, float, str, bool):
        raise TypeError("An option is int, float, str, bool, Count, a list or "
                        "Literal of them, or Optional. Received: "
                        f"{where}: {annotation!r}")
    return annotation, minimum, choices, is_list, optional


def _parse(kind, text):
    """One command-line value of an option of ``kind``, checked."""
    base, minimum, choices, _, _ = kind
    try:
        value = base(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected {'an integer' if base is int else 'a number'}, got {text!r}")
    if minimum is not None and value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
    if choices is not None and value not in choices:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(map(str, choices))}, got {text!r}")
    return value


def _add(parser, option):
    """Adds ``option``'s flag to ``parser``."""
    kind = _kind(option.annotation)
    base, _, choices, is_list, _ = kind
    flag = "--" + option.name.replace("_", "-")
    shown = (" ".join(map(str, option.default)) if isinstance(option.default, (list, tuple))
             else option.default)
    text = f"{option.help} (default: {shown})".strip()
    if base is bool and not is_list:
        parser.add_argument(flag, action=argparse.BooleanOptionalAction,
                            default=option.default, help=option.help or None)
        return
    parser.add_argument(flag, type=lambda t: _parse(kind, t), default=option.default,
                        nargs="+" if is_list else None,
                        metavar=("{" + ",".join(map(str, choices)) + "}" if choices
                                 else option.name.upper()),
                        help=text)


def _check(option, value):
    """A Python value of ``option`` (`Lab.run`), checked as the command line
    checks its text; a ValueError names the option."""
    base, minimum, choices, is_list, _ = _kind(option.annotation)
    values = list(value) if is_list and isinstance(value, (list, tuple)) else [value]
    if is_list != isinstance(value, (list, tuple)):
        raise ValueError(f"`{option.name}` takes {'a list' if is_list else 'one value'}."
                         f" Received: {option.name}={value!r}")
    for v in values:
        ok = (isinstance(v, bool) if base is bool
              else isinstance(v, numbers.Real) and not isinstance(v, bool)
              if base is float else isinstance(v, base) and not isinstance(v, bool))
        if not ok or (minimum is not None and v < minimum) \
                or (choices is not None and v not in choices):
            wanted = (f"one of {choices}" if choices is not None
                      else f"an int >= {minimum}" if minimum is not None
                      else base.__name__)
            raise ValueError(f"`{option.name}` must be {wanted}. Received: "
                             f"{option.name}={value!r}")
    return list(values) if is_list else values[0]


def _spec(fn):
    return isinstance(getattr(fn, "exercise_spec", None), ExerciseSpec) and \
        isinstance(fn, types.FunctionType)


def _where(fn):
    return f"{fn.__module__}.{fn.__qualname__}"


__all__ = ["AtLeast", "Backups", "Count", "Lab", "Row", "Run", "SHARED_OPTIONS",
           "Seed", "SharedOption", "exercise", "main_of", "print_summary", "take",
           "write_json"]
