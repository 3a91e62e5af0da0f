"""DiffusionModel: the model contract, the objective by hand, EMA, guidance,
sampling and learning a tiny task."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai.models import DiffusionModel
from keras_genai.diffusion import NoiseSchedule

SHAPE = (8, 8, 1)
T = 50  # cosine: alpha_bar reaches ~0 in 50 steps (linear 1e-4..0.02 would stop at 0.6)
# One level with attention in the middle only: every test's cost is tracing the
# training step, which grows with the number of layers (this U-Net traces in
# about half the time of two levels with attention at the second). The
# unconditional test below keeps two levels.
UNET = {"widths": (8,), "attention_levels": (), "heads": 2}


def make_model(num_classes=3, seed=3, **kwargs):
    network = builders.diffusion_unet(SHAPE, num_classes=num_classes, **UNET)
    return DiffusionModel(network, NoiseSchedule("cosine", timesteps=T),
                          num_classes=num_classes, seed=seed, **kwargs)


def compile_model(model, **kwargs):
    model.compile(optimizer=keras.optimizers.Adam(1e-3), **kwargs)


def data(n=32):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n).astype("int32")
    x = np.tanh(rng.normal(size=(n,) + SHAPE) + y[:, None, None, None]).astype("float32")
    return x, y


def _inputs(n=5):
    x, y = data(n)
    return [x, np.arange(n, dtype="int32") * 7 % T, y]


def _sample_reference(model, noise, labels, w, steps, eta, seed):
    from keras_genai.diffusion import sample_loop
    return sample_loop(lambda x, t: model.guided_noise(x, t, tf.constant(labels), w),
                       model.schedule, noise, steps=int(steps), eta=float(eta),
                       seed=seed, clip=model.clip)


_NOISE = np.random.default_rng(1).normal(size=(4,) + SHAPE).astype("float32")
_LABELS = np.array([0, 1, 2, 0], "int32")

SPEC = conformance.ModelSpec(
    make_model=make_model,
    compile=compile_model,
    data=data,
    networks=("network", "ema_network"),
    optimizers=("optimizer",),
    inputs=_inputs,
    endpoints={
        "serve": ((_inputs(4)[0], _inputs(4)[1], _LABELS),
                  lambda m, x, t, y: m.guided_noise(x, t, tf.constant(y))),
        "sample": ((_NOISE, _LABELS, np.float32(2.0), np.int32(5), np.float32(0.5),
                    np.array([3, 4], "int32")), _sample_reference),
    },
    bad_arguments=[
        ("schedule", lambda: DiffusionModel(builders.diffusion_unet(SHAPE, **UNET),
                                            schedule="linear")),
        ("network", lambda: DiffusionModel(builders.diffusion_unet(SHAPE, **UNET),
                                           num_classes=3)),
        ("network", lambda: DiffusionModel("unet")),
        ("label_dropout", lambda: make_model(label_dropout=1.0)),
        ("ema", lambda: make_model(ema=1.5)),
        ("clip", lambda: make_model(clip=0)),
        ("guidance_scale", lambda: make_model(guidance_scale=-1)),
        ("min_snr_gamma", lambda: make_model(min_snr_gamma=0)),
        ("num_classes", lambda: make_model(num_classes=1)),
        ("loss", lambda: make_model().compile(optimizer="adam", loss="mse")),
        ("labels", lambda: make_model().sample(labels=[0, 5], verbose=False)),
        ("labels", lambda: make_model().sample(n=3, verbose=False)),
        ("steps", lambda: make_model().sample(labels=[0], steps=T + 1, verbose=False)),
        ("sampler", lambda: make_model().sample(labels=[0], sampler="euler",
                                                verbose=False)),
        ("eta", lambda: make_model().sample(labels=[0], eta=-1, verbose=False)),
        ("seed", lambda: make_model().sample(labels=[0], seed="a", verbose=False)),
    ],
    # "sample" chains 5 U-Net calls: one pixel of 256 came back 2.9e-5 away
    # on an Intel Xeon with AMX (1e-5 holds on AMD EPYC).
    export_atol=1e-4,
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def make_sr_model(seed=3):
    network = builders.diffusion_unet(SHAPE, condition_channels=1, **UNET)
    return DiffusionModel(network, NoiseSchedule("cosine", timesteps=T),
                          image_condition=True, seed=seed)


def sr_data(n=32):
    """Images and their 4x4 average-pooled versions, upsampled back to 8x8 (the
    SR3 set-up: the condition has the image's size)."""
    x = np.tanh(np.random.default_rng(0).normal(size=(n,) + SHAPE)).astype("float32")
    low = x.reshape(n, 4, 2, 4, 2, 1).mean(axis=(2, 4))
    return x, np.repeat(np.repeat(low, 2, axis=1), 2, axis=2)


def _sr_inputs(n=5):
    x, condition = sr_data(n)
    return [x, np.arange(n, dtype="int32") * 7 % T, condition]


SR_SPEC = conformance.ModelSpec(
    make_model=make_sr_model,
    compile=compile_model,
    data=sr_data,
    networks=("network", "ema_network"),
    optimizers=("optimizer",),
    inputs=_sr_inputs,
    endpoints={
        "serve": (tuple(_sr_inputs(4)),
                  lambda m, x, t, c: m.guided_noise(x, t, tf.constant(c))),
        "sample": ((_NOISE, sr_data(4)[1], np.float32(1.0), np.int32(5),
                    np.float32(0.5), np.array([3, 4], "int32")), _sample_reference),
    },
    bad_arguments=[
        ("image_condition", lambda: DiffusionModel(
            builders.diffusion_unet(SHAPE, condition_channels=1, num_classes=3, **UNET),
            num_classes=3, image_condition=True)),
        ("image_condition", lambda: DiffusionModel(
            builders.diffusion_unet(SHAPE, condition_channels=1, **UNET),
            image_condition=1)),
        ("network", lambda: DiffusionModel(builders.diffusion_unet(SHAPE, **UNET),
                                           image_condition=True)),
        ("conditions", lambda: make_sr_model().sample(n=2, verbose=False)),
        ("conditions", lambda: make_sr_model().sample(
            conditions=np.zeros((2, 4, 4, 1)), verbose=False)),
        ("conditions", lambda: make_model().sample(
            labels=[0], conditions=np.zeros((1,) + SHAPE), verbose=False)),
    ],
    export_atol=1e-4,  # the sampler chains U-Net calls, as above
)


# The checks of what image conditioning changes: data, saving and the exported
# condition input. Two replicas, NaN guard, mixed precision, resume and XLA run
# the same code as the class-conditional model's checks above (the condition
# image is split across replicas by `unpack_pair`, as pix2pix's mirrored check
# covers).
@pytest.mark.parametrize("check", [conformance.check_fit,
                                   conformance.check_save_load_fresh_process,
                                   conformance.check_export,
                                   conformance.check_bad_arguments],
                         ids=conformance.check_id)
def test_image_conditioned_conformance(check, tmp_path, mirrored_strategy):
    check(SR_SPEC, tmp_path, mirrored_strategy)


def _rewind(model):
    """Returns a function that puts the model's seed generator back to now."""
    state = model.seed_generator.state.numpy()
    return lambda: model.seed_generator.state.assign(state)


@pytest.mark.parametrize("label_dropout, gamma", [(0.0, None), (0.5, None), (0.0, 2.0)])
def test_the_loss_is_the_simple_objective_by_hand(label_dropout, gamma):
    model = make_model(label_dropout=label_dropout, min_snr_gamma=gamma)
    compile_model(model)
    x, y = data(8)
    rewind = _rewind(model)
    logged = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)["loss"]
    rewind()
    t = np.minimum((model.sample_uniform(8).numpy() * T).astype("int32"), T - 1)
    eps = model.sample_normal(8, SHAPE).numpy()
    labels = y.copy()
    if label_dropout:
        labels[model.sample_uniform(8).numpy() < label_dropout] = 3  # the null class
        assert 0 < (labels == 3).sum() < 8
    a = model.schedule.alpha_bars[t][:, None, None, None]
    x_t = np.sqrt(a) * x + np.sqrt(1 - a) * eps
    eps_hat = model.network({"image": x_t.astype("float32"), "timestep": t,
                             "label": labels}).numpy()
    per_image = np.mean((eps_hat - eps) ** 2, axis=(1, 2, 3))
    if gamma is not None:  # Min-SNR: min(SNR, gamma) / SNR per image
        snr = a[:, 0, 0, 0] / (1 - a[:, 0, 0, 0])
        per_image = per_image * np.minimum(snr, gamma) / snr
        assert 0 < (snr > gamma).sum() < 8
    assert logged == pytest.approx(per_image.mean(), rel=1e-4)


