"""The functions' loggers: levels set on ours, never on the root logger.

Lambda's runtime gives the root logger its handler (and its level, when the function's log level is
configured). A handler that set the root's level at import would change what every library logs,
botocore's included. A record reaches the root's handler whatever its ancestors' levels, so our
loggers at INFO are enough for our INFO records to come out.
"""

from __future__ import annotations

import logging


def function_logger(name: str, level: int = logging.INFO) -> logging.Logger:
    """The logger of the handler module `name`, with it and the library's loggers at `level`."""
    logging.getLogger(__package__).setLevel(level)
    logger = logging.getLogger(name)
    logger.setLevel(level)
    return logger
