"""A fleet's results as CloudWatch metrics: many assets per read and per call, one watermark per chunk of assets.

A fleet (a SiteWise model bound at asset-model level) is cut into chunks of at most `CHUNK_ASSETS`
assets; which chunk an asset belongs to is kept in the fleet's index object and never changes, so
each asset's position lives in exactly one object whatever the order SiteWise lists assets in or
how the fleet grows. A chunk's watermark object holds each of its assets' positions; parallel
invocations publish different chunks and never write the same object. Within a chunk the guarantees
are `metrics_publisher`'s: conditional writes, the call in flight recorded before it is sent and
its run's until that run's end, at most one call sent again after a crash, and reported. An asset
the per-asset path published before (each asset a scheduler, with a watermark of its own) goes on
from that watermark, read once, when the asset enters its chunk's.

Whether an asset's inference runs is known only by one call per asset, so it is decided from
values: an asset with results after its position is published; an asset this stack never published
whose newest result is older than `result_lag` is taken as stopped, and like a stopped scheduler it
never published, its past results are not (anything it writes later is). An asset with nothing new
costs a sixteenth of a read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from .aws import error_text
from .domain import InferenceResult
from .metrics import MAX_VALUES_PER_CALL, NAMESPACE, Series, batches, by_result, grow_sensors
from .metrics_publisher import (
    BACKLOG,
    LONGEST_RUN,
    PublishReport,
    held_by_another_run,
    noted_damage,
    resumed,
    without_refused,
)
from .sources.sitewise_fleet_results import PublishedFleet
from .sources.sitewise_gateway import ID_PATTERN
from .watermarks import (
    WATERMARK_PREFIX,
    AnotherRunError,
    DamagedWatermarkError,
    StoredWatermark,
    Watermark,
    WatermarkStore,
)

logger = logging.getLogger(__name__)
#: Assets per chunk: one invocation's share (a steady run reads them in 32 requests, sends 1-2 calls).
CHUNK_ASSETS = 500
#: Results read per step for every asset of a chunk: 72 five-minute results each, 36,000 for a chunk.
FLEET_WINDOW = timedelta(hours=6)


class FleetResults(Protocol):
    """What the publisher reads of a fleet (`sources.sitewise_fleet_results.FleetReader`)."""

    def results(
        self, fleet: PublishedFleet, windows: Mapping[str, tuple[datetime, datetime]]
    ) -> tuple[dict[str, list[InferenceResult]], dict[str, str]]: ...

    def newest(self, fleet: PublishedFleet, assets: Sequence[str]) -> dict[str, datetime]: ...


@dataclass(frozen=True)
class Chunk:
    """Some assets of a fleet, published by one invocation: what a queue message carries."""

    fleet: PublishedFleet
    index: int

    def to_message(self) -> str:
        fleet = self.fleet
        return json.dumps(
            {"model": fleet.model_id, "property": fleet.result_property, "chunk": self.index, "assets": fleet.assets}
        )

    @property
    def name(self) -> str:
        return f"{self.fleet.model_id} chunk {self.index}"

    @classmethod
    def from_message(cls, body: str) -> Chunk:
        """A queue message's chunk; ValueError unless its ids are SiteWise's and its index a whole number."""
        try:
            document = json.loads(body)
            ids = [document["model"], document["property"], *document["assets"]]
            index = document["chunk"]
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"unreadable chunk message: {error}") from None
        if not all(isinstance(item, str) and ID_PATTERN.match(item) for item in ids):
            raise ValueError("a chunk message names something that is not a SiteWise id")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise ValueError(f"a chunk message's index is not a whole number: {index!r:.40}")
        return cls(PublishedFleet(ids[0], ids[1], tuple(ids[2:])), index)


@dataclass(frozen=True)
class FleetIndex:
    """Which chunk each asset of a fleet belongs to, for good: new assets fill the last chunk, then new ones."""

    chunks: tuple[tuple[str, ...], ...] = ()

    def placed(self, assets: Sequence[str], size: int = CHUNK_ASSETS) -> FleetIndex:
        known = {asset for chunk in self.chunks for asset in chunk}
        chunks = [list(chunk) for chunk in self.chunks]
        for asset in (asset for asset in assets if asset not in known):
            if not chunks or len(chunks[-1]) >= size:
                chunks.append([])
            chunks[-1].append(asset)
        return FleetIndex(tuple(tuple(chunk) for chunk in chunks))

    def to_json(self) -> bytes:
        return json.dumps({"chunks": self.chunks}).encode()

    @classmethod
    def from_json(cls, body: bytes) -> FleetIndex:
        try:
            return cls(tuple(tuple(str(asset) for asset in chunk) for chunk in json.loads(body)["chunks"]))
        except (ValueError, KeyError, TypeError) as error:
            raise DamagedWatermarkError(str(error)) from error


@dataclass(frozen=True)
class FleetWatermark:
    """Each asset's newest result published, and the sensors given a series; while a call is in flight,
    each of its assets' newest result in it, its number of values, and until when its run may be alive."""

    positions: Mapping[str, datetime] = field(default_factory=dict)
    sensors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sending: Mapping[str, datetime] = field(default_factory=dict)
    sending_values: int = 0
    claimed_until: datetime | None = None

    def sending_call(
        self, through: Mapping[str, datetime], values: int, sensors: Mapping[str, tuple[str, ...]], until: datetime
    ) -> FleetWatermark:
        return replace(self, sensors=sensors, sending=through, sending_values=values, claimed_until=until)

    def moved(self, through: Mapping[str, datetime], sensors: Mapping[str, tuple[str, ...]]) -> FleetWatermark:
        positions = {**self.positions, **through}
        return FleetWatermark(positions, sensors)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "positions": {asset: moment.isoformat() for asset, moment in self.positions.items()},
                "sensors": {asset: list(names) for asset, names in self.sensors.items() if names},
                "sending": {asset: moment.isoformat() for asset, moment in self.sending.items()},
                "sending_values": self.sending_values,
                "claimed_until": self.claimed_until.isoformat() if self.claimed_until else None,
            }
        ).encode()

    @classmethod
    def from_json(cls, body: bytes) -> FleetWatermark:
        try:
            document = json.loads(body)
            claimed = document.get("claimed_until")
            return cls(
                {str(a): datetime.fromisoformat(m) for a, m in document["positions"].items()},
                {str(a): tuple(map(str, names)) for a, names in document.get("sensors", {}).items()},
                {str(a): datetime.fromisoformat(m) for a, m in document.get("sending", {}).items()},
                int(document.get("sending_values") or 0),
                datetime.fromisoformat(claimed) if claimed else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise DamagedWatermarkError(str(error)) from error


def fleet_prefix(stack: str, model_id: str) -> str:
    identity = json.dumps([stack, model_id]).encode()
    return f"{WATERMARK_PREFIX}fleets/{hashlib.sha256(identity).hexdigest()[:32]}/"


def asset_series(model_id: str, asset: str, stack: str) -> Series:
    """The dimensions the per-asset publisher gave this (model, asset): its series go on, not anew."""
    return Series(model=model_id, scheduler=f"{model_id}_{asset}", asset=asset, stack=stack)


class FleetPublisher:
    """Splits fleets into chunks (the scheduled run) and publishes a chunk's new results (any run)."""

    def __init__(
        self,
        cloudwatch: Any,
        store: WatermarkStore,
        reader: FleetResults,
        stack: str,
        time_left: Callable[[], float] = lambda: float("inf"),
        margin_s: float = 30.0,
        *,
        result_lag: timedelta,
        run_time: timedelta = LONGEST_RUN,
        with_sensors: bool = True,
        values_per_call: int = MAX_VALUES_PER_CALL,
        backlog: timedelta = BACKLOG,
        window: timedelta = FLEET_WINDOW,
    ) -> None:
        self._cloudwatch, self._store, self._reader, self._stack = cloudwatch, store, reader, stack
        self._time_left, self._margin_s = time_left, margin_s
        self._result_lag, self._run_time, self._with_sensors = result_lag, run_time, with_sensors
        self._values_per_call, self._backlog, self._window = values_per_call, backlog, window

    def chunks(self, fleet: PublishedFleet) -> list[Chunk]:
        """The fleet's listed assets by chunk; new ones are placed, and the index written, first. Only the
        scheduled run calls this (runs never overlap); a damaged index raises rather than re-place assets."""
        stored = self._store.open_object(
            fleet_prefix(self._stack, fleet.model_id) + "assets.json", FleetIndex.from_json
        )
        if stored.damaged:
            raise DamagedWatermarkError(f"fleet index {stored.key}: {stored.damaged}")
        index = (stored.watermark or FleetIndex()).placed(fleet.assets)
        if index != stored.watermark:
            stored.write(index)
        listed = set(fleet.assets)
        return [
            Chunk(replace(fleet, assets=tuple(asset for asset in assets if asset in listed)), number)
            for number, assets in enumerate(index.chunks)
            if listed.intersection(assets)
        ]

    def publish(self, chunk: Chunk, now: datetime) -> PublishReport:
        """From each asset's position (or the backlog's start) to `now`, window after window, oldest first."""
        report = PublishReport()
        key = f"{fleet_prefix(self._stack, chunk.fleet.model_id)}chunk-{chunk.index}.json"
        stored = self._store.open_object(key, FleetWatermark.from_json)
        watermark = self._resume(chunk, stored, now, report)
        if watermark is None:
            report.busy = True
            return report
        done: set[str] = set()
        try:
            while self._time_left() > self._margin_s:
                ends = {
                    asset: self._end(watermark.positions[asset], now)
                    for asset in chunk.fleet.assets
                    if asset not in done and asset in watermark.positions and watermark.positions[asset] < now
                }
                if not ends:
                    break
                watermark, complete, refused = self._publish_window(chunk, stored, watermark, ends, now, report)
                if not complete:
                    break
                done.update(asset for asset, end in ends.items() if end >= now or asset in refused)
            placed = watermark.positions  # an asset not placed waits for its per-scheduler watermark
            report.finished = all(
                asset in done or (asset in placed and placed[asset] >= now) for asset in chunk.fleet.assets
            )
            if watermark != stored.watermark:
                stored.write(watermark)
        except AnotherRunError as error:
            logger.warning("%s chunk %d: %s; it publishes this chunk, this run stops", key, chunk.index, error)
            report.notes.append("another run wrote its watermark first: that run publishes it")
            report.busy = True
        positions = stored.watermark.positions if stored.watermark else {}
        report.reached = min((positions[a] for a in chunk.fleet.assets if a in positions), default=None)
        return report

    def _end(self, position: datetime, now: datetime) -> datetime:
        """A window's end: a day-long step's, or `now` once that would not be settled anyway."""
        end = min(now, position + self._window)
        return now if end > now - self._result_lag else end

    def _resume(
        self, chunk: Chunk, stored: StoredWatermark, now: datetime, report: PublishReport
    ) -> FleetWatermark | None:
        """Where each asset starts, with the call a run that stopped left in flight sent again; None while
        that run may still be sending it. An asset first seen goes on from its per-scheduler watermark
        (`_upgraded`); without one, it starts at the backlog's start, unless its newest result is older
        than `result_lag` (stopped: at that result, nothing of its past is sent)."""
        floor = now - self._backlog
        previous: FleetWatermark = stored.watermark or FleetWatermark()
        noted_damage(stored.key, stored, floor, report)
        if previous.sending_values:
            if held_by_another_run(previous.claimed_until, now, report):
                return None
            report.resent_at_most += previous.sending_values
            note = (
                f"a run stopped while sending {previous.sending_values} values of {len(previous.sending)} assets: "
                "they are sent again and may count twice"
            )
            logger.warning("%s: %s", stored.key, note)
            report.notes.append(note)
        positions = {asset: max(floor, moment) for asset, moment in previous.positions.items()}
        upgraded = self._upgraded(chunk.fleet, [a for a in chunk.fleet.assets if a not in positions], now, report)
        new = [asset for asset, watermark in upgraded.items() if watermark is None]
        newest = self._reader.newest(chunk.fleet, new) if new else {}
        stopped_before = now - self._result_lag
        for asset in new:
            seen = newest.get(asset)
            positions[asset] = max(floor, seen) if seen is not None and seen < stopped_before else floor
        sensors = dict(previous.sensors)
        for asset, watermark in upgraded.items():
            if watermark is not None:
                positions[asset], sensors[asset] = watermark.published_through, watermark.sensors
        return FleetWatermark(positions, sensors)

    def _upgraded(
        self, fleet: PublishedFleet, assets: Sequence[str], now: datetime, report: PublishReport
    ) -> dict[str, Watermark | None]:
        """Each asset's per-scheduler watermark, which the per-asset path kept before fleets had their own,
        read once (one GET an asset, when it enters its chunk's watermark): its series go on from there, not
        from the backlog's start, so nothing counts twice across the upgrade. That path's rules hold: a call
        it left in flight is sent again, once, and reported (`resent_at_most`), after its run's claim (that
        run ended before: the scheduled function runs one at a time); a damaged watermark is none, logged;
        an unreadable one, or a claim not yet past, leaves its asset out of this run (publishing blind sends
        twice). None: no per-scheduler watermark, a new asset."""
        found: dict[str, Watermark | None] = {}
        unreadable: dict[str, str] = {}
        floor = now - self._backlog
        for asset in assets:
            series, own = asset_series(fleet.model_id, asset, self._stack), PublishReport()
            try:
                stored = self._store.open(series)
            except (ClientError, BotoCoreError) as error:
                unreadable[asset] = error_text(error)
                continue
            noted_damage(series.scheduler, stored, floor, own)
            if stored.watermark is None:
                found[asset] = None
            elif (watermark := resumed(series.scheduler, stored.watermark, floor, now, own)) is not None:
                found[asset] = watermark
            report.resent_at_most += own.resent_at_most
            report.notes += [f"{asset}, from its per-scheduler watermark: {note}" for note in own.notes]
        if unreadable:
            first, error = next(iter(unreadable.items()))
            note = (
                f"{len(unreadable)} assets' per-scheduler watermarks could not be read ({first}: {error}): "
                "they wait for the next run"
            )
            logger.warning("%s: %s", fleet.model_id, note)
            report.notes.append(note)
        return found

    def _publish_window(
        self,
        chunk: Chunk,
        stored: StoredWatermark,
        watermark: FleetWatermark,
        ends: Mapping[str, datetime],
        now: datetime,
        report: PublishReport,
    ) -> tuple[FleetWatermark, bool, set[str]]:
        """Each asset's window, read 16 assets a request, sent in calls that pack several assets' results,
        the watermark written around each call; then each asset moves to its window's end once settled,
        else to its newest result. Returns the watermark, whether every call went, and the assets refused."""
        fleet = chunk.fleet
        windows = {asset: (watermark.positions[asset], end) for asset, end in ends.items()}
        results, errors = self._reader.results(fleet, windows)
        for asset, error in errors.items():
            logger.warning("%s on %s: %s", fleet.model_id, asset, error)
            report.notes.append(f"{asset} could not be read ({error}): it is left for the next run")
        sensors = dict(watermark.sensors)
        groups: list[tuple[str, datetime, list[dict[str, Any]]]] = []
        for asset in (asset for asset in ends if asset not in errors):
            if self._with_sensors:
                sensors[asset] = grow_sensors(sensors.get(asset, ()), results[asset])
            series = asset_series(fleet.model_id, asset, self._stack)
            timed = by_result(series, results[asset], sensors.get(asset, ()))
            groups += [(asset, moment, values) for moment, values in without_refused(series.scheduler, timed, report)]
        first = 0
        for call in batches([(moment, values) for _, moment, values in groups], self._values_per_call):
            through = {asset: moment for asset, moment, _ in groups[first : first + call.results]}
            first += call.results
            if self._time_left() <= self._margin_s:
                return watermark, False, set(errors)
            stored.write(watermark.sending_call(through, len(call.values), sensors, now + self._run_time))
            self._cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=call.values)
            watermark = watermark.moved(through, sensors)
            stored.write(watermark)
            report.calls += 1
            report.results += call.results
        settled = {}
        for asset, (start, end) in windows.items():
            if asset not in errors:
                newest = max([start, *(result.timestamp for result in results[asset])])
                settled[asset] = end if end <= now - self._result_lag else newest
        return watermark.moved(settled, sensors), True, set(errors)


#: SendMessageBatch's entries per request.
MESSAGES_PER_SEND = 10


def send_chunks(sqs: Any, queue_url: str, chunks: Sequence[Chunk]) -> int:
    """One message per chunk, 10 a request; returns how many the queue took (a refused one is logged:
    its chunk waits for the next scheduled run, from its watermark)."""
    sent = 0
    for first in range(0, len(chunks), MESSAGES_PER_SEND):
        entries = [
            {"Id": str(number), "MessageBody": chunk.to_message()}
            for number, chunk in enumerate(chunks[first : first + MESSAGES_PER_SEND], first)
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        sent += len(response.get("Successful", []))
        for failed in response.get("Failed", []):
            logger.warning("the queue refused chunk message %s: %s", failed.get("Id"), failed.get("Message"))
    return sent