def test_ema_update_by_hand():
    model = make_model(ema=0.9)
    compile_model(model)
    before = [w.numpy() for w in model.network.weights]
    np.testing.assert_array_equal(model.ema_network.weights[0].numpy(), before[0])
    x, y = data(8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    decay = min(0.9, 2 / 11)  # after one update: (1 + 1) / (10 + 1)
    for w0, w1, e in zip(before, model.network.weights, model.ema_network.weights):
        np.testing.assert_allclose(e.numpy(), decay * w0 + (1 - decay) * w1.numpy(),
                                   rtol=1e-5, atol=1e-7)
    # A second step: the decay grows to 3 / 12.
    ema_before = [e.numpy() for e in model.ema_network.weights]
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    for e0, w, e in zip(ema_before, model.network.weights, model.ema_network.weights):
        np.testing.assert_allclose(e.numpy(), 0.25 * e0 + 0.75 * w.numpy(), rtol=1e-5,
                                   atol=1e-7)


def test_guidance_combines_conditional_and_null_predictions():
    # A network whose output is the image plus a pattern per label (the null
    # label 3 has its own), so conditional and null predictions differ.
    image = keras.Input(SHAPE, name="image")
    timestep = keras.Input((), dtype="int32", name="timestep")
    label = keras.Input((), dtype="int32", name="label")
    pattern = keras.layers.Reshape(SHAPE)(keras.layers.Embedding(
        4, int(np.prod(SHAPE)), embeddings_initializer="random_normal",
        name="label_embedding")(label))
    # The timestep adds zeros: connected, as Keras 3.10 requires of
    # every input of a Functional model, and of no effect.
    zeros = keras.layers.Reshape(SHAPE)(keras.layers.Embedding(
        T, int(np.prod(SHAPE)), embeddings_initializer="zeros",
        name="timestep_zeros")(timestep))
    out = keras.layers.Add()([image, pattern, zeros])
    network = keras.Model({"image": image, "timestep": timestep, "label": label}, out)
    model = DiffusionModel(network, NoiseSchedule("cosine", timesteps=T),
                           num_classes=3, seed=0)
    x_t, t, labels = _inputs(4)
    net = model.ema_network
    cond = net({"image": x_t, "timestep": t, "label": labels}).numpy()
    null = net({"image": x_t, "timestep": t, "label": np.full(4, 3, "int32")}).numpy()
    assert np.abs(cond - null).max() > 100 * 1e-5
    for w in (0.0, 1.0, 2.5):
        np.testing.assert_allclose(model.guided_noise(x_t, t, labels, w),
                                   null + w * (cond - null), rtol=1e-4, atol=1e-5)
    # Sampling passes every scale but 1 as a tensor: a sweep traces the noise
    # prediction twice (w = 1 skips the null pass), not once per scale.
    for w in (0.0, 2.5, 5.0, 1.0, 3.0):
        model.sample(labels=[0, 1], steps=2, guidance_scale=w, seed=0, verbose=False)
    assert model._compiled_eps_fn().experimental_get_tracing_count() == 2


def test_sampling_is_reproducible_and_clipped():
    model = make_model()
    compile_model(model)
    x, y = data(16)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    labels = [0, 1, 2, 1, 0]
    b = model.sample(labels=labels, steps=5, seed=1, batch_size=3, verbose=False)
    # Every batch runs at one shape, the last one padded: five images in
    # batches of 3 trace the noise prediction once, not twice (3 and 2).
    eps_fn = model._compiled_eps_fn()
    assert eps_fn.experimental_get_tracing_count() == 1
    a = model.sample(labels=labels, steps=5, seed=1, batch_size=2, verbose=False)
    assert a.shape == (5,) + SHAPE
    # The same first chunk, computed in batches of 2 and of 3: oneDNN may pick
    # other kernels for another batch size (atol 1e-6 failed once in the
    # suite on an AMX Xeon), while another seed is O(1) away.
    np.testing.assert_allclose(a[:2], b[:2], rtol=1e-5, atol=1e-5)
    # The padding changes no image: the fourth of four (padded with two
    # copies) is the fourth of five (padded with one).
    four = model.sample(labels=labels[:4], steps=5, seed=1, batch_size=3,
                        verbose=False)
    np.testing.assert_allclose(four, b[:4], rtol=1e-5, atol=1e-5)
    assert not np.allclose(a, model.sample(labels=labels, steps=5, seed=2,
                                           verbose=False))
    ddpm = model.sample(labels=labels, steps=T, sampler="ddpm", seed=1, verbose=False)
    assert np.abs(ddpm).max() <= 1.0 + 1e-5


def test_inpaint_keeps_the_known_pixels_and_edit_stays_close_when_weak():
    model = make_model()
    x, _ = data(4)
    x = np.clip(x, -1, 1)
    known = np.ones(SHAPE, "float32")
    known[2:6, 2:6] = 0
    # No labels: the null class, one network pass per step.
    a = model.inpaint(x, known, steps=4, jump_length=2, resamplings=2, seed=1,
                      batch_size=3, verbose=False)
    b = model.inpaint(x, known, steps=4, jump_length=2, resamplings=2, seed=1,
                      batch_size=3, verbose=False)
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape
    np.testing.assert_array_equal(a[:, known[..., 0] > 0], x[:, known[..., 0] > 0])
    assert not np.allclose(a[:, 2:6, 2:6], x[:, 2:6, 2:6])
    labelled = model.inpaint(x, known, labels=[0, 1, 2, 0], steps=4, seed=1,
                             verbose=False)
    np.testing.assert_array_equal(labelled[:, known[..., 0] > 0],
                                  x[:, known[..., 0] > 0])
    # t0 = 0: one step from the barely noised input.
    weak = model.edit(x, 0.01, labels=[1, 1, 1, 1], seed=0, verbose=False)
    assert weak.shape == x.shape and np.abs(weak - x).mean() < 0.05
    strong = model.edit(x, 1.0, labels=[1, 1, 1, 1], steps=3, seed=0, verbose=False)
    assert np.abs(strong - x).mean() > 5 * np.abs(weak - x).mean()
    with pytest.raises(ValueError, match="known"):
        model.inpaint(x, np.ones((3, 3)), verbose=False)
    with pytest.raises(ValueError, match="images"):
        model.inpaint(x[..., 0], known, verbose=False)
    with pytest.raises(ValueError, match="one label, prompt or condition image per"):
        model.edit(x, 0.5, labels=[1, 2], verbose=False)
    with pytest.raises(ValueError, match="eta"):
        model.edit(x, 0.5, labels=[1, 1, 1, 1], eta=-1, verbose=False)
    with pytest.raises(ValueError, match="strength"):
        model.edit(x, 0.0, labels=[1, 1, 1, 1], verbose=False)
    with pytest.raises(ValueError, match="resamplings"):
        model.inpaint(x, known, resamplings=0, verbose=False)
    with pytest.raises(ValueError, match="at least one image.*Received: 0"):
        model.edit(x[:0], 0.5, verbose=False)


def test_progress_bar_counts_every_step(capsys):
    model = make_model(num_classes=None)
    model.sample(3, steps=4, seed=0, batch_size=2)
    assert "8/8" in capsys.readouterr().out  # two chunks of four steps
    # An edit from t0 = 0.4 T takes 0.4 of the chain's 10 steps.
    model.edit(np.zeros((1,) + SHAPE, "float32"), 0.4, steps=10, seed=0)
    assert "4/4" in capsys.readouterr().out


def test_a_class_conditional_model_learns_which_brightness_each_label_means():
    """Images of class k are constant at level[k]. After a short training the
    averaged network's estimate of x_0 from x_t at mid noise (where the label
    still matters) finds each class's level. (Sampling from pure noise needs
    longer training; the lab's slow test checks it on the digits.)"""
    keras.utils.set_random_seed(0)
    levels = np.array([-0.6, 0.0, 0.6], "float32")
    y = np.tile(np.arange(3, dtype="int32"), 64)
    x = np.broadcast_to(levels[y][:, None, None, None], (len(y),) + SHAPE).copy()
    model = make_model(ema=0.9, label_dropout=0.1)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(x, y, batch_size=32, epochs=40, verbose=0).history["loss"]
    assert np.mean(history[-5:]) < 0.1 * np.mean(history[:5])
    labels = np.repeat(np.arange(3, dtype="int32"), 8)
    t = np.full(24, T // 2, "int32")
    x_t = model.schedule.q_sample(x[:24] * 0 + levels[labels][:, None, None, None], t,
                                  tf.random.stateless_normal((24,) + SHAPE, (0, 1)))
    x0 = model.schedule.predict_x0(x_t, t, model.guided_noise(x_t, t, labels, 1.0))
    np.testing.assert_allclose(x0.numpy().reshape(3, -1).mean(axis=1), levels,
                               atol=0.1)


def test_an_unconditional_model_trains_and_samples():
    network = builders.diffusion_unet(SHAPE, widths=(8, 16), heads=2)
    model = DiffusionModel(network, NoiseSchedule("linear", timesteps=T), seed=0)
    compile_model(model)
    x, _ = data(16)
    model.fit(x, batch_size=8, epochs=1, verbose=0)
    assert model.sample(3, steps=5, seed=0, verbose=False).shape == (3,) + SHAPE
    with pytest.raises(ValueError, match="labels"):
        model.sample(labels=[0], verbose=False)


def _text_model():
    network = builders.diffusion_unet(SHAPE, text_embedding_dim=8, **UNET)
    encoder = builders.text_encoder(["a", "dark", "light", "square"],
                                    sequence_length=3, embedding_dim=8)
    return DiffusionModel(network, NoiseSchedule("cosine", timesteps=T),
                          text_encoder=encoder, seed=0)


def test_a_text_conditional_model_trains_both_networks_samples_and_round_trips(
        tmp_path):
    model = _text_model()
    compile_model(model)
    x, y = data(16)
    captions = np.array(["a dark square", "a light square", "a square"])[y]
    before = [v.numpy() for v in model.text_encoder.trainable_variables]
    # Strings go through tf.data (Keras' NumPy adapter does not take them).
    model.fit(tf.data.Dataset.from_tensor_slices((x, captions)).batch(8), epochs=2,
              verbose=0)
    after = model.text_encoder.trainable_variables
    # Every weight (the attention has no key bias, whose gradient would be
    # zero in exact arithmetic: it adds the same logit to every key of a query).
    assert not any(v.path.endswith("key/bias") for v in after)
    moved = [not np.allclose(a, b.numpy()) for a, b in zip(before, after)]
    assert len(moved) == len(after) and all(moved)
    prompts = ["a dark square", "a light square"]
    images = model.sample(prompts=prompts, steps=4, seed=0, verbose=False)
    assert images.shape == (2,) + SHAPE
    model.save(tmp_path / "text.keras")
    again = keras.models.load_model(tmp_path / "text.keras")
    np.testing.assert_allclose(
        again.sample(prompts=prompts, steps=4, seed=0, verbose=False), images,
        rtol=1e-4, atol=1e-5)
    # The export serves prompts as strings.
    model.export(str(tmp_path / "saved"))
    loaded = tf.saved_model.load(str(tmp_path / "saved"))
    noise = np.random.default_rng(0).normal(size=(2,) + SHAPE).astype("float32")
    served = loaded.sample(noise, tf.constant(prompts), 3.0, 4, 0.0,
                           tf.constant([1, 2]))
    from keras_genai.diffusion import sample_loop
    expected = sample_loop(
        lambda xx, t: model.guided_noise(xx, t, tf.constant(prompts), 3.0),
        model.schedule, noise, steps=4, eta=0.0, seed=(1, 2), clip=model.clip)
    np.testing.assert_allclose(served.numpy(), expected.numpy(), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="prompts"):
        model.sample(labels=[0], verbose=False)
    with pytest.raises(ValueError, match="prompts"):
        model.sample(prompts=[3], verbose=False)
    with pytest.raises(ValueError, match="num_classes"):
        DiffusionModel(model.network, num_classes=3, text_encoder=model.text_encoder)


def test_jit_compile_is_refused_with_the_reason_for_a_text_model():
    model = _text_model()
    with pytest.warns(UserWarning, match="TextVectorization.*does not support XLA"):
        compile_model(model, jit_compile=True)
    assert model.jit_compile is False
    class_model = make_model()
    compile_model(class_model, jit_compile=True)  # the U-Net alone compiles
    assert class_model.jit_compile is True
