"""The probability under the generative models, on cases small enough to
compute exactly: Bayes' rule for a mixture; ``log p(x)``, the ELBO and
``KL(q || p(z|x))`` of a one-dimensional latent model by quadrature; and the
GAN's optimal discriminator, value and Jensen-Shannon divergence for 1-D
densities.

NumPy in, NumPy out, like `keras_genai.information`: these check by hand what
the VAE (`keras_genai.models.VAE`) only bounds.

Example:

>>> gaussian_mixture_posterior(0.0, [0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]).tolist()
[[0.5, 0.5]]
"""

import numpy as np


def _as_array(name, value, ndim=None):
    value = np.asarray(value, dtype=np.float64)
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"`{name}` must have {ndim} axes. Received: "
                         f"{name}.shape={value.shape}")
    return value


def normal_log_pdf(x, mean=0.0, std=1.0):
    """``log N(x; mean, std^2) = -1/2 ((x - mean) / std)^2 - log(std sqrt(2 pi))``.

    Example:

    >>> round(float(normal_log_pdf(0.0)), 4)
    -0.9189
    """
    std = _as_array("std", std)
    if np.any(std <= 0):
        raise ValueError(f"`std` must be > 0. Received: std={std!r}")
    x = _as_array("x", x)
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std * np.sqrt(2.0 * np.pi))


def bayes_posterior(prior, likelihood):
    """``p(h | e) = p(e | h) p(h) / p(e)``, ``p(e) = sum_h p(e | h) p(h)``, for
    discrete hypotheses ``h`` (Bayes' theorem).

    Args:
        prior: ``(H,)`` probabilities of the hypotheses, summing to 1.
        likelihood: ``(H,)`` probability of the evidence under each
            hypothesis (need not sum to 1).

    Returns:
        ``(H,)`` posterior probabilities.

    Example:

    >>> # 20 students, one has flu; the evidence: the patient is a girl (5 of 20).
    >>> bayes_posterior(np.full(20, 1 / 20), [1.0] * 5 + [0.0] * 15)[:6].tolist()
    [0.2, 0.2, 0.2, 0.2, 0.2, 0.0]
    """
    prior = _as_array("prior", prior, ndim=1)
    likelihood = _as_array("likelihood", likelihood, ndim=1)
    if prior.shape != likelihood.shape:
        raise ValueError("`prior` and `likelihood` must have the same shape. "
                         f"Received: {prior.shape} and {likelihood.shape}")
    if np.any(prior < 0) or not np.isclose(prior.sum(), 1.0):
        raise ValueError(f"`prior` must be probabilities summing to 1. Received: "
                         f"prior={prior!r:.200}")
    if np.any(likelihood < 0) or np.any(likelihood > 1):
        raise ValueError("`likelihood` must be probabilities in [0, 1]. "
                         f"Received: likelihood={likelihood!r:.200}")
    joint = prior * likelihood
    evidence = joint.sum()
    if evidence == 0:
        raise ValueError("The evidence has probability 0 under every hypothesis.")
    return joint / evidence


def gaussian_mixture_posterior(x, weights, means, stds):
    """``p(z = k | x)`` of a one-dimensional Gaussian mixture ``p(x) = sum_k
    w_k N(x; m_k, s_k^2)`` by Bayes' rule: ``w_k N(x; m_k, s_k^2) / p(x)``,
    computed in log space.

    Args:
        x: points, any shape (flattened).
        weights: ``(K,)`` mixture weights, summing to 1.
        means: ``(K,)`` component means.
        stds: ``(K,)`` component standard deviations.

    Returns:
        ``(N, K)`` posterior probabilities of the components.

    Example:

    >>> gaussian_mixture_posterior([-5.0], [0.5, 0.5], [-1, 1], [1, 1]).round(4)
    array([[1., 0.]])
    """
    weights = _as_array("weights", weights, ndim=1)
    means = _as_array("means", means, ndim=1)
    stds = _as_array("stds", stds, ndim=1)
    if not weights.shape == means.shape == stds.shape:
        raise ValueError("`weights`, `means` and `stds` must have the same shape. "
                         f"Received: {weights.shape}, {means.shape}, {stds.shape}")
    if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"`weights` must sum to 1. Received: weights={weights!r}")
    x = _as_array("x", x).reshape(-1, 1)
    with np.errstate(divide="ignore"):
        log_joint = np.log(weights) + normal_log_pdf(x, means, stds)
    log_joint -= log_joint.max(axis=1, keepdims=True)
    joint = np.exp(log_joint)
    return joint / joint.sum(axis=1, keepdims=True)


def _log_trapezoid(log_values, z):
    """``log of the trapezoid integral of exp(log_values)`` over the grid ``z``,
    without overflow."""
    top = log_values.max()
    return top + np.log(np.trapezoid(np.exp(log_values - top), z))


