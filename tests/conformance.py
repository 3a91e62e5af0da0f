"""The model contract as reusable checks.

Every class in `keras_genai.models` describes itself with a `ModelSpec` and runs
every check in `CHECKS`:

    SPEC = conformance.ModelSpec(...)

    @pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
    def test_conformance(check, tmp_path, mirrored_strategy):
        check(SPEC, tmp_path, mirrored_strategy)

The checks:

* `check_fit`: built before ``fit``; ``fit`` changes every trainable variable of
  every trained network and logs finite epoch means (``keras.metrics.Mean``).
  Its model is trained once per spec and test worker; the checks that need a
  freshly compiled model whose step is already traced borrow it (`_borrowed`).
* `check_mirrored`: one step under ``MirroredStrategy`` on 2 logical CPUs gives the
  weights and logged values of one step on one device on the same global batch and
  noise; the two replicas draw different noise.
* `check_save_load_fresh_process`: a ``.keras`` file loads in another Python
  process, which never saw the model, with identical outputs and every
  optimizer's state (iterations and slots), and trains on.
* `check_export`: ``model.export`` gives a SavedModel that a process which cannot
  import keras_genai serves with the model's outputs.

  Both run their other process through `_Child`: one process per script and
  test worker serves every model, so Python and TensorFlow start twice per
  worker instead of twice per model.
* `check_bad_arguments`: bad arguments raise ``ValueError`` / ``TypeError`` naming
  the argument.
* `check_nan_guard`: a non-finite loss stops ``fit`` with a warning naming the key.
* `check_mixed_precision`: under ``mixed_bfloat16`` and ``mixed_float16`` the
  networks compute in 16 bits, every variable stays float32, every optimizer is
  loss-scaled exactly under float16, ``fit`` updates with finite losses, and the
  model's outputs and export endpoints are float32.
* `check_determinism_and_resume`: `keras_genai.utils.set_seed` with the same
  seed gives bit-identical initial weights, another seed other weights; a run
  restarted from the `keras_genai.callbacks.TrainingBackup` an uninterrupted
  run left after 2 of 3 epochs (with another global seed, so nothing is left
  to chance) ends bit-identical to that run: weights, every optimizer's
  iterations and the seed generator's state.
* `check_xla`: ``jit_compile=True`` is honoured and ``fit`` trains under XLA;
  a model that XLA cannot compile (`keras_genai.utils.jit_blockers`: a
  ``TextVectorization`` layer...) refuses it with a warning naming the reason
  and still trains.
"""

import atexit
import contextlib
import dataclasses
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import textwrap
import warnings
from typing import Any
from typing import Callable

import keras
import numpy as np
import pytest
import tensorflow as tf

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD_SITE = os.path.join(REPO_ROOT, "tests", "child_site")


@dataclasses.dataclass
class ModelSpec:
    """How to build, compile, feed and probe one model class.

    Attributes:
        make_model: returns a new model; two calls give the same architecture and
            the same seed (weights may differ: checks copy them).
        compile: compiles a model with fresh optimizers.
        data: returns the training arrays ``x`` (and ``y`` for conditional models)
            as a tuple; float32, already scaled.
        networks: attribute names of the networks that training must change (an
            attribute may hold a list of networks, e.g. one per pyramid level).
        optimizers: attribute names of the optimizers.
        inputs: returns example inputs of ``model(inputs)`` (an array, or a
            list of arrays for a model with several inputs).
        endpoints: ``{endpoint: (args, reference_fn)}``; ``reference_fn(model,
            *args)`` computes what the SavedModel endpoint must return.
        bad_arguments: ``[(argument_name, fn)]``; ``fn()`` must raise naming it.
        batch_size: the global batch size of the checks.
        constant_variables: paths of variables the objective cannot change (their
            gradient is 0 by the maths, e.g. a Wasserstein critic's output bias,
            which cancels in ``E[D(G(z))] - E[D(x)]``); `check_fit` asserts they
            stay as they were.
        compared_variables: attribute names of model variables outside the
            networks (a running mean) that `check_mirrored` also compares.
        export_atol: the absolute tolerance of ``check_export``. A sampler
            endpoint chains several network calls, and the SavedModel's graph
            rounds each differently from the in-process call (oneDNN picks
            other kernels for the optimized graph), so the differences add up.
    """

    make_model: Callable[[], keras.Model]
    compile: Callable[[keras.Model], None]
    data: Callable[[], tuple]
    networks: tuple
    optimizers: tuple
    inputs: Callable[[], Any]
    endpoints: dict
    bad_arguments: list
    batch_size: int = 8
    constant_variables: tuple = ()
    compared_variables: tuple = ()
    export_atol: float = 1e-5


