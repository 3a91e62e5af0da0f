"""Probability lab exercise ``bayes``: Bayes' rule worked by hand and checked by
counting, on the course notes' flu example and on a Gaussian mixture, whose
``p(z | x)`` is what a VAE's encoder approximates."""

import os

import numpy as np

from keras_genai import probability
from keras_genai import viz
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

# The two-component mixture of the second part: p(z = k), and x | z = k.
MIXTURE = {"weights": (0.3, 0.7), "means": (-2.0, 1.0), "stds": (1.0, 0.5)}


def _flu(students, girls, draws, seed):
    """The posterior that each student is the patient, exact and by
    simulation, under each piece of evidence."""
    is_girl = np.arange(students) < girls
    prior = np.full(students, 1.0 / students)
    evidence = {
        "none (the prior)": np.ones(students),
        # The class's make-up says nothing about which student is ill.
        f"the class has {girls} girls and {students - girls} boys": np.ones(students),
        "the patient is a girl": is_girl.astype(float),
        "the patient is a boy": (~is_girl).astype(float),
    }
    patient = np.random.default_rng(seed).integers(0, students, draws)
    rows = {}
    for name, likelihood in evidence.items():
        exact = probability.bayes_posterior(prior, likelihood)
        # Counting: keep the draws where the evidence holds.
        kept = patient[likelihood[patient] > 0]
        counted = np.bincount(kept, minlength=students) / max(len(kept), 1)
        rows[name] = {"a girl": float(exact[0]), "a boy": float(exact[-1]),
                      "a girl, counted": float(counted[:girls].mean()),
                      "a boy, counted": float(counted[girls:].mean())}
    return rows


@exercise("bayes", "Bayes' rule: the notes' flu example (with the patient's sex as "
                   "evidence) and p(z | x) of a Gaussian mixture, exact against "
                   "counted.")
def bayes(run: Run, *, students: Count = 20, girls: Count = 5,
          draws: Count = 400_000) -> dict:
    """The flu example, then ``p(z | x)`` of `MIXTURE`, each exact (Bayes' rule)
    and by counting ``draws`` simulated draws.

    Args:
        students: students in the class (one has flu).
        girls: how many of them are girls.
        draws: simulated draws of each part.
    """
    if girls >= students:
        raise ValueError(f"`girls` must be fewer than `students` ({students}). "
                         f"Received: girls={girls}")
    flu = _flu(students, girls, draws, run.seed)
    # p(z | x) of the mixture: exact on a grid, against the share of draws of
    # each component among the draws that land in each bin of x.
    rng = np.random.default_rng(run.seed)
    weights, means, stds = (np.array(MIXTURE[k]) for k in ("weights", "means",
                                                          "stds"))
    z = (rng.random(draws) < weights[1]).astype(int)
    x = rng.normal(means[z], stds[z])
    edges = np.linspace(-4.0, 4.5, 86)
    centres = (edges[:-1] + edges[1:]) / 2.0
    which = np.digitize(x, edges) - 1
    inside = (which >= 0) & (which < len(centres))
    counts = np.bincount(which[inside], minlength=len(centres))
    ones = np.bincount(which[inside], weights=z[inside], minlength=len(centres))
    filled = counts >= 100
    counted = ones[filled] / counts[filled]
    exact = probability.gaussian_mixture_posterior(centres, weights, means, stds)[:, 1]
    error = np.abs(counted - exact[filled])
    # Where p(z = 2 | x) crosses 1/2: the narrower component loses in both
    # tails, so there are two crossings.
    fine = np.linspace(-6.0, 6.0, 120_001)
    above = probability.gaussian_mixture_posterior(fine, weights, means,
                                                   stds)[:, 1] > 0.5
    boundaries = fine[1:][above[1:] != above[:-1]]
    figure = viz.plot_curves(
        {"exact p(z=2 | x)": (centres, exact),
         "counted": (centres[filled], counted),
         "p(x), scaled": (centres, counts / counts.max())},
        os.path.join(run.out, "mixture_posterior.png"), xlabel="x",
        ylabel="probability", title="p(z = 2 | x) of 0.3 N(-2, 1) + 0.7 N(1, 0.5^2)")
    return {
        "flu": Row(flu, f"p(a given student is the patient), {students} students, "
                        f"{girls} girls", "{:.4f}"),
        "mixture": Row(MIXTURE, "mixture: p(z), x | z"),
        "posterior_max_error": Row(float(error.max()), "p(z | x): largest gap, "
                                   "exact vs counted", "{:.4f}",
                                   note=f"{int(filled.sum())} bins of x with >= 100 "
                                        "draws"),
        "posterior_mean_error": Row(float(error.mean()), "p(z | x): mean gap",
                                    "{:.4f}"),
        "decision_boundaries": Row([float(b) for b in boundaries],
                                   "x where p(z = 2 | x) = 1/2", "{:.2f}",
                                   note="not halfway between the means (-0.5), "
                                        "and twice: the weights and widths "
                                        "differ"),
        "figure": figure,
    }
