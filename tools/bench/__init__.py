"""`invoke bench`: cold start, render time, memory and response size of every widget on the large demo account.

How each figure is taken, so that "cold" means what Lambda means by it:
- *import CPU*: user + system CPU seconds of a clean Python process (`-S`, `PYTHONDONTWRITEBYTECODE=1`)
  importing the function's `handler` as Lambda does, with `sys.path` = the function's folder, the
  layers as `invoke bench` builds them for this machine's Python and platform through
  `layers/create-layer.sh` (unzipped one over the other, as in `/opt`), then only the AWS SDK that
  Lambda's runtime provides (boto3, botocore, s3transfer, jmespath, dateutil, urllib3, six). Every
  loaded module is checked to come from there or the standard library, so numpy, pandas, matplotlib
  and Jinja2 come from the built layer. The template's literal variables are set, with `/tmp` a new
  empty folder (so matplotlib finds no font cache, as in a new container). Best of three processes.
  The list widgets' ≤ 150 ms and the chart handlers' ≤ 0.5 s targets are this figure.
- *first render*: a process forked from the one holding the demo account (so no widget module,
  matplotlib or cached extract is loaded in it, `gc.freeze()` keeps the account's millions of
  objects out of its garbage collections, and a new boto3 session reads the service models
  again) renders once with an empty `/tmp`; CPU seconds of the render, median of three processes,
  less the CPU that moto and the Lookout for Equipment fake spend answering (AWS's work, not the
  function's). Wall times are shown beside, but other work on this machine stretches them: the
  projection uses CPU.
- *imports at first render*: modules the shipped code imports during the first render that the
  fork had for free from its parent (boto3 at the first client, pandas at the first CSV read),
  imported again after the handler in the clean process above: CPU seconds, best of three (the
  column names the packages beyond the standard library).
- *cases*: "first render ever" is a new container before anything was cached in the stack's
  bucket; what it writes there is then put in the bucket, and "new container" renders with that
  bucket cache (and an empty `/tmp`). A function that writes nothing has only the second row.
- *projected cold start* = (import + imports at first render + first render CPU) × 1,769 /
  MemorySize when the template's MemorySize is below 1,769 MB (Lambda gives one full vCPU at
  1,769 MB, a share in proportion below it), else the CPU time itself. It counts CPU only: each
  request to AWS adds its network round trip on top (see the L4E calls and S3 reads).
- *warm*: five more renders in each forked process; CPU (as above) and wall time, median of the
  three medians.
- *peak memory*: tracemalloc's peak over one warm render (Python and numpy allocations).
- *L4E calls*, *S3 reads*: Lookout for Equipment calls and S3 `GetObject` calls of the first render;
  *bucket writes*: bytes of the `PutObject` and `UploadPart` calls of the first render (after the
  threads it started have finished).
- *CSV read + parse*: in the same fresh process as `model-anomalies`' first render ever, the CPU
  seconds (as above) of reading the top sensor's component files from S3 and parsing them with
  `read_component_files`, called directly rather than through any cache.
  Scheduler widgets run on `pump-station-archive` (20,000 executions) except `scheduler-anomalies`,
  on `pump-station-live` (a run every five minutes) over the last day.
- *IoT SiteWise* (`--source sitewise`): the same figures on the SiteWise demo account with
  DATA_SOURCE=IoTSiteWise, plus the SiteWise calls of the first render and of the next (warm) one,
  by operation, and every S3 call; the list widgets again after `SITEWISE_MORE_MODELS` more models,
  so that what grows with rows shows; and the list widgets on a fleet of each of `--fleets` assets (one
  model bound at asset-model level, AWS's 250 items per list page): folded list, first, last and
  filtered page of assets, cold and warm; then `publish-metrics` publishes the fleet as it would have
  five minutes earlier, its steady run (one new result per asset) is measured in new containers
  (SiteWise, PutMetricData and S3 calls, CPU), and `fleet-heatmap` renders the last day of those
  metrics cold and warm, with its CloudWatch calls (moto answering each GetMetricData query from its
  metric's datapoints alone, by moto's own code).
"""

from tools.bench.cases import SOURCES
from tools.bench.layers import HOST_PLATFORM, clean_import, host_layers, host_packages
from tools.bench.measure import BucketTraffic, ServiceTime, imports_already_loaded
from tools.bench.scenarios import run_bench
from tools.bench.verdicts import cost_per_thousand_views, memory_for, projected_cold_start

__all__ = [
    "HOST_PLATFORM",
    "SOURCES",
    "BucketTraffic",
    "ServiceTime",
    "clean_import",
    "cost_per_thousand_views",
    "host_layers",
    "host_packages",
    "imports_already_loaded",
    "memory_for",
    "projected_cold_start",
    "run_bench",
]
