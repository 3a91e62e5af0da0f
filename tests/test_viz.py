"""keras_genai.viz: grid tiling by hand, PNG files."""

import numpy as np
import pytest

from keras_genai import viz


def test_tile_images_layout_and_scaling():
    images = np.stack([np.full((2, 3), v, np.float32) for v in (-1.0, 0.0, 1.0)])
    grid = viz.tile_images(images, value_range=(-1, 1), cols=2, pad=1)
    assert grid.shape == (2 * 3 - 1, 2 * 4 - 1)
    assert grid[0, 0] == 0.0 and grid[0, 4] == 0.5 and grid[3, 0] == 1.0
    assert grid[2, 0] == 1.0  # padding is white
    assert grid[3, 4] == 1.0  # the empty cell is white


def test_tile_images_rgb_and_errors():
    assert viz.tile_images(np.zeros((4, 5, 5, 3))).shape == (11, 11, 3)
    with pytest.raises(ValueError, match="images"):
        viz.tile_images(np.zeros((4, 5, 5, 2)))


def test_figures_are_png_files(tmp_path):
    paths = [
        viz.save_image_grid(np.zeros((4, 8, 8, 1)), str(tmp_path / "a" / "grid.png"),
                            title="t"),
        viz.plot_history({"d_loss": [1.0, 0.9], "g_loss": [0.7, 0.8]},
                         str(tmp_path / "losses.png")),
        viz.plot_class_histogram(np.arange(10), str(tmp_path / "hist.png")),
    ]
    for path in paths:
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_new_figures_are_png_files(tmp_path):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([0, 1, 1, 0])
    paths = [
        viz.plot_curves({"a": [1.0, 0.5, 0.2], "b": (np.arange(3), [3, 2, 1])},
                        str(tmp_path / "curves.png"), logy=True, title="t"),
        viz.plot_decision_boundaries({"x1 > 0.5": lambda p: p[:, 0],
                                      "never": lambda p: np.zeros(len(p))},
                                     x, y, str(tmp_path / "regions.png"),
                                     resolution=20),
        viz.plot_feature_maps({"input": np.zeros((8, 8)),
                               "conv": np.random.default_rng(0).normal(
                                   size=(6, 6, 20))},
                              str(tmp_path / "maps.png"), max_channels=4),
    ]
    for path in paths:
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="shape"):
        viz.plot_feature_maps({"bad": np.zeros((2, 2, 2, 2))},
                              str(tmp_path / "bad.png"))


def test_point_grid_is_a_png_with_one_panel_per_cell(tmp_path):
    rng = np.random.default_rng(0)
    rows = {"a": [("step 1", rng.normal(size=(50, 2))), ("step 2", rng.normal(size=(50, 2)))],
            "b": [("step 1", rng.normal(size=(50, 2)))]}
    path = viz.plot_point_grid(rows, str(tmp_path / "ring.png"),
                               centres=np.eye(2), title="t")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_show_displays_each_png_of_a_summary_in_order(tmp_path, monkeypatch):
    from IPython import display

    grids = viz.save_image_grid(np.zeros((4, 8, 8, 1)), str(tmp_path / "a.png"))
    curves = viz.plot_curves({"loss": [3.0, 2.0]}, str(tmp_path / "b.png"))
    summary = {"fid": 43.3, "grid": grids, "missing": str(tmp_path / "c.png"),
               "notes": "text.png is not a file", "figures": [curves, grids],
               "nested": {"x": {"y": curves}}}
    assert viz.figure_paths(summary) == [grids, curves, grids, curves]
    shown = []
    monkeypatch.setattr(display, "display", lambda *objects: shown.extend(objects))
    assert viz.show(summary, width=200) == [grids, curves, grids, curves]
    images = [o for o in shown if isinstance(o, display.Image)]
    assert len(images) == 4 and images[0].width == 200
    assert images[1].data == open(curves, "rb").read()
    assert viz.show({"fid": 1.0}) == []
    with pytest.raises(ValueError, match="Received: width=0"):
        viz.show(summary, width=0)
