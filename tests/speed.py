"""The test run's speed settings, all in one place.

They change how fast the checks run, never what they check: the same models,
optimizers (`keras.optimizers.Adam`), dtypes and code paths as the labs and
student code. ``tests/conftest.py`` applies them; the processes that tests
start (`conformance.python_env`) apply the same ones through
``tests/child_site/sitecustomize.py``, which reads them from the environment
variables set here.

1. **Thread pools** (`configure_process`): each pytest-xdist worker gives
   TensorFlow's intra-op and inter-op pools its share of the cores.
   TensorFlow's pools spin while they wait, so two workers with pools as large
   as the machine slowed each other down up to 4x (2 cores, intra-op pool);
   sizing the inter-op pool too took another 9-15% off the conformance checks
   (2 AMD EPYC cores, 2 workers). Child processes inherit the setting.
2. **Garbage collector** (`configure_process`, `collect_after`): the youngest
   generation is collected after 100,000 net allocations instead of 700, and
   the next after 50 of those: tracing a training step allocates millions of
   short-lived objects (the CycleGAN's checks: 63-64 s -> 57-60 s, 2,092 young
   collections -> 11). After each test that took over a second, its garbage
   is collected while young and the survivors frozen (`gc.freeze`), so later
   collections only traverse what later tests allocate: without it a worker
   spent ~20% of its time in full collections, single ones taking 60-80 s
   while a dead ``tf.data`` iterator's destructor waited for its threads. A
   frozen object that later becomes cyclic garbage is never freed; the
   workers' peak memory stayed as it was (5.4 GB, 5.7 GB before).
3. **Graph rewrites** (`configure_tensorflow`), in the default tier only
   (``-m "not slow"``): most of Grappler's rewrites off (function
   optimization stays on: with Grappler off altogether a worker grew to
   12 GB), and XLA asked for unoptimized machine code. The default tier's
   models are tiny and each is traced a few times, so rewriting graphs was the
   largest cost left: the diffusion model's conformance checks took 91-111 s
   with the rewrites and 77 s without (one process), the XLA checks 78 s and
   60 s (2 workers), and the resume test 41 s and 20 s once the child
   processes switched them off too. ``KERAS_GENAI_TEST_GRAPPLER=1`` keeps both
   as TensorFlow sets them; ``.ci/run`` runs the conformance checks once that
   way, so a defect that only the rewrites or XLA's optimizer expose cannot
   hide. The slow tier, a lab run from the command line and a notebook run by
   hand keep TensorFlow's defaults.

All figures: 2-core AMD EPYC, 2026-12-02 to 12-04.
"""

import gc
import os

# Names of the environment variables the child processes read.
GRAPPLER_OFF_VAR = "KERAS_GENAI_TEST_GRAPPLER_OFF"
GC_THRESHOLD_VAR = "KERAS_GENAI_TEST_GC_THRESHOLD"
# Set to "1" to keep Grappler and XLA's optimizer as TensorFlow sets them.
KEEP_DEFAULTS_VAR = "KERAS_GENAI_TEST_GRAPPLER"

GC_THRESHOLD = (100_000, 50, 100)
# The Grappler rewrites switched off in the default tier.
GRAPPLER_OFF = ("layout_optimizer", "constant_folding", "shape_optimization",
                "remapping", "arithmetic_optimization", "dependency_optimization",
                "loop_optimization", "implementation_selector")
# A test longer than this (seconds) has its garbage collected and frozen.
COLLECT_AFTER_S = 1.0


def configure_process(environ=os.environ):
    """Sizes TensorFlow's thread pools for this pytest-xdist worker and sets
    the garbage collector's thresholds (settings 1 and 2). Call it before
    TensorFlow is imported."""
    workers = int(environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    for pool in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        if workers > 1 and pool not in environ:
            environ[pool] = str(max(1, (os.cpu_count() or 1) // workers))
    gc.set_threshold(*GC_THRESHOLD)
    environ[GC_THRESHOLD_VAR] = ",".join(map(str, GC_THRESHOLD))


def configure_tensorflow(markexpr, environ=os.environ):
    """In the default tier, switches off `GRAPPLER_OFF` and XLA's back-end
    optimization (setting 3), unless ``KERAS_GENAI_TEST_GRAPPLER=1``.

    Args:
        markexpr: pytest's ``-m`` expression (``"not slow"`` in the default
            tier).
        environ: the environment the child processes inherit.

    Returns:
        Whether the rewrites were switched off.
    """
    if "not slow" not in (markexpr or "") or environ.get(KEEP_DEFAULTS_VAR) == "1":
        return False
    import tensorflow as tf

    tf.config.optimizer.set_experimental_options(
        {name: False for name in GRAPPLER_OFF})
    environ[GRAPPLER_OFF_VAR] = ",".join(GRAPPLER_OFF)
    # XLA reads its flags at its first compilation.
    flags = environ.get("XLA_FLAGS", "")
    if "--xla_backend_optimization_level" not in flags:
        environ["XLA_FLAGS"] = f"{flags} --xla_backend_optimization_level=0"
    return True


def collect_after(seconds):
    """After a test that took ``seconds``: collects its garbage and freezes
    the survivors if it took over `COLLECT_AFTER_S` (setting 2)."""
    if seconds > COLLECT_AFTER_S:
        gc.collect()
        gc.freeze()
