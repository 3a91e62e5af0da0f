"""What every model gets from keras_genai.models.base: the generic config, the
declarations, sampling and fit."""

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai import builders
from keras_genai import models
from keras_genai.models.base import GenerativeModel

SHAPE = (8, 8, 1)


def model_classes():
    return sorted({cls for cls in vars(models).values()
                   if inspect.isclass(cls) and issubclass(cls, GenerativeModel)
                   and cls is not GenerativeModel}, key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", model_classes(), ids=lambda c: c.__name__)
def test_every_model_uses_the_generic_config_and_declares_what_it_trains(cls):
    for klass in cls.__mro__:
        if klass is GenerativeModel:
            break
        assert "get_config" not in vars(klass) and "from_config" not in vars(klass), \
            f"{klass.__name__} hand-writes its config"
    assert cls.OPTIMIZERS and cls.TRACKERS, cls.__name__
    # Every network an optimizer trains is a declared network.
    for networks in cls.OPTIMIZERS.values():
        assert set(networks) <= set(cls.NETWORKS), (cls.__name__, networks)
    # Every constructor argument is stored under its own name (get_config reads it).
    parameters = [p for p in inspect.signature(cls.__init__).parameters.values()
                  if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in parameters][-1] == "seed"


def test_generic_config_round_trips_constructor_arguments():
    gan = models.GAN(builders.dcgan_generator(4, SHAPE, filters=(8, 4)),
                     builders.dcgan_discriminator(SHAPE, filters=(4,)), latent_dim=4,
                     seed=7, name="my_gan")
    config = gan.get_config()
    assert set(config) == {"name", "generator", "discriminator", "latent_dim", "ema",
                           "seed"}
    assert config["generator"]["class_name"] == type(gan.generator).__name__
    again = models.GAN.from_config(config)
    assert (again.name, again.latent_dim, again.seed) == ("my_gan", 4, 7)
    assert again.generator.count_params() == gan.generator.count_params()


def test_gan_sample_is_reproducible_and_shapes_follow_n():
    gan = models.GAN(builders.dcgan_generator(4, SHAPE, filters=(8, 4)),
                     builders.dcgan_discriminator(SHAPE, filters=(4,)), latent_dim=4)
    a = gan.sample(5, seed=1, batch_size=4)
    np.testing.assert_array_equal(a, gan.generate(5, seed=1, batch_size=4))
    assert gan.sample(300, seed=1).shape == (300,) + SHAPE
    with pytest.raises(ValueError, match="unconditional.*labels"):
        gan.sample(labels=[0, 1])


def test_fit_ends_an_epoch_of_unknown_length_at_the_end_of_the_data():
    """A pipeline of unknown cardinality ends each epoch when it runs dry (3
    batches, 2 epochs). Keras' optimizer counts one more iteration for the
    step that finds no batch (only the counter: the weights are not
    updated), so the batches are counted by a callback."""
    gan = models.GAN(builders.dcgan_generator(4, SHAPE, filters=(8, 4)),
                     builders.dcgan_discriminator(SHAPE, filters=(4,)), latent_dim=4,
                     seed=7)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    x = np.random.default_rng(0).uniform(-1, 1, (12,) + SHAPE).astype("float32")
    dataset = tf.data.Dataset.from_generator(
        lambda: iter(x), output_signature=tf.TensorSpec(SHAPE, tf.float32)).batch(
            4, drop_remainder=True)
    assert dataset.cardinality() == tf.data.UNKNOWN_CARDINALITY
    batches = []
    count = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: batches.append(0),
        on_train_batch_end=lambda batch, logs: batches.__setitem__(-1, batches[-1] + 1))
    history = gan.fit(dataset, epochs=2, verbose=0, callbacks=[count])
    assert len(history.history["d_loss"]) == 2
    assert batches == [3, 3]
