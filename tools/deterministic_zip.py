"""Zip folders so that the same files always give the same bytes.

Entries are sorted, timestamps fixed, permissions normalised, and caches and tests left out.
Bytecode goes in only when asked (a layer's, compiled for the runtime by create-layer.sh), never
the host's from a source folder.
Usage: python -m tools.deterministic_zip [--bytecode] OUT.zip DIR[=PREFIX] ...
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SKIPPED_DIRECTORIES = frozenset({"tests", "test", ".pytest_cache", ".mypy_cache"})
BYTECODE_DIRECTORY = "__pycache__"
BYTECODE_SUFFIXES = frozenset({".pyc", ".pyo"})


def included_files(root: Path, bytecode: bool = False) -> Iterator[Path]:
    """Files under `root` that belong in a Lambda zip, in a stable order."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or SKIPPED_DIRECTORIES.intersection(relative.parts[:-1]):
            continue
        if not bytecode and (relative.suffix in BYTECODE_SUFFIXES or BYTECODE_DIRECTORY in relative.parts[:-1]):
            continue
        yield path


def zip_folders(output: Path, folders: Iterable[tuple[Path, str]], bytecode: bool = False) -> Path:
    """Write `output` with the files of each (folder, prefix-inside-the-zip) pair, their bytecode too if asked."""
    entries: dict[str, Path] = {}
    for folder, prefix in folders:
        for path in included_files(folder, bytecode):
            name = "/".join(part for part in (prefix.strip("/"), path.relative_to(folder).as_posix()) if part)
            entries[name] = path
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            executable = entries[name].stat().st_mode & 0o111
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes(), compresslevel=9)
    return output


def _folder_argument(argument: str) -> tuple[Path, str]:
    folder, _, prefix = argument.partition("=")
    return Path(folder), prefix


if __name__ == "__main__":
    arguments = sys.argv[1:]
    with_bytecode = arguments[:1] == ["--bytecode"]
    arguments = arguments[with_bytecode:]
    if len(arguments) < 2:
        sys.exit(__doc__)
    zip_folders(Path(arguments[0]), [_folder_argument(argument) for argument in arguments[1:]], with_bytecode)
