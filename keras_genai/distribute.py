"""Distribution strategies, and the data helpers that keep the global batch.

The same student code runs on a laptop CPU, on several GPUs and on several
machines: build the models and optimizers inside ``strategy(kind).scope()`` and
call ``fit`` as usual. The batch size of a dataset is the **global** batch; Keras
splits it between the replicas, and the models of `keras_genai.models` scale
their losses so that a step on N replicas is the step of one device on the same
global batch (tested in ``tests/conformance.py``).

    strat = keras_genai.distribute.strategy("auto")
    with strat.scope():
        gan = keras_genai.models.GAN(...)
        gan.compile(d_optimizer=..., g_optimizer=...)
    ds = keras_genai.distribute.distribute_dataset(image_dataset(x, 64), strat)
    gan.fit(ds, epochs=5)

Multi-worker training reads the cluster from the ``TF_CONFIG`` environment
variable (https://www.tensorflow.org/guide/distributed_training#TF_CONFIG); every
worker runs the same program, and only the chief (`is_chief`) should write files.
"""

import json
import os

import tensorflow as tf

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int

KINDS = ("auto", "default", "mirrored", "multiworker")


def strategy(kind="auto", devices=None):
    """Returns a `tf.distribute.Strategy` of the given kind.

    Args:
        kind: ``"auto"``: `tf.distribute.MirroredStrategy` over all GPUs when
            there is more than one, else the default strategy; ``"default"``: the
            default (no-op) strategy, or `tf.distribute.OneDeviceStrategy` when
            one device is named; ``"mirrored"``: `MirroredStrategy` over
            ``devices`` (default: every GPU, or the logical CPU devices when
            there is none);
            ``"multiworker"``: `tf.distribute.MultiWorkerMirroredStrategy`, with
            the cluster described by ``TF_CONFIG`` (one worker without it).
        devices: device names (``["/gpu:0", "/gpu:1"]``) for ``"auto"``,
            ``"default"`` (exactly one) and ``"mirrored"``; ``None`` for the
            defaults. Not accepted for ``"multiworker"``, which uses every local
            GPU (or the CPU) of each worker.

    Returns:
        The strategy; ``with strategy.scope():`` build models and optimizers.

    Raises:
        ValueError: for an unknown ``kind``, a malformed ``devices`` list, or a
            ``TF_CONFIG`` that is not valid JSON.

    Example:

    >>> strat = strategy("auto")
    >>> strat.num_replicas_in_sync  # on a machine without GPUs
    1
    """
    check_choice("kind", kind, KINDS)
    if devices is not None:
        if isinstance(devices, str) or not all(isinstance(d, str) for d in devices) \
                or not len(devices):
            raise ValueError("`devices` must be a non-empty list of device names, "
                             f"e.g. ['/gpu:0', '/gpu:1']. Received: devices={devices!r}")
        devices = list(devices)
        if kind == "multiworker":
            raise ValueError(
                "`devices` does not apply to kind='multiworker' (each worker "
                "uses all its local GPUs, or its CPU). Received: "
                f"devices={devices!r}")
        if kind == "default" and len(devices) != 1:
            raise ValueError("kind='default' runs on one device; name one or use "
                             f"kind='mirrored'. Received: devices={devices!r}")
    if kind == "auto":
        if devices is None:
            gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
            devices = gpus if len(gpus) > 1 else None
        if devices is not None and len(devices) > 1:
            return tf.distribute.MirroredStrategy(devices)
        kind = "default"
    if kind == "default":
        if devices:
            return tf.distribute.OneDeviceStrategy(devices[0])
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy(devices)
    _check_tf_config()
    return tf.distribute.MultiWorkerMirroredStrategy()


NVIDIA_DRIVER_FILE = "/proc/driver/nvidia/version"


