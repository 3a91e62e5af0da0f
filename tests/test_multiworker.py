"""Two worker processes on 127.0.0.1 train with MultiWorkerMirroredStrategy
(TF_CONFIG) and end with identical weights, equal to one process on the same
global batch: the DCGAN and the VAE."""

import json
import socket
import subprocess
import sys
import textwrap

import numpy as np

from conformance import REPO_ROOT
from conformance import python_env

LEARNING_RATE = 1e-3

# argv: kind ("multiworker" or "default"), output .npz. The strategy is created
# first, before TensorFlow runs anything (MultiWorkerMirroredStrategy's rule).
_WORKER = textwrap.dedent("""
    import sys
    kind, out = sys.argv[1], sys.argv[2]
    from keras_genai import distribute
    strat = distribute.strategy(kind)
    import keras, numpy as np, tensorflow as tf
    from keras_genai import builders, models
    from keras_genai.utils import set_seed

    set_seed(0)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (24, 8, 8, 1)).astype("float32")
    def dataset(x):
        ds = tf.data.Dataset.from_tensor_slices(x).batch(8, drop_remainder=True)
        return distribute.distribute_dataset(ds, strat)

    lr = float(sys.argv[3])
    with strat.scope():
        gan = models.GAN(builders.dcgan_generator(8, (8, 8, 1), filters=(8,)),
                         builders.dcgan_discriminator((8, 8, 1), filters=(8,)),
                         latent_dim=8, seed=1)
        gan.compile(d_optimizer=keras.optimizers.Adam(lr),
                    g_optimizer=keras.optimizers.Adam(lr))
        vae = models.VAE(builders.dense_encoder((8, 8, 1), 4, (16,), variational=True),
                         builders.dense_decoder((8, 8, 1), 4, (16,)), seed=2)
        vae.compile(optimizer=keras.optimizers.Adam(lr))
    gan.fit(dataset(images), epochs=1, verbose=0)
    vae.fit(dataset((images + 1) / 2), epochs=1, verbose=0)
    arrays = {f"gan_{i}": v.numpy() for i, v in enumerate(gan.weights)}
    arrays.update({f"vae_{i}": v.numpy() for i, v in enumerate(vae.weights)})
    arrays["replicas"] = np.array(strat.num_replicas_in_sync)
    arrays["chief"] = np.array(distribute.is_chief(strat))
    arrays["iterations"] = np.array([int(gan.d_optimizer.iterations.numpy()),
                                     int(gan.g_optimizer.iterations.numpy()),
                                     int(vae.optimizer.iterations.numpy())])
    np.savez(out, **arrays)
""")


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _env(tf_config=None):
    return python_env(
        CUDA_VISIBLE_DEVICES="",  # one CPU device per worker
        TF_CONFIG=None if tf_config is None else json.dumps(tf_config))


def _command(kind, out):
    return [sys.executable, "-c", _WORKER, kind, str(out), str(LEARNING_RATE)]


def test_two_workers_match_one_process(tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    workers = []
    try:
        for index in range(2):
            config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            workers.append(subprocess.Popen(
                _command("multiworker", tmp_path / f"worker{index}.npz"),
                env=_env(config), cwd=REPO_ROOT, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True))
        single = subprocess.run(_command("default", tmp_path / "single.npz"),
                                env=_env(), cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=300)
        assert single.returncode == 0, single.stderr[-3000:]
        for worker in workers:
            _, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err[-3000:]
    finally:  # never leave a worker behind, whatever failed
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    w0, w1, one = (np.load(tmp_path / f"{n}.npz")
                   for n in ("worker0", "worker1", "single"))
    assert (int(w0["replicas"]), int(w1["replicas"]), int(one["replicas"])) == (2, 2, 1)
    assert bool(w0["chief"]) and not bool(w1["chief"]) and bool(one["chief"])
    # 3 global batches of 8: every optimizer made 3 steps, not 3 per worker.
    for arrays in (w0, w1, one):
        np.testing.assert_array_equal(arrays["iterations"], [3, 3, 3])
    weights = sorted(k for k in one.files if k.startswith(("gan_", "vae_")))
    assert weights and set(weights) <= set(w0.files)
    for key in weights:
        np.testing.assert_array_equal(w0[key], w1[key],
                                      err_msg=f"{key} differs between the workers")
        # Summation order differs; Adam turns float residue of near-zero
        # gradients into lr-sized steps (see conformance.check_mirrored).
        np.testing.assert_allclose(w0[key], one[key], rtol=1e-4,
                                   atol=0.01 * LEARNING_RATE,
                                   err_msg=f"{key}: 2 workers != 1 process")
