"""keras_genai.callbacks: NaNGuard over every logged loss, SampleGrid files."""

import json
import os
import warnings

import keras
import numpy as np
import pytest

from keras_genai import builders
from keras_genai import callbacks
from keras_genai.models import GAN


class _LogsModel(keras.Model):
    """A model whose train_step logs scripted values: NaN at a chosen step."""

    def __init__(self, nan_key, nan_step):
        super().__init__()
        self.nan_key, self.nan_step = nan_key, nan_step
        self.dense = keras.layers.Dense(1)
        self.step_counter = keras.Variable(0.0, trainable=False)

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        self.step_counter.assign_add(1.0)
        bad = keras.ops.where(self.step_counter >= self.nan_step, np.nan, 1.0)
        logs = {"g_loss": keras.ops.convert_to_tensor(1.0), "d_loss":
                keras.ops.convert_to_tensor(1.0), "d_accuracy":
                keras.ops.convert_to_tensor(np.nan)}
        logs[self.nan_key] = bad
        return logs


@pytest.mark.parametrize("key", ["g_loss", "d_loss"])
def test_nan_guard_stops_on_any_loss_key(key):
    model = _LogsModel(key, nan_step=3)
    model.compile(optimizer="sgd")
    guard = callbacks.NaNGuard()
    with pytest.warns(RuntimeWarning, match=f"`{key}` became nan at epoch 1, batch 3"):
        history = model.fit(np.zeros((10, 2)), np.zeros(10), batch_size=1, epochs=2,
                            verbose=0, callbacks=[guard])
    assert int(model.step_counter.numpy()) == 3  # stopped right after the NaN
    assert key in guard.message
    assert len(history.history[key]) == 1


def test_nan_guard_ignores_non_loss_keys_and_keras_terminate_on_nan_misses_it():
    model = _LogsModel("g_loss", nan_step=1000)  # only d_accuracy is NaN
    model.compile(optimizer="sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(np.zeros((4, 2)), np.zeros(4), batch_size=1, epochs=1, verbose=0,
                  callbacks=[callbacks.NaNGuard()])
    # Keras' own callback looks only at "loss" and lets a NaN g_loss through.
    model = _LogsModel("g_loss", nan_step=1)
    model.compile(optimizer="sgd")
    model.fit(np.zeros((4, 2)), np.zeros(4), batch_size=1, epochs=1, verbose=0,
              callbacks=[keras.callbacks.TerminateOnNaN()])
    assert int(model.step_counter.numpy()) == 4


def test_nan_guard_explicit_keys():
    model = _LogsModel("d_loss", nan_step=1)
    model.compile(optimizer="sgd")
    model.fit(np.zeros((4, 2)), np.zeros(4), batch_size=1, epochs=1, verbose=0,
              callbacks=[callbacks.NaNGuard(keys=["g_loss"])])
    assert int(model.step_counter.numpy()) == 4


def test_sample_grid_writes_pngs_from_fixed_latents(tmp_path):
    shape = (8, 8, 1)
    gan = GAN(builders.dcgan_generator(4, shape, filters=(8, 4)),
              builders.dcgan_discriminator(shape, filters=(4,)), latent_dim=4, seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    grid = callbacks.SampleGrid(tmp_path, num_samples=9, every=2, seed=5)
    x = np.random.default_rng(0).uniform(-1, 1, (8,) + shape).astype("float32")
    gan.fit(x, batch_size=4, epochs=3, verbose=0, callbacks=[grid])
    names = sorted(p.name for p in tmp_path.iterdir())
    # Every 2nd epoch, and the last epoch.
    assert names == ["samples_epoch_002.png", "samples_epoch_003.png"]
    assert grid.latents.shape == (9, 4)
    assert (tmp_path / "samples_epoch_002.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sample_grid_of_a_conditional_gan_has_one_class_per_column(
        tmp_path, monkeypatch):
    from keras_genai import viz
    from keras_genai.models import ConditionalGAN

    shape = (8, 8, 1)
    cgan = ConditionalGAN(
        builders.conditional_dcgan_generator(4, 3, shape, filters=(8, 4)),
        builders.conditional_dcgan_discriminator(shape, 3, filters=(4,)),
        latent_dim=4, num_classes=3, seed=0)
    cgan.compile(d_optimizer="adam", g_optimizer="adam")
    drawn = []
    monkeypatch.setattr(viz, "save_image_grid",
                        lambda images, path, **kw: drawn.append((images, kw)))
    grid = callbacks.SampleGrid(tmp_path, num_samples=6, seed=5)
    x = np.random.default_rng(0).uniform(-1, 1, (4,) + shape).astype("float32")
    cgan.fit(x, np.array([0, 1, 2, 0]), batch_size=4, epochs=1, verbose=0,
             callbacks=[grid])
    images, kw = drawn[0]
    assert kw["cols"] == 3
    labels = np.arange(6) % 3
    np.testing.assert_allclose(
        images, np.asarray(cgan.generator([grid.latents, labels])), atol=1e-6)


def test_sample_grid_refuses_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="every"):
        callbacks.SampleGrid(tmp_path, every=0)
    with pytest.raises(ValueError, match="num_samples"):
        callbacks.SampleGrid(tmp_path, num_samples=0)


