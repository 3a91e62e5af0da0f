"""keras_genai.builders.cnn: paper parameter counts, shapes, blocks, errors."""

import keras
import numpy as np
import pytest

from keras_genai import builders


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def test_vgg16_has_the_papers_parameter_count():
    """As keras.applications.VGG16(weights=None): 138,357,544 (build only)."""
    model = builders.vgg("vgg16")
    assert model.count_params() == 138_357_544
    assert sum(isinstance(layer, keras.layers.Conv2D) for layer in model.layers) == 13


def test_resnet50_has_the_papers_parameter_count():
    """25,557,032 trainable parameters with no bias before batch norm (the
    paper); keras.applications.ResNet50 keeps conv biases: 25,636,712 in all."""
    model = builders.resnet(50)
    assert _trainable(model) == 25_557_032
    assert model.output_shape == (None, 1000)


def test_resnet18_matches_the_reference_count():
    # torchvision's resnet18: 11,689,512 parameters (BN statistics are buffers).
    assert _trainable(builders.resnet(18)) == 11_689_512


def test_vgg_configurations_depth():
    for config, convs in (("vgg11", 8), ("vgg13", 10), ("vgg16", 13), ("vgg19", 16)):
        layout = builders.cnn.VGG_CONFIGS[config]
        assert sum(isinstance(c, int) for c in layout) == convs
    small = builders.vgg([8, 8, "M", 16, "M"], input_shape=(28, 28, 1),
                         num_classes=10, dense_units=32, normalization="batch",
                         head="average")
    assert small.output_shape == (None, 10)
    assert small.get_layer("block2_conv1").output.shape == (None, 14, 14, 16)
    assert not small.get_layer("block1_conv1").use_bias


def test_simple_cnn_is_the_course_listing():
    model = builders.simple_cnn((32, 32, 3))
    types = [type(layer).__name__ for layer in model.layers]
    assert types == ["Conv2D", "BatchNormalization", "MaxPooling2D", "Conv2D",
                     "BatchNormalization", "MaxPooling2D", "Conv2D", "Flatten",
                     "Dense", "Dense"]
    # By hand for 32x32x3: convs 896 + 18,496 + 36,928; batch norms 4 x (32 + 64);
    # 32 -> 30 -> 15 -> 13 -> 6 -> 4, so Dense(64) sees 4*4*64 = 1,024 inputs:
    # 65,600; logits 650. (The TensorFlow CNN tutorial, without the batch norms,
    # has 122,570.)
    assert model.count_params() == 896 + 18_496 + 36_928 + 384 + 65_600 + 650
    avg = builders.simple_cnn((28, 28, 1), pooling="average", normalization=None,
                              dropout=0.5)
    assert "AveragePooling2D" in [type(layer).__name__ for layer in avg.layers]
    assert "BatchNormalization" not in [type(layer).__name__ for layer in avg.layers]


def test_first_cnn_is_the_course_listing_with_its_parameter_count():
    model = builders.first_cnn()
    # By hand at 64x64x3: conv 3*3*3*32 + 32 = 896; 64 -> 62 -> 31, so the
    # dense layer sees 31*31*32 = 30,752 inputs: 30,752*128 + 128 = 3,936,384;
    # output 128*10 + 10 = 1,290.
    assert model.count_params() == 896 + 3_936_384 + 1_290 == 3_938_570
    probabilities = model(np.zeros((2, 64, 64, 3), "float32"))
    np.testing.assert_allclose(np.sum(probabilities, axis=-1), 1.0, atol=1e-6)
    logits = builders.first_cnn((28, 28, 1), output="logits")
    assert logits.layers[-1].name == "logits"
    with pytest.raises(ValueError, match="output"):
        builders.first_cnn(output="sigmoid")


@pytest.mark.parametrize("n, k, s, p", [
    (64, 3, 1, "valid"), (62, 2, 2, "valid"), (28, 5, 1, "same"),
    (28, 3, 2, "same"), (28, 3, 2, "valid"), (27, 4, 3, "same"), (32, 5, 1, 2),
    (7, 3, 3, "valid"), (5, 5, 1, "valid")])
