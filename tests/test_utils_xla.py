"""keras_genai.utils.jit_blockers, and models refusing XLA with the reason."""

import keras
import pytest

from keras_genai import builders
from keras_genai.models import GAN
from keras_genai.utils import jit_blockers
from keras_genai.utils import set_seed


def test_blockers_name_string_layers_and_nothing_for_convolutions(op_determinism_off):
    assert jit_blockers(builders.dcgan_generator(8, (8, 8, 1), filters=(4,))) == []
    reasons = jit_blockers(builders.text_encoder(["a", "b"], sequence_length=2,
                                                 embedding_dim=4))
    assert any("'tokenize' (TextVectorization)" in r for r in reasons), reasons


def test_determinism_turns_xla_off_with_a_warning(op_determinism_off):
    model = GAN(builders.dcgan_generator(8, (8, 8, 1), filters=(4,)),
                builders.dcgan_discriminator((8, 8, 1), filters=(4,)), latent_dim=8)
    set_seed(0, deterministic=True)
    with pytest.warns(UserWarning, match="determinism"):
        model.compile(d_optimizer=keras.optimizers.Adam(),
                      g_optimizer=keras.optimizers.Adam(), jit_compile=True)
    assert model.jit_compile is False
    set_seed(0, deterministic=False)
    model.jit_compile = True
    assert model.jit_compile is True