def test_epoch_timer_records_every_epoch():
    import keras

    from keras_genai.callbacks import EpochTimer

    timer = EpochTimer()
    with pytest.raises(ValueError, match="times"):
        timer.typical_epoch_seconds()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="out")])
    model.compile("sgd", "mse")
    model.fit(np.zeros((8, 2)), np.zeros((8, 1)), epochs=3, verbose=0,
              callbacks=[timer])
    assert len(timer.times) == 3 and all(t > 0 for t in timer.times)
    assert timer.typical_epoch_seconds() == pytest.approx(np.median(timer.times[1:]))
    # Updates alone: a part of each epoch, which also validates.
    timer = EpochTimer()
    model.fit(np.zeros((8, 2)), np.zeros((8, 1)), epochs=2, batch_size=4,
              validation_data=(np.zeros((8, 2)), np.zeros((8, 1))), verbose=0,
              callbacks=[timer])
    assert len(timer.update_times) == 2
    for epoch, per_update in zip(timer.times, timer.update_times):
        assert 0 < 2 * per_update < epoch
    assert timer.typical_update_seconds() == timer.update_times[1]


def test_time_limit_stops_after_the_epoch_that_runs_out_of_time(monkeypatch):
    import time as time_module

    import keras

    from keras_genai.callbacks import TimeLimit

    clock = iter([0.0, 4.0, 8.0, 12.0, 16.0, 20.0])  # one tick per reading
    monkeypatch.setattr(time_module, "perf_counter", lambda: next(clock))
    limit = TimeLimit(seconds=10)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="out")])
    model.compile("sgd", "mse")
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=10, verbose=0,
                        callbacks=[limit])
    # Epoch ends read 4, 8, 12: the third epoch is the first past 10 s.
    assert len(history.history["loss"]) == 3 and limit.stopped_epoch == 3
    assert limit.elapsed == 16.0
    with pytest.raises(ValueError, match="seconds"):
        TimeLimit(0)


def _tiny_gan():
    return GAN(builders.dcgan_generator(4, (8, 8, 1), filters=(4,)),
               builders.dcgan_discriminator((8, 8, 1), filters=(4,)),
               latent_dim=4, seed=0)


def _compiled_tiny_gan():
    gan = _tiny_gan()
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def _images():
    import tensorflow as tf

    x = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(x).shuffle(16, seed=0).batch(8)


