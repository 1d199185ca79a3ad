"""What a warm function keeps from one invocation to the next: settings, clients, source, caches.

Lambda runs a handler many times in one container (one process). A handler asks for
`current_container()` at each render; the container is built on the first one, never at import,
so tests start their fakes first, and it makes each client once, when first needed.
`reset_container()` forgets it all: the next render reads the environment again.
"""

from __future__ import annotations

from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from .alarms import SchedulerAlarms
from .aws import make_client
from .clicks import ButtonSigner
from .config import Settings, load_settings
from .scheduler_widgets import RunCounts
from .source import AnomalySource
from .sources import default_source

if TYPE_CHECKING:
    from .dashboard_publisher import DashboardPublisher


class Container:
    """One function's settings, and the clients, source, publisher and caches made from them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.run_counts = RunCounts()
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """The container's client of `service`, made by `aws.make_client` the first time it is asked for."""
        if service not in self._clients:
            self._clients[service] = make_client(service, self.settings)
        return self._clients[service]

    @cached_property
    def source(self) -> AnomalySource:
        """The data source; it keeps the result objects it parsed."""
        return default_source(self.settings, self.client)

    @cached_property
    def alarms(self) -> SchedulerAlarms:
        return SchedulerAlarms(self.client("cloudwatch"), self.settings)

    @cached_property
    def signer(self) -> ButtonSigner:
        """Signs the list widgets' buttons, with the key kept in the stack's bucket."""
        return ButtonSigner(self.client("s3"), self.settings.snapshot_bucket)

    @cached_property
    def publisher(self) -> DashboardPublisher:
        """Imported here: only the list widgets and the clean-up create or remove dashboards."""
        from .dashboard_publisher import DashboardPublisher

        return DashboardPublisher(
            self.client("cloudwatch"), self.client("synthetics"), self.client("logs"), self.settings
        )


@cache
def current_container() -> Container:
    """This process's container, built from the environment on first use."""
    return Container(load_settings())


def reset_container() -> None:
    """Forget the container: the next use reads the environment again, with new clients and empty caches."""
    current_container.cache_clear()
