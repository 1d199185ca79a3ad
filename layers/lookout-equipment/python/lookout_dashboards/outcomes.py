"""What an action or a clean-up did, in words for the widget or CloudFormation's answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from .aws import error_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionOutcome:
    """What an action did, in words for the widget, and whether all of it worked."""

    text: str
    complete: bool = True


@dataclass
class Removal:
    """What a clean-up removed, what failed (and why), and what it left for lack of time."""

    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def attempt(self, what: str, remove: Callable[[], bool]) -> None:
        """Run one removal; any error is recorded with the item, never raised."""
        try:
            if remove():
                self.removed.append(what)
        except Exception as error:  # one item's failure must not stop the others
            logger.exception("could not remove %s", what)
            self.failed.append(f"{what} ({error_text(error)})")

    def summary(self) -> str:
        parts = [f"Removed {len(self.removed)} dashboards, canaries and alarms."]
        if self.failed:
            parts.append(f"Could not remove {', '.join(self.failed)}; remove them by hand.")
        if self.left:
            parts.append(f"Out of time before {', '.join(self.left)}; remove them by hand.")
        return " ".join(parts)