def unused_gpu_warning(driver_file=NVIDIA_DRIVER_FILE):
    """A warning when this machine has an NVIDIA driver but TensorFlow sees
    no GPU, so that training would run on the CPU in silence (a TensorFlow
    built for other CUDA libraries than the machine's, or a CPU-only
    TensorFlow, loads and falls back without an error); ``None`` otherwise.

    Args:
        driver_file: the file whose presence means an NVIDIA driver is
            loaded (Linux's ``/proc/driver/nvidia/version``).

    Returns:
        The warning's text, or ``None``.

    Example:

    >>> message = unused_gpu_warning()
    >>> message is None or "GPU" in message
    True
    """
    if not os.path.exists(driver_file) or tf.config.list_physical_devices("GPU"):
        return None
    build = tf.sysconfig.get_build_info()
    cuda = build.get("cuda_version")
    built_for = (f"this TensorFlow {tf.__version__} was built for CUDA {cuda} and "
                 f"cuDNN {build.get('cudnn_version')}" if cuda else
                 f"this TensorFlow {tf.__version__} was built without CUDA")
    return ("WARNING: this machine has an NVIDIA driver, but TensorFlow sees no "
            f"GPU, so everything runs on the CPU ({built_for}). Install a "
            "TensorFlow that matches the machine's CUDA (on Colab, keep the "
            "runtime's own TensorFlow), or check `nvidia-smi`.")


def _check_tf_config():
    """Raises a clear error for a ``TF_CONFIG`` that is not valid JSON."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"The TF_CONFIG environment variable is not valid JSON "
                         f"({e}). Received: TF_CONFIG={text!r}") from None
    if not isinstance(config, dict) or "cluster" not in config:
        raise ValueError("TF_CONFIG must be a JSON object with a 'cluster' key. "
                         f"Received: TF_CONFIG={text!r}")
    return config


def is_chief(strat=None):
    """Whether this process should write files (figures, checkpoints, exports).

    In single-process training it always should. In multi-worker training the
    chief is worker 0 (or the task of type ``"chief"``); the others should write
    to a temporary folder they delete.

    Args:
        strat: the strategy in use (default: the current one).

    Returns:
        ``True`` for the chief or a single process.

    Example:

    >>> is_chief(strategy("default"))
    True
    """
    strat = strat or tf.distribute.get_strategy()
    resolver = getattr(strat, "cluster_resolver", None)
    cluster = resolver.cluster_spec().as_dict() if resolver is not None else {}
    if not cluster or resolver.task_type == "chief":
        return True
    return (resolver.task_type == "worker" and resolver.task_id == 0
            and "chief" not in cluster)


def per_replica_batch_size(global_batch_size, strat=None):
    """The batch each replica gets when ``global_batch_size`` is split evenly.

    Args:
        global_batch_size: the batch size of the dataset (an int >= 1).
        strat: the strategy (default: the current one).

    Returns:
        ``global_batch_size // num_replicas_in_sync``.

    Raises:
        ValueError: when the global batch does not split evenly (an uneven split
            fails or hangs under a strategy: a replica with no examples left
            has nothing to reduce).

    Example:

    >>> per_replica_batch_size(64, strategy("default"))
    64
    """
    global_batch_size = check_positive_int("global_batch_size", global_batch_size)
    strat = strat or tf.distribute.get_strategy()
    replicas = strat.num_replicas_in_sync
    if global_batch_size % replicas:
        raise ValueError(
            f"`global_batch_size` must be a multiple of the {replicas} replicas in "
            f"sync, so every replica gets the same batch. Received: "
            f"global_batch_size={global_batch_size}")
    return global_batch_size // replicas


def distribute_dataset(dataset, strat=None):
    """Prepares a batched `tf.data.Dataset` of global batches for a strategy.

    Sets the auto-shard policy to ``DATA`` (every worker reads the same pipeline
    and keeps its share of each global batch; the default ``FILE`` policy fails
    on in-memory datasets) and checks that the batch size is static, that the
    last batch is dropped and that it splits evenly between the replicas. Keras'
    ``fit`` then splits each global batch between the replicas, so the global
    batch stays the one the dataset was built with.

    In multi-worker training, every worker must shuffle in the same order: give
    the pipeline a fixed seed (`keras_genai.data.image_dataset(seed=...)`).

    Args:
        dataset: a batched dataset (``drop_remainder=True``).
        strat: the strategy (default: the current one).

    Returns:
        The dataset with the sharding options set.

    Raises:
        TypeError: if ``dataset`` is not a ``tf.data.Dataset``.
        ValueError: if its batch dimension is unknown (an unbatched dataset or
            ``drop_remainder=False``) or not a multiple of the replicas.

    Example:

    >>> ds = distribute_dataset(image_dataset(x, batch_size=64), strat)
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError("`dataset` must be a tf.data.Dataset. Received: "
                        f"dataset of type {type(dataset).__name__}")
    specs = tf.nest.flatten(dataset.element_spec)
    batch = specs[0].shape[0] if specs and specs[0].shape.rank else None
    if batch is None:
        raise ValueError(
            "`dataset` must be batched with a static batch size "
            "(`.batch(global_batch_size, drop_remainder=True)`), so every step "
            "splits evenly between the replicas. Received: a dataset with "
            f"element_spec={dataset.element_spec}")
    per_replica_batch_size(int(batch), strat)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA)
    return dataset.with_options(options)