def _dataset(spec, repeat_batches=1):
    arrays = spec.data()
    ds = tf.data.Dataset.from_tensor_slices(arrays if len(arrays) > 1 else arrays[0])
    return ds.take(spec.batch_size * repeat_batches).batch(
        spec.batch_size, drop_remainder=True)


def _network_variables(model, name, trainable=True):
    """The (trainable) variables of the network, or list of networks, ``name``."""
    networks = getattr(model, name)
    if not isinstance(networks, (list, tuple)):
        networks = [networks]
    return [v for n in networks
            for v in (n.trainable_variables if trainable else n.weights)]


def _iterations(model, optimizer_name):
    return int(getattr(model, optimizer_name).iterations.numpy())


_TRAINED = {}


def _state(model, spec):
    """Every variable a step of ``fit`` can change: the model's (weights, seed
    generators), its metrics' and every optimizer's."""
    variables, seen = [], set()
    for v in [*model.variables, *model.metrics_variables,
              *(w for n in spec.optimizers for w in getattr(model, n).variables)]:
        if id(v) not in seen:
            seen.add(id(v))
            variables.append(v)
    return variables


def _trained(spec):
    """A model of ``spec`` fitted for 2 epochs of 2 batches, made once per spec
    and test worker for the checks that only read a trained model (`check_fit`,
    `check_save_load_fresh_process`, `check_export`; none of them changes it)
    and for `_borrowed`.

    Returns:
        ``(model, built_before_fit, weights_before_fit, history)``; the weights
        are ``{network attribute: [arrays]}``.
    """
    entry = _TRAINED.get(id(spec))
    if entry is None or entry[0] is not spec:
        model = spec.make_model()
        built = model.built
        spec.compile(model)
        before = {n: [v.numpy() for v in _network_variables(model, n)]
                  for n in spec.networks}
        compiled = [v.numpy() for v in _state(model, spec)]
        history = model.fit(_dataset(spec, repeat_batches=2), epochs=2, verbose=0)
        entry = _TRAINED[id(spec)] = (spec, model, built, before, history.history,
                                      compiled)
    return entry[1:5]


@contextlib.contextmanager
def _borrowed(spec):
    """`_trained`'s model, every variable of it (`_state`) set back to its
    value right after ``compile``, before its ``fit``: a freshly compiled model
    whose training step is already traced, which tracing again would cost
    seconds. When the block ends the model is put back as it was, so the
    checks that read it see the same model whatever ran before them.

    Example:

    >>> with _borrowed(SPEC) as model:
    ...     model.fit(_dataset(SPEC), epochs=1, verbose=0)
    """
    model = _trained(spec)[0]
    variables = _state(model, spec)
    compiled = _TRAINED[id(spec)][5]
    assert len(variables) == len(compiled)
    trained = [v.numpy() for v in variables]
    try:
        for v, value in zip(variables, compiled):
            v.assign(value)
        yield model
    finally:
        for v, value in zip(variables, trained):
            v.assign(value)


