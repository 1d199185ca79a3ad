"""Importing a handler leaves the root logger as Lambda's runtime made it; our records still reach it at INFO."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted(path.parent.name for path in (ROOT / "lambdas").glob("*/handler.py"))
SCRIPT = """
import json, logging, sys
sys.path[:0] = [{layer!r}, {root!r}]


class Kept(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


runtime = Kept()  # stands for the handler Lambda's runtime gives the root logger, which stays at WARNING
logging.getLogger().addHandler(runtime)
from local.widget_events import load_handler

changed, loggers = [], {{}}
for folder in {folders!r}:
    module = load_handler(folder)
    root = logging.getLogger()
    if root.level != logging.WARNING or root.handlers != [runtime]:
        changed.append(folder)
        root.setLevel(logging.WARNING)  # so that each handler is judged on its own
        root.handlers[:] = [runtime]
    if hasattr(module, "logger"):
        loggers[folder] = [module.logger.name, module.logger.getEffectiveLevel()]
        module.logger.info("%s says", folder)
logging.getLogger("lookout_dashboards.aws").info("the library says")
logging.getLogger("botocore.credentials").info("botocore says")
print(json.dumps({{"changed": changed, "loggers": loggers, "messages": runtime.messages}}))
"""


def test_importing_every_handler_leaves_the_root_logger_alone_and_info_still_comes_out() -> None:
    script = SCRIPT.format(layer=str(ROOT / "layers/lookout-equipment/python"), root=str(ROOT), folders=FOLDERS)
    output = subprocess.run(  # noqa: S603 - this interpreter running the script above
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    state = json.loads(output.splitlines()[-1])

    assert state["changed"] == []
    assert state["loggers"], "the handlers that log have a logger of their own"
    for folder, (name, level) in state["loggers"].items():
        assert name != "root" and level == 20, folder  # logging.INFO
    said = [f"{folder} says" for folder in state["loggers"]]
    assert state["messages"] == [*said, "the library says"], "other libraries' INFO stays out"
