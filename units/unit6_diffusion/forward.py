"""Exercise ``forward``: the noising process and its schedules."""

import os

import numpy as np
import tensorflow as tf

from keras_genai import data
from keras_genai import viz
from keras_genai.data.pipeline import scale_images
from keras_genai.diffusion import NoiseSchedule
from units.lab import Row
from units.lab import Run
from units.lab import exercise


@exercise("forward", "A digit noised over t (linear vs cosine schedule), alpha_bar "
                     "curves, step-by-step vs closed form.")
def forward(run: Run) -> dict:
    """A digit noised over t with the linear and cosine schedules, their
    alpha_bar_t curves, and t single steps q(x_t | x_{t-1}) against the closed
    form q(x_t | x_0) (the notes' form drops a square root and uses alpha_t for
    alpha_bar_t)."""
    (x, _), _ = data.load_digits()
    x0 = scale_images(x[:1, ..., None], scale="tanh").numpy()
    times = [0, 50, 100, 200, 300, 500, 700, 999]
    rows, summary = [], {}
    schedules = {kind: NoiseSchedule(kind, timesteps=1000)
                 for kind in ("linear", "cosine")}
    noise = tf.random.stateless_normal((len(times),) + x0.shape[1:], (run.seed, 0))
    for kind, schedule in schedules.items():
        x_t = schedule.q_sample(np.repeat(x0, len(times), 0), tf.constant(times),
                                noise)
        rows.append(x_t.numpy())
        a = schedule.alpha_bars
        summary[f"{kind}_alpha_bar"] = Row(
            [float(a[t]) for t in (249, 499, 749, 999)],
            f"{kind}: alpha_bar at t = 250, 500, 750, 1000", "{:.3g}")
        summary[f"{kind}_t_below_10_percent"] = Row(
            int(np.argmax(a < 0.1)) + 1,
            f"{kind}: first t where the image holds < 10% of the variance")
    grid = viz.save_image_grid(np.concatenate(rows),
                               os.path.join(run.out, "noising.png"), value_range=(-1, 1),
                               cols=len(times),
                               title="x_t at t = " + ", ".join(
                                   str(t + 1) for t in times)
                               + " (rows: linear, cosine)")
    curves = viz.plot_curves(
        {kind: s.alpha_bars for kind, s in schedules.items()},
        os.path.join(run.out, "alpha_bar.png"), xlabel="t", ylabel="alpha_bar_t",
        title="signal kept: alpha_bar_t", x=np.arange(1, 1001))
    # t single steps q(x_t | x_{t-1}) against the closed form q(x_t | x_0), on
    # 20,000 copies of one pixel value.
    schedule = schedules["linear"]
    rng = np.random.default_rng(run.seed)
    pixel, steps, n = 0.7, 300, 20_000
    chain = tf.fill((n, 1), pixel)
    for t in range(steps):
        chain = schedule.q_step(chain, t, rng.standard_normal((n, 1)).astype("float32"))
    a = schedule.alpha_bars[steps - 1]
    chain = chain.numpy()
    return {
        **summary,
        "chain_mean": Row(float(chain.mean()), f"{steps} single steps: mean of x_t",
                          "{:.4f}"),
        "chain_std": Row(float(chain.std()), f"{steps} single steps: std of x_t",
                         "{:.4f}"),
        "closed_mean": Row(float(np.sqrt(a) * pixel),
                           "closed form: mean sqrt(alpha_bar) x0", "{:.4f}"),
        "closed_std": Row(float(np.sqrt(1 - a)), "closed form: std "
                                                 "sqrt(1 - alpha_bar)", "{:.4f}"),
        # The notes' closed form: sqrt(alpha_t) x_0 + (1 - alpha_t) eps.
        "notes_digit_share": Row(float(np.sqrt(schedule.alphas[-1])),
                                 "notes' formula at t = T: share of x_T that is "
                                 "still the digit", "{:.1%}"),
        "digit_share": Row(float(np.sqrt(schedule.alpha_bars[-1])),
                           "the correct form at t = T: share of x_T that is still "
                           "the digit", "{:.2%}"),
        "noising": grid,
        "alpha_bar_curves": curves,
    }