def test_conv_output_size_is_what_keras_builds(n, k, s, p):
    layers = [keras.Input((n, n, 1))]
    if isinstance(p, int):
        layers.append(keras.layers.ZeroPadding2D(p))
    layers.append(keras.layers.Conv2D(1, k, strides=s,
                                      padding="valid" if isinstance(p, int) else p))
    assert builders.conv_output_size(n, k, s, p) == \
        keras.Sequential(layers).output_shape[1]


def test_conv_output_size_bad_arguments():
    with pytest.raises(ValueError, match="padding"):
        builders.conv_output_size(8, 3, padding="full")
    with pytest.raises(ValueError, match="larger"):
        builders.conv_output_size(2, 3)
    with pytest.raises(ValueError, match="strides"):
        builders.conv_output_size(8, 3, strides=0)


def test_simple_cnn_pooling_kinds_and_heads():
    def types(model):
        return [type(layer).__name__ for layer in model.layers]

    assert types(builders.simple_cnn((28, 28, 1), pooling="min")).count(
        "MinPooling2D") == 2
    plain = builders.simple_cnn((28, 28, 1), pooling=None, normalization=None)
    # Without pooling: 28 -> 26 -> 24 -> 22, so Dense(64) sees 22*22*64 inputs.
    assert "MaxPooling2D" not in types(plain)
    assert plain.get_layer("hidden_dense").kernel.shape == (22 * 22 * 64, 64)
    spatial = builders.simple_cnn((28, 28, 1), spatial_dropout=0.2)
    assert types(spatial).count("SpatialDropout2D") == 2
    assert spatial.count_params() == builders.simple_cnn((28, 28, 1)).count_params()
    for head, kind in (("global_max", "GlobalMaxPooling2D"),
                       ("global_average", "GlobalAveragePooling2D")):
        model = builders.simple_cnn((28, 28, 1), head=head)
        assert kind in types(model)
        assert model.get_layer("hidden_dense").kernel.shape == (64, 64)


def test_inception_block_branches():
    inputs = keras.Input((12, 12, 8))
    out = builders.inception_block(inputs, 4, 2, 6, 1, 3, 5, name="inc")
    assert out.shape == (None, 12, 12, 4 + 6 + 3 + 5)
    model = keras.Model(inputs, out)
    assert model.get_layer("inc_5x5_conv").kernel.shape == (5, 5, 1, 3)
    assert model.get_layer("inc_3x3_reduce_conv").kernel.shape == (1, 1, 8, 2)
    assert model.get_layer("inc_pool").strides == (1, 1)
    assert builders.googlenet().output_shape == (None, 10)


def test_residual_block_shortcuts():
    inputs = keras.Input((8, 8, 16))
    same = keras.Model(inputs, builders.residual_block(inputs, 16, name="id"))
    assert "id_shortcut_conv" not in [layer.name for layer in same.layers]
    proj = keras.Model(inputs, builders.residual_block(inputs, 32, stride=2,
                                                       name="pr"))
    assert proj.output_shape == (None, 4, 4, 32)
    assert proj.get_layer("pr_shortcut_conv").kernel.shape == (1, 1, 16, 32)
    bottle = keras.Model(inputs, builders.residual_block(inputs, 8,
                                                         kind="bottleneck",
                                                         name="bn"))
    assert bottle.output_shape == (None, 8, 8, 32)
    # An identity block computes ReLU(F(x) + x): with F's last norm zeroed, the
    # block is ReLU(x).
    gamma = same.get_layer("id_2_norm").gamma
    gamma.assign(np.zeros(gamma.shape))
    beta = same.get_layer("id_2_norm").beta
    beta.assign(np.zeros(beta.shape))
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
    np.testing.assert_allclose(same(x), np.maximum(x, 0), atol=1e-6)


