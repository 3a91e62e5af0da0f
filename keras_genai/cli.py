"""The command line shared by every lab in `units/`.

A lab is a `Lab` with exercises registered by decorator; every lab gets the same
options and conventions (outputs under ``outputs/<lab>/``, SavedModels under
``saved_models/``, a printed summary, ``--help`` listing the exercises, and
``--distribute`` / ``--resume`` / ``--deterministic``: the exercise runs inside
the chosen strategy's scope, and passes ``args.backup()`` to each ``fit``):

    LAB = Lab("unit4_gan", "Unit IV: generative adversarial networks.",
              default_exercise="dcgan", epochs=20, batch_size=64, latent_dim=64)

    @LAB.exercise("dcgan", "Train a DCGAN on the embedded digits.")
    def dcgan(args, out):
        ...
        return {"confident samples": "92.1%"}

    if __name__ == "__main__":
        raise SystemExit(LAB.main())
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from keras_genai import distribute
from keras_genai.callbacks import TrainingBackup
from keras_genai.utils.io import atomic_file
from keras_genai.utils.seed import set_seed


class Lab:
    """A lab: a set of named exercises sharing one argument parser.

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
            (e.g. ``[("--samples", dict(type=int, default=500))]``).

    Example:

    >>> LAB = Lab("unit4_gan", "GANs.", default_exercise="dcgan")
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
        self.exercise_defaults = {}

    def exercise(self, name, help, export=None, epochs=None, batch_size=None,
                 latent_dim=None):
        """Registers ``fn(args, out_dir) -> dict`` as exercise ``name``.

        Args:
            name: the ``--exercise`` value.
            help: one line for ``--help``.
            export: default SavedModel folder of this exercise (``None``: the
                exercise exports nothing).
            epochs: this exercise's default ``--epochs`` (``None``: the lab's).
            batch_size: this exercise's default ``--batch-size`` (``None``: the
                lab's).
            latent_dim: this exercise's default ``--latent-dim`` (``None``: the
                lab's); only for a lab with latents.

        Returns:
            A decorator returning the function unchanged.
        """
        def register(fn):
            self.exercises[name] = (fn, help, export)
            self.exercise_defaults[name] = {
                "epochs": epochs or self.defaults["epochs"],
                "batch_size": batch_size or self.defaults["batch_size"],
            }
            if self.defaults["latent_dim"] is not None:
                self.exercise_defaults[name]["latent_dim"] = (
                    latent_dim or self.defaults["latent_dim"])
            return fn
        return register

    def default_out(self, exercise):
        """``outputs/<lab>`` for the default exercise, ``outputs/<lab>/<exercise>``
        for the others."""
        if exercise == self.default_exercise:
            return os.path.join("outputs", self.name)
        return os.path.join("outputs", self.name, exercise)

    def parser(self):
        """Builds the ``argparse`` parser with the shared options."""
        lines = []
        for n, (_, h, _) in self.exercises.items():
            d = self.exercise_defaults[n]
            latent = (f", latent {d['latent_dim']}"
                      if d.get("latent_dim", self.defaults["latent_dim"])
                      != self.defaults["latent_dim"] else "")
            lines.append(f"  {n:<18} {h} [{d['epochs']} epochs, batch "
                         f"{d['batch_size']}{latent}]")
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
        parser.add_argument("--epochs", type=_positive_int, default=None,
                            help="training epochs (default: the exercise's, in "
                                 "brackets below)")
        parser.add_argument("--batch-size", type=_positive_int, default=None,
                            help="global batch size (default: the exercise's, in "
                                 "brackets below)")
        parser.add_argument("--train-size", type=_positive_int, default=None,
                            metavar="N",
                            help="train on the first N training examples only, "
                                 "for a quick try (default: all)")
        if d["latent_dim"] is not None:
            parser.add_argument("--latent-dim", type=_positive_int,
                                default=None,
                                help="size of the latent vector z (default: "
                                     f"{d['latent_dim']}, or the exercise's, in "
                                     "brackets below)")
        parser.add_argument("--seed", type=int, default=d["seed"],
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
        """
        args = self.parser().parse_args(argv)
        fn, _, export = self.exercises[args.exercise]
        for key, value in self.exercise_defaults[args.exercise].items():
            if getattr(args, key) is None:
                setattr(args, key, value)
        if args.export == "default":
            args.export = export
        elif args.export.lower() == "none":
            args.export = None
        out = args.out or self.default_out(args.exercise)
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
            summary = fn(args, out) or {}
        args.backup.finish()
        if not chief:
            shutil.rmtree(worker, ignore_errors=True)
            return 0
        summary = {"exercise": args.exercise, **summary,
                   "wall time": f"{time.time() - start:.0f} s"}
        print_summary(f"{self.name} / {args.exercise}", summary)
        write_json(os.path.join(out, "summary.json"), summary)
        return 0


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
    """Prints ``rows`` (a dict) as an aligned two-column table.

    Example:

    >>> print_summary("demo", {"accuracy": "98.1%"})
    """
    width = max([len(str(k)) for k in rows] + [10])
    print(f"\n--- summary: {title} ---")
    for key, value in rows.items():
        if isinstance(value, float):
            value = f"{value:.4g}"
        print(f"  {str(key):<{width}}  {value}")
    sys.stdout.flush()


def write_json(path, obj):
    """Writes ``obj`` as indented JSON, atomically."""
    with atomic_file(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2, default=str)
    return path


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value
