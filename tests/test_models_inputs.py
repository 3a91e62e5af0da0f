"""keras_genai.models.inputs: the data check every model's fit runs before
training starts, and the shared batch unpacking."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai import builders
from keras_genai.models import GAN
from keras_genai.models import VAE
from keras_genai.models import ConditionalGAN
from keras_genai.models import Pix2Pix
from keras_genai.models import inputs

SHAPE = (8, 8, 1)


def make_gan():
    gan = GAN(builders.dcgan_generator(4, SHAPE, filters=(8, 4)),
              builders.dcgan_discriminator(SHAPE, filters=(4,)), latent_dim=4, seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    return gan


def make_cgan():
    cgan = ConditionalGAN(
        builders.conditional_dcgan_generator(4, 3, SHAPE, filters=(8, 4)),
        builders.conditional_dcgan_discriminator(SHAPE, 3, filters=(4,)),
        latent_dim=4, num_classes=3, seed=0)
    cgan.compile(d_optimizer="adam", g_optimizer="adam")
    return cgan


def images(n=8, shape=SHAPE):
    return np.random.default_rng(0).uniform(-1, 1, (n,) + shape).astype("float32")


def test_expected_data_names_what_a_batch_holds():
    assert inputs.expected_data(make_gan()) == [("images", SHAPE)]
    assert inputs.expected_data(make_cgan()) == [("images", SHAPE),
                                                 ("labels", "labels")]
    pix2pix = Pix2Pix(builders.unet_generator(SHAPE, filters=(4,)),
                      builders.patchgan_discriminator(SHAPE, SHAPE, filters=(4,)))
    assert inputs.expected_data(pix2pix) == [("source", SHAPE), ("target", SHAPE)]


@pytest.mark.parametrize("as_dataset", [False, True])
def test_images_of_another_size_are_refused_before_training(as_dataset):
    gan = make_gan()
    x = images(shape=(16, 16, 1))
    if as_dataset:
        x = tf.data.Dataset.from_tensor_slices(x).batch(4)
    weights = [w.numpy() for w in gan.weights]
    with pytest.raises(ValueError, match=r"`x` must hold images of shape \(8, 8, 1\)"
                                         r".*Received: images of shape \(16, 16, 1\)"):
        gan.fit(x, batch_size=4, epochs=1, verbose=0)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(weights, gan.weights))


@pytest.mark.parametrize("as_dataset", [False, True])
def test_a_missing_channel_axis_is_added_with_a_warning(as_dataset):
    gan = make_gan()
    x = images()[..., 0]  # (8, 8, 8): no channel axis
    if as_dataset:
        x = tf.data.Dataset.from_tensor_slices(x).batch(4)
    with pytest.warns(UserWarning, match=r"without a channel axis; adding one"):
        history = gan.fit(x, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


def test_an_unbatched_dataset_is_refused():
    with pytest.raises(ValueError, match=r"batched.*\.batch\(batch_size\)"):
        make_gan().fit(tf.data.Dataset.from_tensor_slices(images()), verbose=0)


def test_a_conditional_model_needs_integer_labels():
    cgan = make_cgan()
    with pytest.raises(ValueError, match=r"trains on \(images, labels\)"):
        cgan.fit(tf.data.Dataset.from_tensor_slices(images()).batch(4), verbose=0)
    with pytest.raises(ValueError, match=r"trains on \(images, labels\).*pass `y`"):
        cgan.fit(images(), verbose=0)
    strings = tf.data.Dataset.from_tensor_slices((images(), ["a"] * 8)).batch(4)
    with pytest.raises(ValueError, match=r"integer labels.*Received: string"):
        cgan.fit(strings, verbose=0)
    with pytest.raises(ValueError, match=r"num_classes=3.*from -1 to 2"):
        cgan.fit(images(), np.array([0, 1, 2, -1, 0, 1, 2, 0]), verbose=0)


def test_evaluate_checks_its_data_too():
    with pytest.raises(ValueError, match=r"images of shape \(8, 8, 1\)"):
        make_gan().evaluate(images(shape=(4, 4, 1)), verbose=0)


def test_unpack_helpers():
    x, y = images(2), np.array([0, 1])
    assert inputs.unpack_images((x, y)) is x and inputs.unpack_images(x) is x
    gan = make_gan()
    with pytest.raises(ValueError, match="one element"):
        inputs.unpack_pair((x,), gan)
    images_, labels = inputs.images_and_labels((x, y), 3, gan)
    assert labels.dtype == tf.int32 and labels.shape == (2,)


def test_a_vae_reports_its_encoder_input():
    vae = VAE(builders.dense_encoder(SHAPE, 2, (8,), variational=True),
              builders.dense_decoder(SHAPE, 2, (8,)))
    vae.compile(optimizer=keras.optimizers.Adam())
    with pytest.raises(ValueError, match=r"images of shape \(8, 8, 1\).*\(9, 9, 1\)"):
        vae.fit(images(shape=(9, 9, 1)), verbose=0)


def test_unknown_sizes_float_labels_and_validation_data():
    # A network of unknown height and width takes any size.
    assert inputs._compatible((16, 16, 3), (None, None, 3))
    assert not inputs._compatible((16, 16, 1), (None, None, 3))
    # Integer-valued float labels are what a float32 array of labels holds.
    cgan = make_cgan()
    x, y = images(), np.array([0, 1, 2, 0, 1, 2, 0, 1], "float32")
    assert inputs.check_data(cgan, x, y)[1] is y
    with pytest.raises(ValueError, match="labels"):
        inputs.check_data(cgan, x, y + 0.5)
    # Validation data gets the same check (and channel axis) as the training data.
    gan = make_gan()
    with pytest.warns(UserWarning, match="channel axis"):
        history = gan.fit(images(), batch_size=4, epochs=1, verbose=0,
                          validation_data=(images()[..., 0],))
    assert np.isfinite(history.history["val_d_loss"][0])
    with pytest.raises(ValueError, match=r"images of shape \(8, 8, 1\)"):
        gan.fit(images(), batch_size=4, epochs=1, verbose=0,
                validation_data=(images(shape=(4, 4, 1)),))


def test_an_unbatched_grayscale_dataset_gets_the_batch_hint():
    unbatched = tf.data.Dataset.from_tensor_slices(images()[..., 0])  # (8, 8)
    with pytest.raises(ValueError, match=r"\.batch\(batch_size\)"):
        make_gan().fit(unbatched, verbose=0)