def test_residual_block_zero_padding_shortcut_and_plain_block():
    inputs = keras.Input((8, 8, 4))
    padded = keras.Model(inputs, builders.residual_block(
        inputs, 8, stride=2, shortcut="A", name="a"))
    plain = keras.Model(inputs, builders.residual_block(
        inputs, 8, stride=2, shortcut=None, name="p"))
    assert padded.output_shape == plain.output_shape == (None, 4, 4, 8)
    # Option A adds no weights: the same count as the plain block.
    assert padded.count_params() == plain.count_params()
    assert not any(isinstance(layer, keras.layers.Add) for layer in plain.layers)
    # With F's last norm zeroed the block is ReLU(shortcut(x)): every other
    # pixel, the input's 4 channels then 4 zero channels.
    for name in ("a_2_norm",):
        for weight in (padded.get_layer(name).gamma, padded.get_layer(name).beta):
            weight.assign(np.zeros(weight.shape))
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 4)).astype("float32")
    expected = np.concatenate([np.maximum(x[:, ::2, ::2], 0),
                               np.zeros((2, 4, 4, 4), "float32")], axis=-1)
    np.testing.assert_allclose(padded(x), expected, atol=1e-6)


def test_resnet_plain_and_residual_cifar_networks():
    # He et al. (2016), Sec. 4.2: 6n + 2 weighted layers; n = 3 is ResNet-20
    # (0.27M parameters); the plain net of the same depth has the same weights
    # as option A.
    def build(shortcut):
        return builders.resnet([3, 3, 3], input_shape=(32, 32, 3), num_classes=10,
                               width=16, stem="small", shortcut=shortcut)
    padded, projected, plain = build("A"), build("B"), build(None)
    weighted = [layer for layer in plain.layers
                if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    assert len(weighted) == 20
    # Convolutions (no bias) 3*3*(3*16 + 6*16*16 + 16*32 + 5*32*32 + 32*64 +
    # 5*64*64), the classifier 64*10 + 10, four variables per channel of the
    # 19 batch norms (16 + 6*16 + 6*32 + 6*64 channels).
    expected = 9 * (48 + 1536 + 512 + 5120 + 2048 + 20480) + 650 + 4 * 688
    assert padded.count_params() == plain.count_params() == expected == 271_098
    assert projected.count_params() > padded.count_params()
    assert sum(isinstance(layer, keras.layers.Add) for layer in padded.layers) == 9


def test_transfer_classifier_freezes_shares_and_fine_tunes():
    base = builders.simple_cnn((28, 28, 1), num_classes=5, seed=0)
    model = builders.transfer_classifier(base, 3, features="flatten_features",
                                         seed=1)
    assert model.output_shape == (None, 3)
    # The features are the base's own variables, not a copy.
    assert model.get_layer("features").get_layer("conv1").kernel is \
        base.get_layer("conv1").kernel
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(16, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 3, size=16)

    def fit():
        model.compile(keras.optimizers.Adam(1e-2),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        before = [w.numpy().copy() for w in (base.get_layer("conv1").kernel,
                                             model.get_layer("head").kernel)]
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        return [not np.array_equal(b, w.numpy()) for b, w in zip(
            before, (base.get_layer("conv1").kernel, model.get_layer("head").kernel))]

    model.get_layer("features").trainable = False
    assert len(model.trainable_weights) == 2  # the head's kernel and bias
    assert fit() == [False, True]  # only the head moves
    norm = base.get_layer("conv1_norm")
    mean = norm.moving_mean.numpy().copy()
    builders.unfreeze(model.get_layer("features"))
    assert fit() == [True, True]  # fine-tuning moves the features too
    # ... but not the batch norms' running averages (nor gamma and beta).
    assert not norm.trainable
    np.testing.assert_array_equal(norm.moving_mean.numpy(), mean)
    # What unfreeze prevents: a trainable batch norm moves its averages in
    # fit.
    norm.trainable = True
    fit()
    assert not np.array_equal(norm.moving_mean.numpy(), mean)
    with pytest.raises(ValueError, match="features.*Received: features='nope'"):
        builders.transfer_classifier(base, 3, features="nope")
    with pytest.raises(TypeError, match="base"):
        builders.transfer_classifier("cnn", 3)
    with pytest.raises(TypeError, match="model"):
        builders.unfreeze("cnn")
    with pytest.raises(TypeError, match="built from its Input"):
        builders.transfer_classifier(keras.Sequential([keras.layers.Dense(2)]), 3)


def test_keras_fit_overrides_a_nested_training_false():
    """The trap `builders.unfreeze` avoids (keras-team/keras#20285): a model
    called with ``training=False`` inside one that ``fit`` trains runs in
    training mode, so its batch norm moves its running averages; this test
    fails, and the docs' warning is stale, once Keras keeps the flag."""
    inner = keras.Sequential([keras.Input((3,)),
                              keras.layers.BatchNormalization(name="norm")])
    inputs = keras.Input((3,))
    outer = keras.Model(inputs, keras.layers.Dense(1)(inner(inputs, training=False)))
    outer.compile(keras.optimizers.SGD(0.01), "mse")
    x = np.random.default_rng(0).normal(5.0, 1.0, size=(16, 3)).astype("float32")
    outer.fit(x, np.zeros((16, 1)), batch_size=16, epochs=1, verbose=0)
    # One step of momentum 0.99 towards a batch mean of 5: 0.05, not 0.
    np.testing.assert_allclose(inner.get_layer("norm").moving_mean.numpy(), 0.05,
                               atol=0.01)


@pytest.mark.parametrize("kind", ["batch", "layer", "group", "instance", None])
def test_normalization_choices(kind):
    model = builders.resnet([1], input_shape=(8, 8, 1), num_classes=2, width=8,
                            stem="small", normalization=kind)
    assert model.output_shape == (None, 2)
    norm = builders.normalization_layer(kind, "n")
    if kind == "instance":
        # Instance norm: each example and channel normalised over H and W.
        x = np.random.default_rng(1).normal(3.0, 2.0, size=(2, 5, 5, 4))
        y = np.asarray(norm(x.astype("float32")))
        np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-5)
        np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, atol=1e-2)
    assert (norm is None) == (kind is None)


