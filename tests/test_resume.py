"""Kill a training process mid-epoch with SIGKILL, run the same command again,
and end with the weights of a run that was never interrupted."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from conformance import REPO_ROOT
from conformance import python_env

# One command: train a small DCGAN (two optimizers, a seed generator, dropout
# in D, a dataset reshuffled every epoch) for 4 epochs with a TrainingBackup.
# With PAUSE_FILE set, it writes that file in the middle of epoch 3 (unless it
# exists already) and waits there to be killed.
_TRAIN = textwrap.dedent("""
    import os, sys, time
    import keras, numpy as np
    from keras_genai import builders, callbacks, data, models
    from keras_genai.utils import set_seed

    backup_dir, weights_path = sys.argv[1], sys.argv[2]
    pause = os.environ.get("PAUSE_FILE")
    set_seed(0, deterministic=True)
    (x, _), _ = data.load_digits()
    ds = data.image_dataset(x[:192], batch_size=32, seed=0)
    gan = models.GAN(builders.dcgan_generator(16, (28, 28, 1), filters=(16, 8)),
                     builders.dcgan_discriminator((28, 28, 1), filters=(8, 16),
                                                  dropout=0.3),
                     latent_dim=16, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))

    class PauseMidEpoch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if pause and self.epoch == 2 and batch == 2 and not os.path.exists(pause):
                open(pause, "w").close()
                time.sleep(600)  # the test kills us here

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    backup = callbacks.TrainingBackup(backup_dir)
    history = gan.fit(ds, epochs=4, verbose=0, callbacks=[backup, PauseMidEpoch()])
    np.savez(weights_path, *[v.numpy() for v in gan.weights],
             d_loss=np.array(history.history["d_loss"]))
    print("restored_epoch", backup.restored_epoch)
""")


def _command(tmp_path, name):
    return [sys.executable, "-c", _TRAIN, str(tmp_path / f"backup_{name}"),
            str(tmp_path / f"{name}.npz")]


def test_sigkill_mid_epoch_then_the_same_command_ends_as_if_uninterrupted(tmp_path):
    pause = tmp_path / "paused"
    command = _command(tmp_path, "resumed")
    env = python_env(PAUSE_FILE=str(pause))
    proc = subprocess.Popen(command, env=env, cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 300
        while not pause.exists():
            assert proc.poll() is None, proc.communicate()[1].decode()[-3000:]
            assert time.time() < deadline, "training never reached epoch 3"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not (tmp_path / "resumed.npz").exists()
    with open(tmp_path / "backup_resumed" / "metadata.json") as f:
        assert json.load(f)["epoch"] == 2  # epochs 1 and 2 were backed up

    again = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "restored_epoch 2" in again.stdout
    assert not (tmp_path / "backup_resumed").exists()

    straight = subprocess.run(_command(tmp_path, "straight"), env=python_env(),
                              cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=600)
    assert straight.returncode == 0, straight.stderr[-3000:]
    assert "restored_epoch None" in straight.stdout

    resumed, uninterrupted = (np.load(tmp_path / f"{n}.npz")
                              for n in ("resumed", "straight"))
    assert resumed.files == uninterrupted.files
    for key in resumed.files:  # every weight, and all 4 epochs' d_loss
        np.testing.assert_array_equal(resumed[key], uninterrupted[key],
                                      err_msg=key)


@pytest.mark.slow
def test_a_lab_killed_mid_training_resumes_with_the_same_command(tmp_path):
    """``python -m units.unit4_gan --resume --deterministic``, killed once its
    first epoch is backed up, run again: the exported generator is the one of
    an uninterrupted run."""
    import tensorflow as tf

    def command(export):
        return [sys.executable, "-m", "units.unit4_gan", "--exercise", "dcgan",
                "--epochs", "4", "--train-size", "640", "--batch-size", "64",
                "--resume", "--deterministic", "--verbose", "0",
                "--out", str(tmp_path / "out"), "--export", str(export)]

    env = python_env(KERAS_HOME=str(tmp_path / "keras_home"))
    backup = tmp_path / "checkpoints" / "unit4_gan" / "dcgan" / "fit_1"
    proc = subprocess.Popen(command(tmp_path / "resumed"), env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 600
        while not (backup / "metadata.json").exists():
            assert proc.poll() is None, proc.communicate()[1].decode()[-3000:]
            assert time.time() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(backup / "metadata.json") as f:
        assert 1 <= json.load(f)["epoch"] < 4

    for export in ("resumed", "straight"):
        if export == "straight":  # an uninterrupted run of the same command
            assert not (tmp_path / "checkpoints" / "unit4_gan" / "dcgan").exists()
        run = subprocess.run(command(tmp_path / export), env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stderr[-3000:]
        with open(tmp_path / "out" / "summary.json") as f:
            assert json.load(f)["epochs_trained"] == 4  # the full history
    z = tf.constant(np.random.default_rng(0).normal(size=(8, 64)).astype("float32"))
    loaded = [tf.saved_model.load(str(tmp_path / n)) for n in ("resumed", "straight")]
    np.testing.assert_array_equal(loaded[0].serve(z).numpy(),
                                  loaded[1].serve(z).numpy())
