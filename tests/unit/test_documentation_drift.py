"""The documents name every module, setting, function and stack parameter the code has.

Each check is a pure function of the names the code holds and a document's text, so a test can
also show that it fails when one entry is taken out of the real text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from tools.cloudformation import load_template

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "layers" / "lookout-equipment" / "python" / "lookout_dashboards"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
#: An environment variable's name: upper-case letters, digits and underscores (`MPLCONFIGDIR`, `AWS_REGION`).
VARIABLE = re.compile(r"[A-Z][A-Z0-9_]{2,}")


def section(markdown: str, heading: str) -> str:
    """The text under `heading` (any level), up to the next heading of the same level or above."""
    match = re.search(rf"^(#+) {re.escape(heading)}\n", markdown, re.MULTILINE)
    if not match:
        return ""
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE).search(markdown, match.end())
    return markdown[match.end() : end.start() if end else len(markdown)]


def table_rows(markdown: str) -> str:
    return "\n".join(line for line in markdown.splitlines() if line.startswith("|"))


def undocumented(names: Iterable[str], text: str) -> list[str]:
    """The names that `text` never writes as code (`` `name` ``)."""
    return sorted(name for name in set(names) if f"`{name}`" not in text)


def library_modules(library: Path = LIBRARY) -> set[str]:
    """Every module of the widget library, as the module table names it: `dashboards`, `sources/iot_sitewise`."""
    return {
        path.relative_to(library).with_suffix("").as_posix()
        for path in library.rglob("*.py")
        if path.name != "__init__.py"
    }


def config_variables(source: str) -> set[str]:
    """Every environment variable `config.py` names: in it, upper-case string constants are only ever those
    (lookup keys, the demo's keys, the settings tuples, the widgets' function variables)."""
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and VARIABLE.fullmatch(node.value)
    }


def read_by_config() -> set[str]:
    return config_variables((LIBRARY / "config.py").read_text())


def function_folders() -> set[str]:
    return {path.parent.name for path in (ROOT / "lambdas").glob("*/handler.py")}


def template_parameters() -> set[str]:
    return set(load_template(ROOT / "cloudformation" / "main.yaml")["Parameters"])


def module_table(text: str) -> str:
    return table_rows(section(text, "The widget library"))


def configuration_table(text: str) -> str:
    return table_rows(section(text, "Configuration"))


def parameter_table(text: str) -> str:
    return table_rows(section(text, "Deploying to an account"))


def without(text: str, name: str) -> str:
    """The text with every mention of `name` as code taken out, as if its entry had been forgotten."""
    assert f"`{name}`" in text
    return text.replace(f"`{name}`", "")


def test_the_names_are_read_from_the_code() -> None:
    assert {"dashboards", "dashboard_publisher", "outcomes", "sources/iot_sitewise"} <= library_modules()
    assert "__init__" not in library_modules() and "sources/__init__" not in library_modules()
    variables = read_by_config()
    assert {"AWS_REGION", "ALARM_PERIODS", "MPLCONFIGDIR", "SCHEDULER_ANOMALIES_FUNCTION"} <= variables
    assert config_variables('env.get("NEW_SETTING", "default")') == {"NEW_SETTING"}
    assert "publish-metrics" in function_folders()
    assert {"DataSource", "SnapStart"} <= template_parameters()


def test_every_library_module_is_in_the_module_table() -> None:
    assert undocumented(library_modules(), module_table(ARCHITECTURE.read_text())) == []


def test_every_variable_config_reads_is_in_the_configuration_table() -> None:
    assert undocumented(read_by_config(), configuration_table(ARCHITECTURE.read_text())) == []


@pytest.mark.parametrize("document", ["lambdas/README.md", "docs/architecture.md"])
def test_every_function_folder_is_documented(document: str) -> None:
    assert undocumented(function_folders(), (ROOT / document).read_text()) == []


def test_every_template_parameter_is_in_the_readme_table() -> None:
    assert undocumented(template_parameters(), parameter_table((ROOT / "README.md").read_text())) == []


@pytest.mark.parametrize(
    ("names", "document", "table", "removed"),
    [
        (library_modules, ARCHITECTURE, module_table, "dashboard_publisher"),
        (library_modules, ARCHITECTURE, module_table, "sources/sitewise_gateway"),
        (read_by_config, ARCHITECTURE, configuration_table, "ALARM_PERIODS"),
        (read_by_config, ARCHITECTURE, configuration_table, "MODEL_DETAILS_FUNCTION"),
        (function_folders, ROOT / "lambdas" / "README.md", str, "publish-metrics"),
        (function_folders, ARCHITECTURE, str, "cleanup"),
        (template_parameters, ROOT / "README.md", parameter_table, "AlarmPeriods"),
    ],
)
def test_each_check_reports_an_entry_taken_out(names, document: Path, table, removed: str) -> None:
    text = document.read_text()
    assert undocumented(names(), table(text)) == []
    assert undocumented(names(), table(without(text, removed))) == [removed]
