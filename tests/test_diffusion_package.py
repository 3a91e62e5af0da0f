"""keras_genai.diffusion as a package: the deprecated modules
keras_genai.schedules and keras_genai.image_sampling re-export its names and
warn only when used, a DiffusionModel saved before the package existed still
loads with the same numbers, and conditioned models' configs round-trip."""

import importlib
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai import builders
from keras_genai import diffusion
from keras_genai.diffusion import NoiseSchedule
from keras_genai.models import DiffusionModel
from keras_genai.utils import compat

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO_ROOT, "tests", "data")

# In a fresh interpreter: what importing the package, the old modules and the
# old attribute warns.
_IMPORTS = r"""
import json, sys, warnings
warnings.simplefilter("always")
ours = lambda caught: [(str(w.message), w.filename) for w in caught
                       if issubclass(w.category, DeprecationWarning)
                       and "keras_genai" in str(w.message)]
with warnings.catch_warnings(record=True) as package:
    warnings.simplefilter("always")
    import keras_genai
lazy = "keras_genai.schedules" not in sys.modules and (
    "keras_genai.image_sampling" not in sys.modules)
with warnings.catch_warnings(record=True) as module:
    warnings.simplefilter("always")
    import keras_genai.schedules
with warnings.catch_warnings(record=True) as attribute:
    warnings.simplefilter("always")
    keras_genai.image_sampling.repaint_loop
print(json.dumps({"package": ours(package), "lazy": lazy, "module": ours(module),
                  "attribute": ours(attribute), "here": __file__}))
"""


def test_import_keras_genai_does_not_warn_and_the_old_paths_warn_once(tmp_path):
    script = tmp_path / "uses_old_paths.py"
    script.write_text(_IMPORTS)
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, KERAS_HOME=str(tmp_path / "home"))
    out = subprocess.run([sys.executable, str(script)], capture_output=True,
                         text=True, env=env, cwd=str(tmp_path), check=True).stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert report["package"] == [] and report["lazy"], report
    (message, _), = report["module"]
    assert message == ("keras_genai.schedules is deprecated: import from "
                       "keras_genai.diffusion")
    (message, filename), = report["attribute"]
    assert message == ("keras_genai.image_sampling is deprecated: import from "
                       "keras_genai.diffusion")
    assert filename == report["here"]  # the warning names the caller's line


@pytest.mark.parametrize("name, names", [
    ("schedules", ["NoiseSchedule", "cosine_beta_schedule", "linear_beta_schedule",
                   "run_chain", "sample_loop"]),
    ("image_sampling", ["repaint_levels", "repaint_loop", "sdedit_loop",
                        "sdedit_start", "sdedit_steps"]),
])
def test_the_old_modules_re_export_the_same_objects(name, names):
    sys.modules.pop(f"keras_genai.{name}", None)
    with pytest.warns(DeprecationWarning, match=f"keras_genai.{name} is deprecated"):
        old = importlib.import_module(f"keras_genai.{name}")
    assert sorted(old.__all__) == sorted(names)
    for attr in names:
        assert getattr(old, attr) is getattr(diffusion, attr), attr


@pytest.mark.skipif(
    compat.KERAS_VERSION < (3, 15),
    reason="the file was written by Keras 3.15; older Keras cannot read its "
           "layer configs (Keras keeps backward, not forward, compatibility)")
def test_a_model_saved_before_the_package_loads_with_the_same_numbers():
    """tests/data/diffusion_before_package.keras: a class-conditional model
    (3 classes, 8x8x1 images, one-level U-Net of width 4, cosine T = 50),
    Adam(1e-3), one training step, saved by keras_genai.schedules'
    NoiseSchedule (see tests/data/README.md)."""
    model = keras.models.load_model(os.path.join(DATA, "diffusion_before_package.keras"))
    stored = np.load(os.path.join(DATA, "diffusion_before_package.npz"))
    assert isinstance(model, DiffusionModel)
    assert isinstance(model.schedule, NoiseSchedule)
    assert model.schedule.get_config() == {"schedule": "cosine", "timesteps": 50}
    assert isinstance(model.conditioning, diffusion.ClassLabels)
    assert model.num_classes == 3 and model.DATA == ("images", "labels")
    # The optimizer's state came back: one step, non-zero moments.
    assert int(model.optimizer.iterations) == 1
    assert sum(float(np.abs(v.numpy()).sum()) for v in model.optimizer.variables[1:]) > 0
    x_t, t, labels = stored["x_t"], stored["t"], tf.constant(stored["labels"])
    for key, w in (("guided", 2.0), ("unguided", 1.0)):
        np.testing.assert_allclose(model.guided_noise(x_t, t, labels, w), stored[key],
                                   rtol=1e-6, atol=1e-7, err_msg=key)
    np.testing.assert_allclose(model([x_t, t, labels]), stored["call"], rtol=1e-6,
                               atol=1e-7)


TINY = {"widths": (4,), "attention_levels": (), "heads": 1}


@pytest.mark.parametrize("kind", ["text", "image", "none"])
def test_conditioned_models_round_trip_their_config(kind):
    shape = (8, 8, 1)
    if kind == "text":
        network = builders.diffusion_unet(shape, text_embedding_dim=4, **TINY)
        encoder = builders.text_encoder(["a", "dark", "square"], sequence_length=3,
                                        embedding_dim=4)
        model = DiffusionModel(network, NoiseSchedule(betas=[0.1, 0.2, 0.3]),
                               text_encoder=encoder, seed=0)
        expected, data = diffusion.Captions, ("images", "captions")
    elif kind == "image":
        network = builders.diffusion_unet(shape, condition_channels=2, **TINY)
        model = DiffusionModel(network, NoiseSchedule("cosine", timesteps=20),
                               image_condition=True, seed=0)
        expected, data = diffusion.ConditionImages, ("images", "condition")
    else:
        network = builders.diffusion_unet(shape, **TINY)
        model = DiffusionModel(network, seed=0)
        expected, data = diffusion.Unconditional, ("images",)
    config = model.get_config()
    # The constructor's arguments, as before the package: no "conditioning".
    assert "conditioning" not in config
    assert {"num_classes", "text_encoder", "image_condition"} <= set(config)
    again = DiffusionModel.from_config(json.loads(json.dumps(config)))
    for m in (model, again):
        assert type(m.conditioning) is expected and m.DATA == data
    assert _plain(again.get_config()) == _plain(config)
    assert again.condition_shape == ((8, 8, 2) if kind == "image" else None)
    assert [s.name for s in _specs(again)] == {
        "text": ["prompts"], "image": ["conditions"], "none": []}[kind]
    np.testing.assert_array_equal(again.schedule.betas, model.schedule.betas)


def _plain(config):
    """``config`` without its networks, as JSON would store it."""
    return json.loads(json.dumps({k: v for k, v in config.items()
                                  if k not in ("network", "text_encoder")}))


def _specs(model):
    spec = model.conditioning.spec()
    return [] if spec is None else [spec]