# -- inside a replica: what the models' training steps use -------------------


def replica_context():
    """Returns ``(num_replicas_in_sync, replica_id)`` of the current replica.

    In a cross-replica context, or with no strategy, this is ``(1, 0)``.

    Returns:
        A pair ``(num_replicas, replica_id)``; ``replica_id`` may be a tensor.

    Example:

    >>> replica_context()
    (1, 0)
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None:
        return 1, 0
    return ctx.num_replicas_in_sync, ctx.replica_id_in_sync_group


def scale_to_replicas(loss):
    """Divides a per-replica mean loss by the number of replicas, so the
    gradients summed across replicas are those of the global-batch mean
    (identity on one device). Keras scales the losses of ``compile`` this way
    but not a model's hand-written ones (keras PR #20609).

    Example:

    >>> float(scale_to_replicas(tf.constant(2.0)))  # one device
    2.0
    """
    num_replicas, _ = replica_context()
    return loss if num_replicas == 1 else loss / num_replicas


def replica_mean(x):
    """The mean over the replicas of ``x``, a per-replica statistic of equal
    batches (a batch mean): the global batch's statistic, the same on every
    replica, for a loss that is non-linear in it. The identity on one device.

    Computed with ``all_gather``, whose gradient sums, over the replicas, the
    gradients with respect to each replica's own ``x``; with every replica's
    loss divided by the number of replicas (`scale_to_replicas`), the summed
    gradients are those of the global loss.

    Example:

    >>> replica_mean(tf.ones((3,)))  # one device
    <tf.Tensor: shape=(3,), dtype=float32, numpy=array([1., 1., 1.], ...)>
    """
    num_replicas, _ = replica_context()
    if num_replicas == 1:
        return x
    gathered = tf.distribute.get_replica_context().all_gather(x[None], axis=0)
    return tf.reduce_mean(gathered, axis=0)


def replica_slice(stateless_fn, batch_size, shape, seed):
    """This replica's rows of one draw for the global batch.

    Every replica draws the noise of the *global* batch
    (``batch_size * num_replicas`` rows) from the same stateless ``seed`` and
    keeps its own slice, so replicas get different noise (Keras' seeded ops
    give every replica the same numbers, keras#20611) and a step on N devices
    uses exactly the noise of a one-device step on the same global batch.

    Args:
        stateless_fn: ``tf.random.stateless_normal`` or another stateless op
            taking ``(shape, seed=...)``.
        batch_size: this replica's batch size (an int or a scalar tensor).
        shape: the shape of one sample.
        seed: the stateless seed, a shape ``(2,)`` tensor.

    Returns:
        A tensor ``(batch_size, *shape)``.

    Example:

    >>> replica_slice(tf.random.stateless_normal, 4, (2,), [1, 2]).shape
    TensorShape([4, 2])
    """
    num_replicas, replica_id = replica_context()
    full = stateless_fn(
        tf.concat([[batch_size * num_replicas],
                   tf.constant(shape, tf.int32, shape=[len(shape)])], 0),
        seed=seed)
    if num_replicas == 1:
        return full
    start = replica_id * batch_size
    return full[start:start + batch_size]
