"""GAN: the model contract, Algorithm 1's k discriminator steps and the losses."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai import losses
from keras_genai.models import GAN

LATENT = 8
SHAPE = (8, 8, 1)


def make_gan(dropout=0.0, latent_dim=LATENT, seed=3, ema=None):
    generator = builders.dcgan_generator(latent_dim, SHAPE, filters=(8, 4))
    discriminator = builders.dcgan_discriminator(SHAPE, filters=(4, 8), dropout=dropout)
    return GAN(generator, discriminator, latent_dim=latent_dim, ema=ema, seed=seed)


def compile_gan(model, **kwargs):
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5), **kwargs)


def images(n=32):
    return np.random.default_rng(0).uniform(-1, 1, (n,) + SHAPE).astype("float32")


def _compile_without(name):
    def fn():
        kwargs = dict(d_optimizer=keras.optimizers.Adam(), g_optimizer="adam")
        kwargs[name] = None
        make_gan().compile(**kwargs)
    return fn


SPEC = conformance.ModelSpec(
    # With a weight average of G: the mirrored check compares it too, and the
    # export serves it.
    make_model=lambda: make_gan(ema=0.9),
    compile=compile_gan,
    data=lambda: (images(),),
    networks=("generator", "discriminator"),
    optimizers=("d_optimizer", "g_optimizer"),
    inputs=lambda: np.random.default_rng(1).normal(size=(5, LATENT)).astype("float32"),
    endpoints={
        "serve": ((np.random.default_rng(2).normal(size=(3, LATENT)).astype("float32"),),
                  lambda m, z: m.ema_generator(z, training=False)),
    },
    bad_arguments=[
        ("latent_dim", lambda: make_gan(latent_dim=0)),
        ("ema", lambda: make_gan(ema=1.5)),
        ("r1_weight", lambda: compile_gan(make_gan(), r1_weight=-1.0)),
        ("latent_dim", lambda: GAN(builders.dcgan_generator(8, SHAPE, filters=(8, 4)),
                                   builders.dcgan_discriminator(SHAPE), latent_dim=16)),
        ("discriminator", lambda: GAN(builders.dcgan_generator(8, SHAPE, filters=(8, 4)),
                                      builders.dcgan_discriminator((28, 28, 1)),
                                      latent_dim=8)),
        ("generator", lambda: GAN("not a model", builders.dcgan_discriminator(SHAPE),
                                  latent_dim=8)),
        ("d_optimizer", _compile_without("d_optimizer")),
        ("g_optimizer", _compile_without("g_optimizer")),
        ("loss", lambda: compile_gan(make_gan(), loss="wasserstein_typo")),
        ("d_steps", lambda: compile_gan(make_gan(), d_steps=0)),
        ("label_smoothing", lambda: compile_gan(make_gan(), label_smoothing=1.5)),
        ("seed", lambda: make_gan(seed="seven")),
        ("feature_matching", lambda: compile_gan(make_gan(),
                                                 feature_matching="no_such_layer")),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_mirrored_equals_single_device_with_k_discriminator_steps(
        tmp_path, mirrored_strategy):
    spec = conformance.ModelSpec(**{
        **SPEC.__dict__,
        "compile": lambda m: compile_gan(m, d_steps=2, loss="minimax"),
    })
    conformance.check_mirrored(spec, tmp_path, mirrored_strategy)


def test_d_steps_updates_discriminator_k_times_per_generator_step():
    model = make_gan()
    compile_gan(model, d_steps=3)
    ds = tf.data.Dataset.from_tensor_slices(images(24)).batch(12)
    model.fit(ds, epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 6
    assert int(model.g_optimizer.iterations) == 2


def test_batch_not_divisible_by_d_steps_is_refused():
    model = make_gan()
    compile_gan(model, d_steps=3)
    static = tf.data.Dataset.from_tensor_slices(images(8)).batch(8, drop_remainder=True)
    with pytest.raises(ValueError, match="d_steps=3"):
        model.fit(static, epochs=1, verbose=0)
    dynamic = tf.data.Dataset.from_tensor_slices(images(8)).batch(8)
    with pytest.raises(tf.errors.InvalidArgumentError, match="d_steps=3"):
        model.fit(dynamic, epochs=1, verbose=0)


def test_same_optimizer_twice_is_refused():
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="different optimizer instances"):
        make_gan().compile(d_optimizer=opt, g_optimizer=opt)


def test_discriminator_loss_falls_on_a_fixed_batch():
    """D alone learns to separate a fixed real batch from G's samples."""
    model = make_gan()
    compile_gan(model)
    real = images(16)
    first = model.evaluate(real, batch_size=16, verbose=0, return_dict=True)
    # Train D only: a generator optimizer with zero learning rate.
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2),
                  g_optimizer=keras.optimizers.SGD(0.0))
    model.fit(tf.data.Dataset.from_tensor_slices(real).batch(16).repeat(30),
              epochs=1, verbose=0)
    last = model.evaluate(real, batch_size=16, verbose=0, return_dict=True)
    assert last["d_loss"] < 0.5 * first["d_loss"], (first, last)


