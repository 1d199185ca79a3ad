import zipfile
from pathlib import Path

from tools.deterministic_zip import zip_folders


def make_tree(root: Path) -> None:
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "pkg" / "tests").mkdir()
    (root / "pkg" / "__init__.py").write_text("x = 1\n")
    (root / "pkg" / "__pycache__" / "__init__.cpython-313.pyc").write_bytes(b"\0")
    (root / "pkg" / "tests" / "test_x.py").write_text("def test(): pass\n")
    (root / "handler.py").write_text("def lambda_handler(event, context): return ''\n")


def test_same_sources_give_the_same_bytes(tmp_path: Path) -> None:
    make_tree(tmp_path / "src")
    first = zip_folders(tmp_path / "a.zip", [(tmp_path / "src", "")]).read_bytes()
    (tmp_path / "src" / "handler.py").touch()  # a new mtime must not change the zip
    second = zip_folders(tmp_path / "b.zip", [(tmp_path / "src", "")]).read_bytes()

    assert first == second


def test_caches_and_tests_are_left_out_and_prefix_applied(tmp_path: Path) -> None:
    make_tree(tmp_path / "src")

    with zipfile.ZipFile(zip_folders(tmp_path / "a.zip", [(tmp_path / "src", "python")])) as archive:
        names = archive.namelist()
        dates = {info.date_time for info in archive.infolist()}

    assert names == ["python/handler.py", "python/pkg/__init__.py"]
    assert dates == {(1980, 1, 1, 0, 0, 0)}


def test_bytecode_goes_in_only_when_asked(tmp_path: Path) -> None:
    """A layer's compiled bytecode ships; a source folder's host caches never do."""
    make_tree(tmp_path / "src")

    with zipfile.ZipFile(zip_folders(tmp_path / "a.zip", [(tmp_path / "src", "python")], bytecode=True)) as archive:
        names = archive.namelist()

    assert names == ["python/handler.py", "python/pkg/__init__.py", "python/pkg/__pycache__/__init__.cpython-313.pyc"]
