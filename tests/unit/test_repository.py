"""The repository holds sources, never what `invoke build` or a bench writes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_OUTPUT = (".zip", ".whl", ".pyc", ".npy", ".npz")
#: Sources, templates, tests and the README's screenshots: a few megabytes at most.
TRACKED_BYTES_LIMIT = 5 * 1024 * 1024


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True).stdout  # noqa: S607 - git from PATH, fixed arguments
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listed.split("\0") if name]


def test_no_build_output_is_tracked() -> None:
    files = tracked_files()
    assert not [path for path in files if path.suffix in BUILD_OUTPUT]
    assert not [path for path in files if {"dist", "tmp", "build"} & set(path.relative_to(ROOT).parts[:1])]


def test_tracked_files_stay_small() -> None:
    assert sum(path.stat().st_size for path in tracked_files() if path.exists()) < TRACKED_BYTES_LIMIT
