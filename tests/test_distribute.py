"""keras_genai.distribute: strategies, chief detection and the global batch."""

import json

import numpy as np
import pytest
import tensorflow as tf

from keras_genai import distribute
from keras_genai.data import image_dataset


def test_auto_is_the_default_strategy_without_several_gpus():
    assert not tf.config.list_physical_devices("GPU")
    strat = distribute.strategy("auto")
    assert strat is tf.distribute.get_strategy()
    assert strat.num_replicas_in_sync == 1


def test_auto_and_mirrored_over_named_devices():
    # conftest splits the CPU into two logical devices.
    for kind in ("auto", "mirrored"):
        strat = distribute.strategy(kind, devices=["/cpu:0", "/cpu:1"])
        assert isinstance(strat, tf.distribute.MirroredStrategy)
        assert strat.num_replicas_in_sync == 2


def test_default_with_one_device_pins_it():
    strat = distribute.strategy("default", devices=["/cpu:1"])
    assert isinstance(strat, tf.distribute.OneDeviceStrategy)
    with strat.scope():
        v = tf.Variable(1.0)
    assert v.device.endswith("CPU:1")


def test_mirrored_without_devices_uses_every_local_device():
    strat = distribute.strategy("mirrored")
    assert isinstance(strat, tf.distribute.MirroredStrategy)
    # No GPU here: the (two logical) CPU devices.
    assert strat.num_replicas_in_sync == len(tf.config.list_logical_devices("CPU"))


@pytest.mark.parametrize("kwargs, match", [
    (dict(kind="tpu"), "kind"),
    (dict(kind="mirrored", devices="/cpu:0"), "devices"),
    (dict(kind="mirrored", devices=[]), "devices"),
    (dict(kind="default", devices=["/cpu:0", "/cpu:1"]), "devices"),
    (dict(kind="multiworker", devices=["/cpu:0"]), "devices"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        distribute.strategy(**kwargs)


def test_multiworker_refuses_a_malformed_tf_config(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG"):
        distribute.strategy("multiworker")
    monkeypatch.setenv("TF_CONFIG", json.dumps({"task": {"type": "worker"}}))
    with pytest.raises(ValueError, match="cluster"):
        distribute.strategy("multiworker")


class _Resolver:
    def __init__(self, cluster, task_type, task_id):
        self._cluster = tf.train.ClusterSpec(cluster)
        self.task_type, self.task_id = task_type, task_id

    def cluster_spec(self):
        return self._cluster


class _Strategy:
    def __init__(self, resolver):
        self.cluster_resolver = resolver


def test_is_chief():
    assert distribute.is_chief(distribute.strategy("default"))
    workers = {"worker": ["localhost:1", "localhost:2"]}
    assert distribute.is_chief(_Strategy(_Resolver(workers, "worker", 0)))
    assert not distribute.is_chief(_Strategy(_Resolver(workers, "worker", 1)))
    with_chief = {"chief": ["localhost:0"], **workers}
    assert distribute.is_chief(_Strategy(_Resolver(with_chief, "chief", 0)))
    assert not distribute.is_chief(_Strategy(_Resolver(with_chief, "worker", 0)))


def test_per_replica_batch_size(mirrored_strategy):
    assert distribute.per_replica_batch_size(64) == 64
    assert distribute.per_replica_batch_size(64, mirrored_strategy) == 32
    with pytest.raises(ValueError, match="global_batch_size=63"):
        distribute.per_replica_batch_size(63, mirrored_strategy)
    with pytest.raises(TypeError, match="global_batch_size"):
        distribute.per_replica_batch_size(8.0, mirrored_strategy)


def test_distribute_dataset_checks_the_batch_and_shards_by_data(mirrored_strategy):
    x = np.zeros((20, 4, 4), np.uint8)
    ds = distribute.distribute_dataset(image_dataset(x, batch_size=8),
                                       mirrored_strategy)
    assert (ds.options().experimental_distribute.auto_shard_policy
            == tf.data.experimental.AutoShardPolicy.DATA)
    with pytest.raises(ValueError, match="static batch size"):
        distribute.distribute_dataset(
            image_dataset(x, batch_size=8, drop_remainder=False))
    with pytest.raises(ValueError, match="multiple of the 2 replicas"):
        distribute.distribute_dataset(image_dataset(x, batch_size=5),
                                      mirrored_strategy)
    with pytest.raises(TypeError, match="dataset"):
        distribute.distribute_dataset(x)


def test_each_replica_gets_its_half_of_the_global_batch(mirrored_strategy):
    x = np.arange(8 * 2 * 2, dtype=np.uint8).reshape(8, 2, 2)
    ds = distribute.distribute_dataset(
        image_dataset(x, batch_size=8, shuffle=False, scale=None),
        mirrored_strategy)
    batch = next(iter(mirrored_strategy.experimental_distribute_dataset(ds)))
    halves = [np.asarray(t) for t in mirrored_strategy.experimental_local_results(batch)]
    assert [h.shape[0] for h in halves] == [4, 4]
    np.testing.assert_array_equal(np.concatenate(halves)[..., 0],
                                  x.astype(np.float32))


def test_replicas_keep_their_slices_of_one_global_draw(mirrored_strategy):
    seed = tf.constant([3, 4])
    one = distribute.replica_slice(tf.random.stateless_normal, 4, (2,), seed)
    assert distribute.replica_context() == (1, 0)
    assert float(distribute.scale_to_replicas(tf.constant(2.0))) == 2.0

    @tf.function
    def draw():
        def replica_fn():
            _, replica_id = distribute.replica_context()
            return (distribute.replica_slice(tf.random.stateless_normal, 2, (2,), seed),
                    distribute.scale_to_replicas(tf.constant(2.0)),
                    replica_id)

        return mirrored_strategy.run(replica_fn)

    slices, scaled, ids = (mirrored_strategy.experimental_local_results(r)
                           for r in draw())
    np.testing.assert_array_equal(np.concatenate(slices), one)
    assert [float(s) for s in scaled] == [1.0, 1.0]
    assert [int(i) for i in ids] == [0, 1]


def test_unused_gpu_warning_only_with_a_driver_and_no_gpu(tmp_path, monkeypatch):
    driver = tmp_path / "version"
    # No driver: nothing to say.
    assert distribute.unused_gpu_warning(str(driver)) is None
    driver.write_text("NVRM version: 550.54\n")
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    message = distribute.unused_gpu_warning(str(driver))
    assert "sees no GPU" in message and tf.__version__ in message
    # A GPU seen: nothing to say.
    monkeypatch.setattr(tf.config, "list_physical_devices",
                        lambda kind=None: ["/physical_device:GPU:0"])
    assert distribute.unused_gpu_warning(str(driver)) is None


def test_a_lab_prints_the_warning_at_its_start(monkeypatch, capsys, tmp_path):
    from units import unit1_mlp

    monkeypatch.setattr(distribute, "unused_gpu_warning",
                        lambda: "WARNING: no GPU seen")
    unit1_mlp.LAB.run("xor", out=str(tmp_path), epochs=1, verbose=0)
    assert "WARNING: no GPU seen" in capsys.readouterr().out
