"""Making TensorFlow runs repeatable: one thread, op determinism, every seed fixed.

Thread counts can only be set before TensorFlow starts its runtime, so :func:`configure` runs
once, first thing in the process (``python -m reference_trainer`` does it before any scenario).
With one intra-op and one inter-op thread no reduction changes order between runs, and
``enable_op_determinism`` makes the remaining kernels (and ``tf.data`` shuffles) deterministic,
so a rerun on the same machine gives bit-identical numbers. Other CPUs or library versions may
still round differently; the manifest records the versions for that reason.
"""

from __future__ import annotations

import os
import random

import numpy as np

_configured = False


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ start-up chatter so stderr carries only our progress lines."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def configure() -> None:
    """Pin threads and turn on op determinism (idempotent; must precede any TF op)."""
    global _configured
    if _configured:
        return
    quiet_tensorflow()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")
    _configured = True


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy's legacy global generator, TensorFlow and Keras before a scenario.

    Data are drawn from explicit ``np.random.default_rng(seed)`` generators; the global seeds
    cover library code that draws from the legacy generators (weight initializers, shuffles).
    """
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    tf.keras.utils.set_random_seed(seed)


def library_versions() -> dict[str, str]:
    """Versions that decide the numbers, for the manifest."""
    import platform

    import keras
    import sklearn
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "scikit-learn": sklearn.__version__,
    }