def test_non_saturating_and_minimax_generator_losses_are_logged():
    for loss, sign in (("non_saturating", 1.0), ("minimax", -1.0)):
        model = make_gan()
        compile_gan(model, loss=loss)
        history = model.fit(tf.data.Dataset.from_tensor_slices(images(8)).batch(8),
                            epochs=1, verbose=0).history
        # -log D(G(z)) > 0; log(1 - D(G(z))) < 0.
        assert sign * history["g_loss"][0] > 0, (loss, history)


def test_generate_is_reproducible_with_a_seed_and_in_range():
    model = make_gan()
    a = model.generate(6, seed=11)
    b = model.generate(6, seed=11)
    c = model.generate(6)
    assert a.shape == (6,) + SHAPE
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert a.min() >= -1.0 and a.max() <= 1.0


def test_generate_refuses_bad_n():
    with pytest.raises(ValueError, match="n"):
        make_gan().generate(0)


def test_no_trainable_toggling():
    """Each optimizer owns its network's variables; trainable flags stay on."""
    model = make_gan()
    compile_gan(model)
    model.fit(tf.data.Dataset.from_tensor_slices(images(8)).batch(8), epochs=1,
              verbose=0)
    assert model.generator.trainable and model.discriminator.trainable
    assert len(model.d_optimizer.variables) > 1 and len(model.g_optimizer.variables) > 1


def test_fit_on_labelled_data_ignores_the_labels():
    """An unconditional GAN trains on (images, labels) like on images alone."""
    x = images(8)
    y = np.arange(8)
    a, b = make_gan(), make_gan()
    b.set_weights(a.get_weights())
    compile_gan(a)
    compile_gan(b)
    ha = a.fit(tf.data.Dataset.from_tensor_slices(x).batch(8), verbose=0).history
    hb = b.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), verbose=0).history
    assert ha == hb


# -- loss families -----------------------------------------------------------------

WGAN_GP_SPEC = conformance.ModelSpec(**{
    **SPEC.__dict__,
    # d_steps=5. Adam's first steps move every weight by ~lr whatever the
    # gradient's size, so float rounding of near-zero critic gradients would show
    # at lr 1e-2.
    "compile": lambda m: m.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                                   g_optimizer=keras.optimizers.Adam(1e-3),
                                   loss="wasserstein_gp"),
    "batch_size": 10,
    # E[D(G(z))] - E[D(x)] and the penalty's input gradient ignore D's last bias.
    "constant_variables": ("dcgan_discriminator/logit/bias",),
})


@pytest.mark.parametrize("check", [conformance.check_fit, conformance.check_mirrored,
                                   conformance.check_mixed_precision],
                         ids=conformance.check_id)
def test_wgan_gp_conformance(check, tmp_path, mirrored_strategy):
    """The gradient penalty's interpolation weights differ per replica and the
    two-replica step still equals the one-device step. (A penalty's second
    derivative under XLA and a saved compile config with a penalty weight are
    checked by StyleGAN's spec, which has R1 on in every check.)"""
    check(WGAN_GP_SPEC, tmp_path, mirrored_strategy)


