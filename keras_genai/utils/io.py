"""Atomic writes and the cache folder.

Checkpoints, exports and caches are written to a temporary path beside their target
and moved into place with one ``os.replace``, so an interrupted process never leaves a
half-written file where a good one was.
"""

import contextlib
import os
import shutil
import tempfile

import keras

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; concurrent writers stay atomic
    fcntl = None


def cache_dir(subdir="keras_genai"):
    """Returns (and creates) the cache folder, under the Keras cache dir.

    The Keras cache dir is ``$KERAS_HOME`` when set, else ``~/.keras``; when that is
    not writable, ``<tmp>/.keras`` is used, as ``keras.utils.get_file`` does.

    Args:
        subdir: folder name inside the Keras cache dir.

    Returns:
        The absolute path of the folder.

    Example:

    >>> path = cache_dir()
    >>> os.path.isdir(path)
    True
    """
    base = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    path = os.path.join(base, subdir)
    try:
        os.makedirs(path, exist_ok=True)
        if not os.access(path, os.W_OK):
            raise PermissionError(path)
    except OSError:
        path = os.path.join(tempfile.gettempdir(), ".keras", subdir)
        os.makedirs(path, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_file(path):
    """Yields a temporary file path that replaces ``path`` when the block succeeds.

    The temporary file lives in the target's folder (so the final ``os.replace`` is
    atomic) and keeps the target's extension (Keras checks ``.keras`` suffixes). If
    the block raises, the temporary file is removed and ``path`` is left untouched.

    Args:
        path: the final file path.

    Yields:
        The temporary path to write to.

    Example:

    >>> with atomic_file("/tmp/example.npz") as tmp:
    ...     np.savez(tmp, a=1)
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    base = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=f".tmp{_suffix(base)}",
                               dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def file_lock(path):
    """Holds an exclusive advisory lock on the file ``path`` during the block.

    Processes that build the same cached file (two labs started at once, two test
    workers) take turns, so the second one finds the first one's result instead of
    building it again. Where the lock cannot be had (no ``fcntl`` on Windows, a
    read-only folder) the block runs unlocked: `atomic_file` still keeps the cache
    whole, and only the work may be done twice.

    Args:
        path: the lock file (created if missing; left in place).

    Example:

    >>> with file_lock(os.path.join(cache_dir(), "classifier.lock")):
    ...     build_or_load()
    """
    try:
        handle = open(os.fspath(path), "a") if fcntl is not None else None
    except OSError:
        handle = None
    if handle is None:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def atomic_directory(path):
    """Yields a temporary folder that replaces the folder ``path`` when the block
    succeeds.

    Used for SavedModel exports. An existing folder at ``path`` is moved aside
    first and deleted only once the new one is in place; if the block raises, the
    temporary folder is removed and ``path`` keeps its old contents.

    Args:
        path: the final folder path.

    Yields:
        The temporary folder path (it does not exist yet; the writer creates it).

    Example:

    >>> with atomic_directory("saved_models/unit4_dcgan") as tmp:
    ...     model.export(tmp)
    """
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", dir=parent)
    tmp = os.path.join(work, "new")
    try:
        yield tmp
        if not os.path.isdir(tmp):
            raise FileNotFoundError(
                f"Nothing was written to the temporary folder {tmp!r}."
            )
        old = os.path.join(work, "old")
        if os.path.exists(path):
            os.replace(path, old)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _suffix(name):
    """Returns the extension of ``name`` (``'.keras'``, ``'.weights.h5'``...)."""
    if name.endswith(".weights.h5"):
        return ".weights.h5"
    return os.path.splitext(name)[1]


def export_saved_model(model, path):
    """Exports a plain Keras model as a SavedModel, atomically.

    ``model.export`` writes into its target folder as it goes; this writes to a
    temporary sibling folder and moves it into place, so an interrupted export
    leaves the previous SavedModel (or nothing) at ``path``. The SavedModel's
    ``serve`` endpoint runs the model in inference mode.

    Args:
        model: a built `keras.Model`.
        path: target folder (replaced if it exists).

    Returns:
        ``path``.

    Example:

    >>> export_saved_model(model, "saved_models/unit1_digits_mlp")
    """
    with atomic_directory(path) as tmp:
        model.export(tmp, format="tf_saved_model", verbose=False)
    return path


def export_endpoints(path, resources, endpoints, verbose=False):
    """Writes a SavedModel with the given endpoints, atomically (through
    `atomic_directory`).

    Args:
        path: target folder (replaced if it exists).
        resources: the layers (or ``tf.Module`` objects) whose variables the
            SavedModel keeps.
        endpoints: ``[(name, fn, input_signature)]``; the first is the default
            serving endpoint.
        verbose: print Keras' summary of the endpoints.

    Returns:
        ``path``.

    Example:

    >>> export_endpoints("saved_models/sampler", [network],
    ...                  [("sample", fn, [tf.TensorSpec((), tf.string)])])
    """
    archive = keras.export.ExportArchive()
    for resource in resources:
        archive.track(resource)
    for name, fn, signature in endpoints:
        archive.add_endpoint(name, fn, input_signature=signature)
    with atomic_directory(path) as tmp:
        archive.write_out(tmp, verbose=verbose)
    return path