@pytest.mark.parametrize("fn, kwargs, argument", [
    (builders.vgg, dict(config="vgg17"), "config"),
    (builders.vgg, dict(config=[8, "M"] * 6, input_shape=(28, 28, 1)), "input_shape"),
    (builders.vgg, dict(config=[8, "X"]), "config"),
    (builders.resnet, dict(depth=20), "depth"),
    (builders.resnet, dict(depth=50, kind="basic"), "kind"),
    (builders.resnet, dict(depth=[2, 2], kind="wide"), "kind"),
    (builders.resnet, dict(normalization="weight"), "normalization"),
    (builders.resnet, dict(shortcut="C"), "shortcut"),
    (builders.simple_cnn, dict(input_shape=(8, 8, 1)), "input_shape"),
    (builders.simple_cnn, dict(pooling="median"), "pooling"),
    (builders.simple_cnn, dict(head="attention"), "head"),
    (builders.simple_cnn, dict(spatial_dropout=1.0), "spatial_dropout"),
    (builders.simple_cnn, dict(num_classes=1), "num_classes"),
    (builders.googlenet, dict(blocks=[(1, 2, 3)]), "blocks"),
])
def test_cnn_bad_arguments(fn, kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        fn(**kwargs)


def test_group_norm_picks_a_divisor_of_the_channels():
    layer = builders.normalization_layer("group", "g", groups=8, channels=52)
    assert layer.groups == 4  # 52 = 4 x 13
    model = builders.googlenet(normalization="group")  # branches of 52, 12 ...
    assert model.output_shape == (None, 10)