def check_fit(spec, tmp_path, strategy):
    model, built, before, history = _trained(spec)
    assert built, "the model must be built at construction (not by fit)"
    for name in spec.networks:
        after = _network_variables(model, name)
        unchanged = [v.path for v, b in zip(after, before[name])
                     if np.array_equal(v.numpy(), b)]
        expected = [p for p in unchanged if p in spec.constant_variables]
        assert unchanged == expected, (
            f"fit did not change {name} variables "
            f"{sorted(set(unchanged) - set(expected))}")
        changed = {v.path for v in after} - set(unchanged)
        assert not changed & set(spec.constant_variables), (
            f"fit changed {sorted(changed & set(spec.constant_variables))}, "
            "which the objective cannot change")
    assert model.metrics, "the model must list its trackers in `metrics`"
    for metric in model.metrics:
        assert isinstance(metric, keras.metrics.Mean), metric
    assert set(history) == {m.name for m in model.metrics}
    for key, values in history.items():
        assert len(values) == 2 and np.all(np.isfinite(values)), (key, values)
    for metric in model.metrics:  # the last log is the tracker's epoch mean
        np.testing.assert_allclose(history[metric.name][-1],
                                   float(metric.result()), rtol=1e-6)


def check_mirrored(spec, tmp_path, strategy):
    assert strategy.num_replicas_in_sync == 2
    with _borrowed(spec) as single:
        initial = [v.numpy() for v in single.weights]
        one = single.fit(_dataset(spec), epochs=1, verbose=0).history
        _compare_mirrored(spec, strategy, single, initial, one)


def _compare_mirrored(spec, strategy, single, initial, one):
    with strategy.scope():
        mirrored = spec.make_model()
        for v, w in zip(mirrored.weights, initial):
            v.assign(w)
        spec.compile(mirrored)
    two = mirrored.fit(_dataset(spec), epochs=1, verbose=0).history
    assert set(one) == set(two)
    for key in one:
        np.testing.assert_allclose(two[key], one[key], rtol=1e-4, atol=1e-5,
                                   err_msg=f"logged {key} differs on 2 replicas")
    # Adam's step is about lr * g / |g| whatever |g|, so a gradient component
    # near zero turns the float noise of a different summation order (two
    # replicas' partial sums) into a sizeable fraction of lr: CI once saw one
    # element of 1,024 off by 0.3% of lr=1e-2 after four steps. A replica bug
    # (the same noise on both replicas, a gradient left unreduced on one)
    # moves weights by the order of lr, so 1% of the largest lr still catches it.
    lr = max(float(keras.ops.convert_to_numpy(getattr(single, name).learning_rate))
             for name in spec.optimizers)
    for name in spec.networks:
        for a, b in zip(_network_variables(single, name, trainable=False),
                        _network_variables(mirrored, name, trainable=False)):
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-4,
                                       atol=max(1e-5, 0.01 * lr),
                                       err_msg=f"{name} weight {a.path} differs")
    for name in spec.compared_variables:
        np.testing.assert_allclose(getattr(mirrored, name).numpy(),
                                   getattr(single, name).numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=f"{name} differs")
    for name in spec.optimizers:
        assert _iterations(single, name) == _iterations(mirrored, name)

    @tf.function
    def draw():
        return strategy.run(lambda: mirrored.sample_normal(4, (3,)))

    per_replica = [np.array(t) for t in strategy.experimental_local_results(draw())]
    assert len(per_replica) == 2
    assert not np.allclose(per_replica[0], per_replica[1]), (
        "both replicas drew the same noise")