@pytest.mark.parametrize("loss, keys", [
    ("minimax", {"d_real_accuracy", "d_fake_accuracy"}),
    ("least_squares", {"d_real_accuracy", "d_fake_accuracy"}),
    ("hinge", {"d_real_accuracy", "d_fake_accuracy"}),
    ("wasserstein", {"wasserstein_distance"}),
    ("wasserstein_gp", {"wasserstein_distance", "gradient_penalty"}),
])
def test_every_loss_family_trains_and_logs_its_metrics(loss, keys):
    model = make_gan()
    compile_gan(model, loss=loss)
    history = model.fit(tf.data.Dataset.from_tensor_slices(images(20)).batch(10),
                        epochs=1, verbose=0).history
    assert set(history) == {"d_loss", "g_loss"} | keys
    assert all(np.isfinite(v[0]) for v in history.values()), history


def test_wgan_gp_defaults_are_the_papers():
    model = make_gan()
    compile_gan(model, loss="wasserstein_gp")
    assert model.d_steps == 5 and model.gradient_penalty_weight == 10.0
    compile_gan(model, loss="wasserstein_gp", d_steps=2, gradient_penalty_weight=1)
    assert model.d_steps == 2 and model.gradient_penalty_weight == 1.0
    compile_gan(model, loss="hinge")
    assert model.d_steps == 1 and model.gradient_penalty_weight == 0.0


def test_wgan_gp_critic_loss_is_wasserstein_term_plus_weighted_penalty():
    """evaluate: d_loss = E[D(G(z))] - E[D(x)] + lambda * GP, by the logged parts."""
    model = make_gan()
    compile_gan(model, loss="wasserstein_gp", gradient_penalty_weight=7.0)
    logs = model.evaluate(images(16), batch_size=16, verbose=0, return_dict=True)
    np.testing.assert_allclose(
        logs["d_loss"],
        -logs["wasserstein_distance"] + 7.0 * logs["gradient_penalty"], rtol=1e-5)
    assert logs["gradient_penalty"] > 0


def test_least_squares_accuracy_uses_the_half_threshold():
    """LSGAN targets are 0 and 1: an output of 0.3 is a 'fake' call."""
    model = make_gan()
    compile_gan(model, loss="least_squares")
    logs = model._update_metrics(tf.constant(0.0), tf.constant(0.0),
                                 tf.constant([0.3, 0.7]), tf.constant([0.3, 0.7]),
                                 {})
    assert float(logs["d_real_accuracy"]) == 0.5
    assert float(logs["d_fake_accuracy"]) == 0.5


@pytest.mark.parametrize("loss", ["hinge", "wasserstein", "wasserstein_gp"])
def test_label_smoothing_is_refused_for_score_losses(loss):
    with pytest.raises(ValueError, match="label_smoothing"):
        compile_gan(make_gan(), loss=loss, label_smoothing=0.1)


def test_negative_gradient_penalty_weight_is_refused():
    with pytest.raises(ValueError, match="gradient_penalty_weight"):
        compile_gan(make_gan(), gradient_penalty_weight=-1.0)


def test_save_is_atomic(tmp_path, monkeypatch):
    model = make_gan()
    compile_gan(model)
    path = tmp_path / "gan.keras"
    model.save(path)
    good = path.read_bytes()

    def crash(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"half a zip")
        raise OSError("killed while saving")

    monkeypatch.setattr(keras.Model, "save", crash)
    with pytest.raises(OSError, match="killed while saving"):
        model.save(path)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gan.keras"]
    monkeypatch.undo()
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(path, overwrite=False)
    assert keras.models.load_model(path).latent_dim == model.latent_dim


def test_r1_weight_adds_half_gamma_times_the_penalty_to_d_loss():
    """evaluate on the same batch and fakes: d_loss with gamma = 4 is d_loss
    without it plus 2 * R1, and R1 is `losses.r1_penalty` of D on the batch."""
    model = make_gan()
    x = images(16)
    state = model.seed_generator.state.numpy()
    compile_gan(model, r1_weight=4.0)
    logs = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    model.seed_generator.state.assign(state)  # the same fakes again
    compile_gan(model)
    plain = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    assert "r1_penalty" not in plain
    penalty = float(losses.r1_penalty(model.discriminator, x)[0])
    assert logs["r1_penalty"] == pytest.approx(penalty, rel=1e-5) and penalty > 0
    assert logs["d_loss"] == pytest.approx(plain["d_loss"] + 2.0 * penalty,
                                           rel=1e-5)