class _Crash(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_training_backup_history_holds_every_epoch_after_a_resume(tmp_path):
    backup = callbacks.TrainingBackup(tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        _compiled_tiny_gan().fit(_images(), epochs=3, verbose=0,
                                 callbacks=[backup, _Crash(2)])
    first = json.load(open(tmp_path / "b" / "metadata.json"))
    assert first["epoch"] == 2 and len(first["history"]["d_loss"]) == 2
    gan = _compiled_tiny_gan()
    history = gan.fit(_images(), epochs=3, verbose=0, callbacks=[backup])
    assert backup.restored_epoch == 2
    assert history.epoch == [0, 1, 2]
    assert history.history["d_loss"][:2] == first["history"]["d_loss"]
    assert len(history.history["d_loss"]) == 3
    assert int(gan.d_optimizer.iterations) == 6  # 2 restored + 1 more epoch
    # Keras keeps the initial epoch after fit; the backup resets it.
    assert gan.fit(_images(), epochs=1, verbose=0).epoch == [0]


def test_a_kept_backup_makes_a_finished_fit_return_at_once(tmp_path):
    backup = callbacks.TrainingBackup(tmp_path / "b", delete_on_finish=False)
    done = _compiled_tiny_gan()
    done.fit(_images(), epochs=2, verbose=0, callbacks=[backup])
    assert (tmp_path / "b" / "metadata.json").exists()
    again = _compiled_tiny_gan()
    history = again.fit(_images(), epochs=2, verbose=0, callbacks=[backup])
    assert backup.restored_epoch == 2 and len(history.history["d_loss"]) == 2
    assert int(again.d_optimizer.iterations) == 4
    for a, b in zip(done.weights, again.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_crash_while_backing_up_leaves_the_previous_backup(tmp_path,
                                                             monkeypatch):
    backup = callbacks.TrainingBackup(tmp_path / "b", delete_on_finish=False)
    gan = _compiled_tiny_gan()
    gan.fit(_images(), epochs=1, verbose=0, callbacks=[backup])
    saved = open(tmp_path / "b" / "state.weights.h5", "rb").read()

    def half_written(path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(gan, "save_weights", half_written)
    with pytest.raises(OSError, match="disk full"):
        gan.fit(_images(), epochs=3, verbose=0, callbacks=[backup])
    assert backup.saved_epoch() == 1
    assert open(tmp_path / "b" / "state.weights.h5", "rb").read() == saved
    assert sorted(os.listdir(tmp_path)) == ["b"]  # no temporary folder left


def test_training_backup_refuses_another_models_backup_and_bad_arguments(tmp_path):
    backup = callbacks.TrainingBackup(tmp_path / "b", delete_on_finish=False)
    _compiled_tiny_gan().fit(_images(), epochs=1, verbose=0, callbacks=[backup])
    plain = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dropout(0.1), keras.layers.Dense(1)])
    plain.compile(optimizer="adam", loss="mse")
    x = np.zeros((8, 8, 8, 1), np.float32)
    with pytest.raises(ValueError, match="seed generators"):
        plain.fit(x, np.zeros((8, 1)), epochs=2, verbose=0, callbacks=[backup])
    with pytest.raises(ValueError, match="directory"):
        callbacks.TrainingBackup("")
    with pytest.raises(ValueError, match="at most one TrainingBackup"):
        _compiled_tiny_gan().fit(_images(), epochs=1, verbose=0, callbacks=[
            callbacks.TrainingBackup(tmp_path / "x"),
            callbacks.TrainingBackup(tmp_path / "y")])


def test_sample_grid_decodes_a_vae_from_its_latents(tmp_path, monkeypatch):
    from keras_genai import viz
    from keras_genai.models import VAE

    shape = (8, 8, 1)
    vae = VAE(builders.dense_encoder(shape, 2, (8,), variational=True),
              builders.dense_decoder(shape, 2, (8,)))
    vae.compile(optimizer="adam")
    drawn = []
    monkeypatch.setattr(viz, "save_image_grid",
                        lambda images, path, **kw: drawn.append(images))
    grid = callbacks.SampleGrid(tmp_path, num_samples=4, seed=5)
    x = np.random.default_rng(0).uniform(0, 1, (4,) + shape).astype("float32")
    vae.fit(x, batch_size=4, epochs=1, verbose=0, callbacks=[grid])
    # The decoder's images of the fixed latents (a VAE's call reconstructs
    # images instead, so it is not what the grid shows).
    np.testing.assert_allclose(drawn[0], vae.decoder(grid.latents), atol=1e-6)


def test_sample_grid_without_a_seed_leaves_the_model_noise_alone(tmp_path):
    shape = (8, 8, 1)
    gan = GAN(builders.dcgan_generator(4, shape, filters=(8, 4)),
              builders.dcgan_discriminator(shape, filters=(4,)), latent_dim=4, seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    state = gan.seed_generator.state.numpy()
    grid = callbacks.SampleGrid(tmp_path, num_samples=4, seed=None)
    grid.set_model(gan)
    grid.on_train_begin()
    assert grid.latents.shape == (4, 4) and isinstance(grid.seed, int)
    np.testing.assert_array_equal(gan.seed_generator.state.numpy(), state)
