"""What the diffusion lab's exercises share."""

import os


def load_saved(out, filename, exercise):
    """The model that ``--exercise <exercise>`` saved as ``filename`` next to this
    exercise's output folder ``out``.

    Returns:
        ``(model, path)``, or ``(None, path)`` when there is none yet.
    """
    import keras

    path = os.path.join(os.path.dirname(os.path.abspath(out)), filename)
    if not os.path.exists(path):
        return None, path
    print(f"Using the model trained by --exercise {exercise}: {path} (delete it to "
          "retrain).", flush=True)
    return keras.models.load_model(path), path


def check_steps(args):
    """Refuses ``--timesteps`` / ``--sample-steps`` that no sampler can run,
    before anything trains."""
    if args.timesteps < 2 or not 1 <= args.sample_steps <= args.timesteps:
        raise ValueError(
            "Need --timesteps >= 2 and 1 <= --sample-steps <= --timesteps. "
            f"Received: --timesteps={args.timesteps}, "
            f"--sample-steps={args.sample_steps}")