# The scripts that other Python processes run for the fresh-process checks. Each
# defines ``run(argv) -> report`` (argv: strings) and is served by a `_Child`.
_LOAD_SCRIPT = textwrap.dedent("""
    import numpy as np
    import keras
    import keras_genai  # registers the serializable classes
    import tensorflow as tf

    def run(argv):
        keras.backend.clear_session()  # nothing left from an earlier request
        model_path, arrays_path, optimizers, out_path = argv
        optimizers = optimizers.split(",")
        model = keras.models.load_model(model_path)
        arrays = np.load(arrays_path)
        inputs = [arrays[k] for k in sorted(arrays.files) if k.startswith("inputs")]
        out = np.asarray(model(inputs[0] if len(inputs) == 1 else inputs,
                               training=False))
        report = {"iterations_loaded": {n: int(getattr(model, n).iterations)
                                        for n in optimizers},
                  "optimizer_state": {n: [float(np.abs(np.asarray(v)).sum())
                                          for v in getattr(model, n).variables]
                                      for n in optimizers}}
        data = [arrays[k] for k in sorted(arrays.files) if k.startswith("data")]
        ds = tf.data.Dataset.from_tensor_slices(tuple(data) if len(data) > 1
                                                else data[0])
        history = model.fit(ds.batch(int(arrays["batch_size"])), epochs=1,
                            verbose=0)
        report["iterations_after_fit"] = {n: int(getattr(model, n).iterations)
                                          for n in optimizers}
        report["finite"] = all(np.isfinite(v).all()
                               for v in history.history.values())
        np.save(out_path, out)
        return report
""")

# Served by a process in which importing keras_genai fails (`_Child`'s
# ``block_keras_genai``): a SavedModel must need TensorFlow alone.
_SERVE_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorflow as tf

    def run(argv):
        model_path, args_path, endpoints, out_path = argv
        loaded = tf.saved_model.load(model_path)
        args = np.load(args_path)
        outputs = {}
        for name in endpoints.split(","):
            values = [tf.constant(args[f"{name}__{i}"])
                      for i in range(len([k for k in args.files
                                          if k.startswith(name + "__")]))]
            outputs[name] = np.asarray(getattr(loaded, name)(*values))
        np.savez(out_path, **outputs)
        return {"keras_genai_imported": bool(sys.modules.get("keras_genai"))}
""")

# The child's loop: one JSON line in (argv), one JSON line out ({"ok": report} or
# {"error": traceback}); whatever the work prints goes to stderr.
_CHILD_LOOP = textwrap.dedent("""
    import json, sys, traceback
    if sys.argv[2] == "block_keras_genai":
        sys.modules["keras_genai"] = None  # importing keras_genai now fails
    namespace = {}
    exec(sys.argv[1], namespace)
    replies, sys.stdout = sys.stdout, sys.stderr
    for line in sys.stdin:
        try:
            reply = {"ok": namespace["run"](json.loads(line))}
        except BaseException:
            reply = {"error": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\\n")
        replies.flush()
""")


def python_env(**overrides):
    """The environment of a child Python process that imports keras_genai from
    this checkout: ``os.environ`` with the repository and ``tests/child_site``
    (whose ``sitecustomize`` sets Grappler as the test process has it) on
    ``PYTHONPATH``, then ``overrides`` (a value of ``None`` removes the
    variable)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (REPO_ROOT, CHILD_SITE, env.get("PYTHONPATH")) if p)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class _Child:
    """Another Python process that runs one script's ``run(argv)`` per request.

    Starting Python and TensorFlow takes seconds, so one child serves a script's
    requests for the whole test run (each pytest-xdist worker has its own). It
    never sees the test's objects: a request shares nothing with the test
    process but the files named in ``argv``. A child that dies or hangs is
    replaced at the next request.
    """

    _running = {}

    def __init__(self, script, block_keras_genai=False):
        self._log = tempfile.TemporaryFile(mode="w+")
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD_LOOP, script,
             "block_keras_genai" if block_keras_genai else "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            text=True, env=python_env(), cwd=REPO_ROOT)

    @classmethod
    def run(cls, script, *argv, block_keras_genai=False, timeout=600):
        """Runs ``script``'s ``run(argv)`` in its child and returns the report."""
        key = (script, block_keras_genai)
        child = cls._running.get(key)
        if child is None or child._proc.poll() is not None:
            child = cls._running[key] = cls(script, block_keras_genai)
        child._log.seek(0, os.SEEK_END)
        start = child._log.tell()
        child._proc.stdin.write(json.dumps([str(a) for a in argv]) + "\n")
        child._proc.stdin.flush()
        ready, _, _ = select.select([child._proc.stdout], [], [], timeout)
        line = child._proc.stdout.readline() if ready else ""
        reply = json.loads(line) if line else {"error": (
            f"the child process died or took over {timeout} s")}
        if "error" in reply:
            child._log.seek(start)
            log = child._log.read()[-4000:]
            if not line:
                child.close()
            raise AssertionError(f"{reply['error']}\n{log}")
        return reply["ok"]

    def close(self):
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._log.close()

    @classmethod
    def close_all(cls):
        for child in cls._running.values():
            child.close()
        cls._running.clear()