def latent_bound_by_quadrature(log_likelihood, q_mean, q_std, z=None):
    """``log p(x)``, the ELBO of ``q(z) = N(q_mean, q_std^2)`` and ``KL(q ||
    p(z|x))`` of a one-dimensional latent model with prior ``p(z) = N(0, 1)``,
    each computed by quadrature on the grid ``z``.

    Kingma & Welling (2014), eq. 1-3: for any ``q``,

        log p(x) = ELBO(q) + KL(q(z) || p(z|x)),
        ELBO(q) = E_q[log p(x|z) + log p(z) - log q(z)],

    so the ELBO is a lower bound, tight exactly when ``q`` is the posterior
    ``p(z|x) = p(x|z) p(z) / p(x)``. Here the three terms are integrated
    separately, so the identity is a check, not an assumption.

    Args:
        log_likelihood: a function ``z -> log p(x|z)`` for the fixed
            observation ``x``, vectorised over a NumPy array of ``z``.
        q_mean: the mean of ``q``.
        q_std: the standard deviation of ``q`` (> 0).
        z: the quadrature grid (default: 20,001 points on ``[-10, 10]``).

    Returns:
        A dict of floats: ``log_evidence``, ``elbo``, ``kl`` (``KL(q ||
        p(z|x))``), ``gap`` (``log_evidence - elbo``).

    Example:

    >>> # x | z ~ N(z, 1), x = 1: the posterior is N(1/2, 1/2), and q is it.
    >>> r = latent_bound_by_quadrature(lambda z: normal_log_pdf(1.0, z), 0.5,
    ...                                np.sqrt(0.5))
    >>> round(r["kl"], 6), round(r["log_evidence"], 4)  # log N(1; 0, 2)
    (0.0, -1.5155)
    """
    if not q_std > 0:
        raise ValueError(f"`q_std` must be > 0. Received: q_std={q_std!r}")
    z = np.linspace(-10.0, 10.0, 20_001) if z is None else _as_array("z", z, ndim=1)
    log_joint = np.asarray(log_likelihood(z), np.float64) + normal_log_pdf(z)
    if log_joint.shape != z.shape:
        raise ValueError("`log_likelihood(z)` must return one value per grid "
                         f"point. Received: shape {log_joint.shape} for "
                         f"{z.shape} points")
    log_evidence = _log_trapezoid(log_joint, z)
    log_q = normal_log_pdf(z, q_mean, q_std)
    q = np.exp(log_q)
    # Where q underflows to 0 its terms are 0, even where p(x|z) is 0 too.
    with np.errstate(invalid="ignore"):
        elbo = np.trapezoid(np.where(q > 0, q * (log_joint - log_q), 0.0), z)
        log_posterior = log_joint - log_evidence
        kl = np.trapezoid(np.where(q > 0, q * (log_q - log_posterior), 0.0), z)
    return {"log_evidence": float(log_evidence), "elbo": float(elbo),
            "kl": float(kl), "gap": float(log_evidence - elbo)}


def _check_densities(p_data, p_g, x):
    x = _as_array("x", x, ndim=1)
    p_data = _as_array("p_data", p_data)
    p_g = _as_array("p_g", p_g)
    if not p_data.shape == p_g.shape == x.shape:
        raise ValueError("`p_data`, `p_g` and `x` must be densities on one grid. "
                         f"Received: shapes {p_data.shape}, {p_g.shape}, {x.shape}")
    if np.any(p_data < 0) or np.any(p_g < 0):
        raise ValueError("`p_data` and `p_g` must be densities (>= 0).")
    return p_data, p_g, x


def optimal_discriminator(p_data, p_g):
    """``D*(x) = p_data(x) / (p_data(x) + p_g(x))``, the discriminator that
    maximises ``V(D, G)`` for a fixed generator (Goodfellow et al. 2014,
    Proposition 1); 1/2 where both densities are 0.

    Example:

    >>> optimal_discriminator(np.array([3.0, 1.0, 0.0]), np.array([1.0, 1.0, 0.0]))
    array([0.75, 0.5 , 0.5 ])
    """
    p_data, p_g = _as_array("p_data", p_data), _as_array("p_g", p_g)
    total = p_data + p_g
    return np.where(total > 0, p_data / np.where(total > 0, total, 1.0), 0.5)


def gan_value(discriminator, p_data, p_g, x):
    """``V(D, G) = E_p_data[log D(x)] + E_p_g[log(1 - D(x))]`` (Goodfellow et
    al. 2014, eq. 1) for densities on the grid ``x``, by the trapezoid rule.

    Args:
        discriminator: ``D(x)`` on the grid, in ``(0, 1)``.
        p_data: the data's density on the grid.
        p_g: the generator's density on the grid.
        x: the grid (1-D, increasing).

    Returns:
        A float (nats).

    Example:

    >>> x = np.linspace(-8, 8, 4001)
    >>> p = np.exp(normal_log_pdf(x))
    >>> round(gan_value(optimal_discriminator(p, p), p, p, x), 4)  # -log 4
    -1.3863
    """
    p_data, p_g, x = _check_densities(p_data, p_g, x)
    d = np.clip(_as_array("discriminator", discriminator), 1e-300, 1.0 - 1e-16)
    with np.errstate(divide="ignore", invalid="ignore"):
        real = np.where(p_data > 0, p_data * np.log(d), 0.0)
        fake = np.where(p_g > 0, p_g * np.log1p(-d), 0.0)
    return float(np.trapezoid(real + fake, x))


def jensen_shannon(p_data, p_g, x):
    """``JS(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m)``, ``m = (p + q) / 2``,
    of densities on the grid ``x`` (nats; between 0 and ``log 2``).

    At the optimal discriminator the GAN's value is ``V(D*, G) = 2 JS(p_data
    || p_g) - log 4`` (Goodfellow et al. 2014, Theorem 1): training G against
    D* minimises the Jensen-Shannon divergence.

    Example:

    >>> x = np.linspace(-8, 8, 4001)
    >>> p = np.exp(normal_log_pdf(x))
    >>> jensen_shannon(p, p, x)
    0.0
    """
    p_data, p_g, x = _check_densities(p_data, p_g, x)
    m = (p_data + p_g) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p_data > 0, p_data * np.log(p_data / m), 0.0)
        kl_q = np.where(p_g > 0, p_g * np.log(p_g / m), 0.0)
    return float(max(0.5 * np.trapezoid(kl_p, x) + 0.5 * np.trapezoid(kl_q, x), 0.0))


__all__ = ["bayes_posterior", "gan_value", "gaussian_mixture_posterior",
           "jensen_shannon", "latent_bound_by_quadrature", "normal_log_pdf",
           "optimal_discriminator"]
