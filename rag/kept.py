"""Models and vectors kept in the data folder: written whole or not at all, as another process may be reading them."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np


def npz_replace(path: Path, **arrays: np.ndarray) -> None:
    """Write `arrays` to `path` (a .npz) through a file beside it, then put it in place in one step; nothing is left
    behind when writing fails (the error is raised)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