atexit.register(_Child.close_all)


def check_save_load_fresh_process(spec, tmp_path, strategy):
    model = _trained(spec)[0]
    iterations = {n: _iterations(model, n) for n in spec.optimizers}
    assert all(i > 0 for i in iterations.values()), iterations
    inputs = spec.inputs()
    expected = np.asarray(model(inputs, training=False))
    path = tmp_path / "model.keras"
    model.save(path)
    arrays = {"batch_size": spec.batch_size}
    for i, a in enumerate(inputs if isinstance(inputs, (list, tuple)) else [inputs]):
        arrays[f"inputs{i}"] = a
    for i, a in enumerate(spec.data()):
        arrays[f"data{i}"] = a[:spec.batch_size]
    np.savez(tmp_path / "arrays.npz", **arrays)
    report = _Child.run(_LOAD_SCRIPT, path, tmp_path / "arrays.npz",
                        ",".join(spec.optimizers), tmp_path / "out.npy")
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected,
                               rtol=1e-6, atol=1e-6)
    assert report["iterations_loaded"] == iterations, report
    for name in spec.optimizers:  # every slot (moments...), not only iterations
        state = [float(np.abs(v.numpy()).sum())
                 for v in getattr(model, name).variables]
        assert len(state) > 1, f"{name} has no state beyond its iterations"
        np.testing.assert_allclose(report["optimizer_state"][name], state,
                                   rtol=1e-6, err_msg=f"{name} state not restored")
    # The fresh process trains one more step (one batch): each optimizer advances
    # by its updates per step, the iterations of `_trained`'s 4 steps over 4.
    assert report["iterations_after_fit"] == {
        n: iterations[n] + iterations[n] // 4 for n in spec.optimizers}, report
    assert report["finite"], report


def check_export(spec, tmp_path, strategy):
    model = _trained(spec)[0]
    path = tmp_path / "saved_model"
    assert model.export(str(path)) == str(path)
    assert (path / "saved_model.pb").exists()
    args, expected = {}, {}
    for name, (inputs, reference) in spec.endpoints.items():
        for i, a in enumerate(inputs):
            args[f"{name}__{i}"] = a
        expected[name] = np.asarray(reference(model, *inputs))
    np.savez(tmp_path / "args.npz", **args)
    report = _Child.run(_SERVE_SCRIPT, path, tmp_path / "args.npz",
                        ",".join(spec.endpoints), tmp_path / "served.npz",
                        block_keras_genai=True)
    assert not report["keras_genai_imported"]
    served = np.load(tmp_path / "served.npz")
    for name in spec.endpoints:
        np.testing.assert_allclose(served[name], expected[name], rtol=1e-5,
                                   atol=spec.export_atol, err_msg=name)


def check_bad_arguments(spec, tmp_path, strategy):
    assert spec.bad_arguments, "list the bad arguments the model must refuse"
    for argument, fn in spec.bad_arguments:
        with pytest.raises((ValueError, TypeError), match=argument):
            fn()


def check_nan_guard(spec, tmp_path, strategy):
    with _borrowed(spec) as model:
        arrays = [np.full_like(a, np.nan) if a.dtype.kind == "f" else a
                  for a in spec.data()]
        ds = tf.data.Dataset.from_tensor_slices(tuple(arrays) if len(arrays) > 1
                                                else arrays[0])
        ds = ds.take(spec.batch_size * 2).batch(spec.batch_size, drop_remainder=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = model.fit(ds, epochs=3, verbose=0)
        messages = [str(w.message) for w in caught
                    if issubclass(w.category, RuntimeWarning)]
        assert any("Training stopped" in m and "loss" in m for m in messages), messages
        assert len(next(iter(history.history.values()))) == 1, "training did not stop"


def _weights(model):
    return [v.numpy() for v in model.weights]


def _fit_updates(model, spec):
    """Fits one epoch of 2 batches, checks every logged value is finite, and
    returns whether any weight changed."""
    before = _weights(model)
    history = model.fit(_dataset(spec, repeat_batches=2), epochs=1, verbose=0)
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)
    return any(not np.array_equal(a, v.numpy())
               for a, v in zip(before, model.weights))


def check_mixed_precision(spec, tmp_path, strategy):
    for policy in ("mixed_bfloat16", "mixed_float16"):
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy(policy)
        try:
            model = spec.make_model()
            spec.compile(model)
        finally:
            keras.config.set_dtype_policy(previous)
        half = policy.removeprefix("mixed_")
        assert any(layer.dtype_policy.compute_dtype == half
                   for layer in model._flatten_layers()), f"nothing computes in {half}"
        floating = [v for v in model.weights if "float" in str(v.dtype)]
        assert all(v.dtype == "float32" for v in floating), (
            f"{policy}: variables {[(v.path, v.dtype) for v in floating]}")
        for name in spec.optimizers:  # float16 gradients need loss scaling
            scaled = isinstance(getattr(model, name), keras.optimizers.LossScaleOptimizer)
            assert scaled == (policy == "mixed_float16"), (policy, name)
        # Under float16 the loss scale starts at 2**15 and halves on every step
        # whose gradients overflow, skipping it (a VAE's summed pixel loss
        # overflows ~10 times): train until the first update is applied.
        attempts = 1 if half == "bfloat16" else 12
        assert any(_fit_updates(model, spec) for _ in range(attempts)), (
            f"{policy}: no update")
        outputs = model(spec.inputs(), training=False)
        assert all(t.dtype == "float32" for t in tf.nest.flatten(outputs)), policy
        endpoints = {name: fn for name, fn, _ in model._export_endpoints()}
        for name, (args, _) in spec.endpoints.items():
            served = endpoints[name](*[tf.constant(a) for a in args])
            assert all(t.dtype == tf.float32 for t in tf.nest.flatten(served)), (
                f"{policy}: endpoint {name} returns {served.dtype}")
        if policy == "mixed_float16":  # the loss scales survive a round trip
            path = tmp_path / "mixed.keras"
            model.save(path)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                loaded = keras.models.load_model(path)
            assert not [w for w in caught if "Skipping" in str(w.message)], (
                [str(w.message) for w in caught])
            for name in spec.optimizers:
                a, b = getattr(model, name), getattr(loaded, name)
                assert isinstance(b, keras.optimizers.LossScaleOptimizer), name
                assert _iterations(loaded, name) == _iterations(model, name)
                assert float(b.dynamic_scale) == float(a.dynamic_scale), name
            np.testing.assert_allclose(
                np.asarray(loaded(spec.inputs(), training=False)),
                np.asarray(model(spec.inputs(), training=False)), rtol=1e-6)


@contextlib.contextmanager
def op_determinism_restored():
    """Puts TensorFlow's op determinism back as it was when the block ends
    (`keras_genai.utils.set_seed` switches it for the whole process)."""
    from tensorflow.python.framework import config as tf_config

    before = tf_config.is_op_determinism_enabled()
    try:
        yield
    finally:
        (tf_config.enable_op_determinism if before
         else tf_config.disable_op_determinism)()


def _train_with_seed(spec, seed, epochs=1, callbacks=()):
    from keras_genai.utils import set_seed

    set_seed(seed, deterministic=True)
    model = spec.make_model()
    spec.compile(model)
    if epochs:
        model.fit(_dataset(spec, repeat_batches=2), epochs=epochs, verbose=0,
                  callbacks=list(callbacks))
    return model


class _InitialWeights(keras.callbacks.Callback):
    """Keeps every weight as training begins (``weights``)."""

    def on_train_begin(self, logs=None):
        self.weights = _weights(self.model)


class _CopyBackup(keras.callbacks.Callback):
    """Copies the backup folder ``source`` to ``target`` when epoch ``epoch``
    ends; placed after the `TrainingBackup`, which has then written that
    epoch's backup, it keeps what a crash right after the epoch would leave."""

    def __init__(self, source, target, epoch):
        super().__init__()
        self.source, self.target, self.epoch = source, target, epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            shutil.copytree(self.source, self.target)


def check_determinism_and_resume(spec, tmp_path, strategy):
    """Two short trainings under `set_seed(seed, deterministic=True)`, and a
    model only built:

    1. seed 1, 3 epochs with a `TrainingBackup` (its initial weights kept);
       the backup after epoch 2 is copied aside: what a crash before epoch 3
       would leave;
    2. seed 1 again, built: the same initial weights;
    3. seed 7 with the copied backup: its initial weights (kept before the
       backup restores) differ from seed 1's; it resumes at epoch 3 and ends
       bit-identical to run 1 (weights, every optimizer's iterations, the seed
       generator), so the backup restored everything the seed would otherwise
       have decided, and the same step, traced again in another model, gave the
       same bits.
    """
    from keras_genai.callbacks import TrainingBackup

    backup, copy = TrainingBackup(tmp_path / "backup"), tmp_path / "copy"
    initial, other = _InitialWeights(), _InitialWeights()
    with op_determinism_restored():
        uninterrupted = _train_with_seed(
            spec, 1, epochs=3,
            callbacks=[backup, _CopyBackup(backup.directory, copy, 1), initial])
        same = _weights(_train_with_seed(spec, 1, epochs=0))
        resume = TrainingBackup(copy)
        # `other` runs first, so it keeps seed 7's weights before the restore.
        resumed = _train_with_seed(spec, 7, epochs=3, callbacks=[other, resume])
    other = other.weights
    assert len(initial.weights) == len(same) == len(other)
    for a, b in zip(initial.weights, same):
        np.testing.assert_array_equal(b, a, err_msg="same seed, different weights")
    assert any(not np.array_equal(a, c) for a, c in zip(initial.weights, other)), (
        "a different seed gave the same initial weights")
    assert resume.saved_epoch() is None and resume.restored_epoch == 2
    assert not (tmp_path / "backup").exists() and not copy.exists(), (
        "a backup outlived its finished fit")
    for name in spec.optimizers:
        assert _iterations(resumed, name) == _iterations(uninterrupted, name), name
    np.testing.assert_array_equal(resumed.seed_generator.state.numpy(),
                                  uninterrupted.seed_generator.state.numpy())
    for a, b in zip(uninterrupted.weights, resumed.weights):
        np.testing.assert_array_equal(b.numpy(), a.numpy(),
                                      err_msg=f"{a.path} differs after resuming")


def check_xla(spec, tmp_path, strategy):
    from keras_genai.utils import jit_blockers

    model = spec.make_model()
    spec.compile(model)
    blockers = jit_blockers(model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.jit_compile = True
    messages = [str(w.message) for w in caught]
    if blockers:  # refused with the reason (a string layer...), and still trains
        assert not model.jit_compile
        assert any(blockers[0] in m for m in messages), (blockers, messages)
        assert _fit_updates(model, spec), "no update after XLA was refused"
        return
    assert model.jit_compile, messages
    assert _fit_updates(model, spec), "no update under XLA"


CHECKS = [check_fit, check_mirrored, check_save_load_fresh_process, check_export,
          check_bad_arguments, check_nan_guard, check_mixed_precision,
          check_determinism_and_resume, check_xla]


def check_id(check):
    """pytest id of a check: its name without ``check_``."""
    return check.__name__.removeprefix("check_")