def test_r1_is_logged_in_training():
    model = make_gan()
    compile_gan(model, r1_weight=1.0)
    history = model.fit(images(20), batch_size=10, epochs=1, verbose=0).history
    assert history["r1_penalty"][0] > 0


def test_ema_generator_averages_the_weights_and_samples():
    """With ema = 0.5 the average moves halfway (after the warm-up's
    ``min(d, (1 + n) / (10 + n))``) towards G after each step; sample and the
    export use it, training uses G."""
    model = make_gan(ema=0.5)
    compile_gan(model)
    before = [w.numpy() for w in model.ema_generator.weights]
    np.testing.assert_array_equal(before[0], model.generator.weights[0].numpy())
    model.fit(images(10), batch_size=10, epochs=1, verbose=0)
    d = min(0.5, (1 + 1) / (10 + 1))  # n = 1 G step when the update runs
    for average, start, weight in zip(model.ema_generator.weights, before,
                                      model.generator.weights):
        np.testing.assert_allclose(average.numpy(),
                                   d * start + (1 - d) * weight.numpy(),
                                   rtol=1e-5, atol=1e-6)
    z = model.sample_latents(3, seed=1)
    np.testing.assert_allclose(model.sample(3, seed=1),
                               model.ema_generator(z, training=False), atol=1e-6)
    assert model.ema_generator.trainable_weights == []


def test_feature_matching_loss_is_the_distance_between_mean_features():
    """With G's weights at 0 every fake is the zero image, so G's loss is known:
    the squared gap between D's mean features on the batch and on 0."""
    model = make_gan()
    for weight in model.generator.weights:
        weight.assign(tf.zeros_like(weight))
    compile_gan(model, feature_matching="features")
    x = images(16)
    logs = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    features = keras.Model(model.discriminator.inputs,
                           model.discriminator.get_layer("features").output)
    expected = losses.feature_matching_generator_loss(
        features(x, training=False), features(np.zeros_like(x), training=False))
    assert logs["g_loss"] == pytest.approx(float(expected), rel=1e-5)
    assert float(expected) > 0


def test_feature_matching_trains_g_and_survives_a_save(tmp_path):
    model = make_gan()
    compile_gan(model, feature_matching="down1_lrelu")
    before = [w.numpy().copy() for w in model.generator.trainable_weights]
    model.fit(images(32), batch_size=16, epochs=1, verbose=0)
    assert any(not np.allclose(a, w.numpy())
               for a, w in zip(before, model.generator.trainable_weights))
    path = str(tmp_path / "gan.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.feature_matching == "down1_lrelu"
    x = images(16)
    state = model.seed_generator.state.numpy()
    logs = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    loaded.seed_generator.state.assign(state)
    again = loaded.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    assert again["g_loss"] == pytest.approx(logs["g_loss"], rel=1e-5)


def test_lazy_r1_computes_the_penalty_every_kth_step_at_k_times_the_weight():
    """r1_every=2 on 4 D steps: steps 0 and 2 carry 2x the penalty, 1 and 3
    none, so the logged epoch mean equals one half of (2 p0 + 2 p2)."""
    x = images(32)
    model = make_gan()
    compile_gan(model, r1_weight=1.0, r1_every=2)
    logged = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            logged.append(float(losses.r1_penalty(model.discriminator,
                                                  x[8 * batch:8 * batch + 8])[0]))

    history = model.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0,
                        callbacks=[Record()]).history
    expected = (2 * logged[0] + 2 * logged[2]) / 4
    assert history["r1_penalty"][0] == pytest.approx(expected, rel=1e-4)
    assert model.r1_every == 2
    with pytest.raises(ValueError, match="r1_every"):
        compile_gan(make_gan(), r1_weight=1.0, r1_every=0)


def test_feature_matching_and_lazy_r1_equal_on_one_and_two_replicas(tmp_path,
                                                                     mirrored_strategy):
    """Feature matching squares the global batch's mean features, and lazy R1
    with 2 D steps per G step penalises every other D step: one step on 2
    replicas equals one on one device, logged penalties included."""
    import dataclasses

    spec = dataclasses.replace(
        SPEC, compile=lambda m: compile_gan(m, feature_matching="down1_lrelu",
                                            r1_weight=1.0, r1_every=2, d_steps=2))
    conformance.check_mirrored(spec, tmp_path, mirrored_strategy)
