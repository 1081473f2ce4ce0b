"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real datasets (``<repo>/../shared/data`` or ``$LASSONETPY_SHARED_DATA``).

    Fails (never skips) with a clear message when neither exists.
    """
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    if default.is_dir():
        return default
    env = os.environ.get("LASSONETPY_SHARED_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    pytest.fail(
        f"Shared data folder not found: {default} does not exist and LASSONETPY_SHARED_DATA "
        f"is {'unset' if not env else repr(env) + ' (not a directory)'}. Point "
        "LASSONETPY_SHARED_DATA to the shared/data folder (boston.csv, pbc.csv, ...).",
        pytrace=False,
    )


# Devices the device-parametrised tests run on: the CPU everywhere, CUDA only where a GPU is
# present (CI has none, so the cuda cases are simply not collected there).
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    """A torch device name: ``"cpu"``, plus ``"cuda"`` when ``torch.cuda.is_available()``."""
    return request.param
