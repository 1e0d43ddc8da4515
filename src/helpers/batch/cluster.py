"""The batch on a Dask cluster whose workers share nothing with the driver but the network.

What runs where:

- **the driver** (``make briefings EXECUTOR=dask DASK_SCHEDULER=host:port``) plans, admits the
  workers, sends each the warehouse version it plans with, submits the jobs and publishes the
  files they hand back (the same :func:`helpers.batch.run.publish_outcome` as the local pool);
- **a worker** (``make cluster-worker``: ``dask worker --preload helpers.batch.cluster``) runs
  from its own clone of the project, in its own folders (``WORKER_DIR``): it renders into a
  scratch folder and returns the files' bytes; it reads its own copy of the warehouse, named by
  the content hash of the driver's.

Same code and params: a worker's :class:`Identity` (hashes of the code, templates, notebooks
and dependency lock; of ``params/`` and the reference data) becomes, at its start, a Dask
*resource* named after it (:func:`dask_setup`), and every job asks for the driver's one — so the
scheduler never gives a job to a worker of another version. The driver names each such worker
with both versions before any briefing runs; each job checks again on its worker (its files
may have changed since it started) and refuses to run on another version.

Faults: the per-briefing timeout is enforced in the worker (:class:`helpers.batch.worker.Deadline`:
Dask has no task timeout); a worker lost mid-briefing is Dask's to handle — the scheduler runs
the briefing again elsewhere and, with ``allowed-failures: 1`` (``make cluster-scheduler``),
marks it failed when a second worker dies on it, so one bad briefing cannot take the workers
down one after another; a scheduler that stops answering ends the batch
(:class:`helpers.batch.executors.ExecutorLost`) with what finished published.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from helpers import config
from helpers.batch.executors import ExecutorLost, Outcome, failed_entry
from helpers.batch.plan import Job
from helpers.batch.worker import close_worker_resources, render_job, warm_up
from helpers.briefings import registry
from helpers.config import (
    NOTEBOOKS_DIR,
    PACKAGE_DIR,
    PARAMS_DIR,
    PROJECT_ROOT,
    REFERENCE_DIR,
    TEMPLATES_DIR,
    settings,
)
from helpers.ingestion.freshness import file_hash

CONNECT_TIMEOUT_S = 15  # to reach the scheduler at the start
POLL_S = 2.0  # how often the driver looks for new workers and a lost scheduler while it waits
SCHEDULER_GRACE_S = 20.0  # a scheduler unreachable this long has gone away
WAREHOUSE_WAIT_S = 600.0  # a job on a worker that has just joined waits this long for its copy
CHUNK_BYTES = 32 << 20  # the warehouse travels in pieces of this size (memory stays flat)
KEEP_VERSIONS = 2  # warehouse versions a worker keeps (this week's and last week's)
ALLOWED_FAILURES = 1  # workers that may die on one briefing before it is failed (1 = one retry)


class ClusterRefused(ValueError):
    """The cluster cannot run this batch (unreachable, or no worker of the driver's version)."""


class WorkerMismatch(RuntimeError):
    """A job reached a worker whose code or params are not the driver's; it did not run."""


# --- versions -------------------------------------------------------------------------------

def _digest(files: Iterable[Path | str], root: Path | None = None) -> str:
    """One short hash of files' names (relative to ``root``) and contents, or of strings."""
    digest = hashlib.sha256()
    for item in sorted(files, key=str):
        if isinstance(item, Path) and root is not None:
            item = f"{item.relative_to(root).as_posix()}\0{file_hash(item)}"
        digest.update(f"{item}\n".encode())
    return digest.hexdigest()[:12]


def _code_files() -> Iterator[Path]:
    yield from PACKAGE_DIR.rglob("*.py")
    yield from (p for p in TEMPLATES_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    yield from NOTEBOOKS_DIR.glob("*.ipynb")
    yield PROJECT_ROOT / "pyproject.toml"


def _params_files() -> Iterator[Path]:
    """The params files the briefings read, as their kinds declare them (``KIND.inputs``); the
    rest of ``params/`` (schedule, recipients, contacts, meeting, batches) only the driver reads,
    and a worker machine's copy of it may differ without changing a single briefing."""
    declared = {item.path.relative_to(config.PARAMS_DIR) for kind in registry().values()
                for item in kind.inputs if item.path.is_relative_to(config.PARAMS_DIR)}
    return (PARAMS_DIR / name for name in sorted(declared) if (PARAMS_DIR / name).is_file())


def _reference_files() -> Iterator[Path]:
    return (p for p in REFERENCE_DIR.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Identity:
    """What a briefing is made by: the code (with templates, notebooks, the dependency lock)
    and the params (with the reference data), each as a hash; ``git`` only to name it."""

    code: str
    params: str
    git: str = ""

    @property
    def resource(self) -> str:
        """The Dask resource a worker of this version offers and a job of it asks for."""
        return f"sferum-{self.code}-{self.params}"

    def same(self, other: Identity) -> bool:
        return (self.code, self.params) == (other.code, other.params)

    def describe(self) -> str:
        git = f" (git {self.git})" if self.git else ""
        return f"код {self.code}{git}, параметры {self.params}"


_identities: dict[tuple[tuple[str, int, int], ...], Identity] = {}


def local_identity() -> Identity:
    """This machine's identity from its files as they are now; hashed again only when a file's
    size or time changed (every job checks it: the stat of ≈200 files, not 0.15 s of hashing)."""
    from helpers.render.provenance import code_version

    code, params, reference = list(_code_files()), list(_params_files()), list(_reference_files())
    stamp = tuple((str(p), s.st_mtime_ns, s.st_size) for p in (*code, *params, *reference)
                  for s in (p.stat(),))
    if stamp not in _identities:
        params_digest = _digest([_digest(params, PARAMS_DIR), _digest(reference, REFERENCE_DIR)])
        _identities.clear()
        _identities[stamp] = Identity(_digest(code, PROJECT_ROOT), params_digest, code_version())
    return _identities[stamp]


def mismatch_text(worker: str, theirs: Identity, ours: Identity) -> str:
    """The line that refuses a worker, naming both versions."""
    return (f"исполнитель {worker} отклонён: у него {theirs.describe()}, у запускающего "
            f"{ours.describe()}; обновите его копию проекта (git pull, make setup) и перезапустите "
            f"(make cluster-worker) / worker refused: other code or params")


# --- the warehouse, one version ------------------------------------------------------------

def warehouse_version(path: Path) -> str:
    """The SHA-256 of the warehouse file, kept next to it with the file's identity (a rebuild
    replaces the file), so an unchanged national warehouse is not hashed on every batch."""
    stat = path.stat()
    stamp = f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"
    cache = path.with_name(f".{path.name}.sha256.json")
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved.get("warehouse") == stamp:
            return str(saved["sha256"])
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    version = file_hash(path)
    try:
        cache.write_text(json.dumps({"warehouse": stamp, "sha256": version}), encoding="utf-8")
    except OSError:
        pass  # best effort: the next batch hashes again
    return version


def warehouse_copies() -> Path:
    """A worker's folder of warehouse versions."""
    return settings().worker_dir / "warehouse"


def warehouse_copy(version: str) -> Path:
    """Where a worker keeps the warehouse of ``version`` (whether it has it or not)."""
    if len(version) != 64 or not all(c in "0123456789abcdef" for c in version):
        raise ValueError(f"not a warehouse version: {version!r}")
    return warehouse_copies() / f"{version}.duckdb"


def has_warehouse(version: str) -> bool:
    """Whether this worker holds the warehouse of ``version``."""
    return warehouse_copy(version).is_file()


def _part(version: str, token: str) -> Path:
    return warehouse_copies() / f".{version}.{token}.part"


def receive_chunk(version: str, token: str, offset: int, data: bytes) -> None:
    """Write one piece of the warehouse at ``offset`` (run on the worker by the driver)."""
    part = _part(version, token)
    part.parent.mkdir(parents=True, exist_ok=True)
    with part.open("r+b" if offset else "wb") as handle:
        handle.seek(offset)
        handle.write(data)


def finish_warehouse(version: str, token: str) -> str:
    """Check the received file's hash, move it into place and drop older versions."""
    part = _part(version, token)
    if file_hash(part) != version:
        part.unlink(missing_ok=True)
        raise ValueError(f"the warehouse {version[:12]} arrived damaged")
    os.replace(part, warehouse_copy(version))
    kept = sorted(warehouse_copies().glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEEP_VERSIONS:]:
        old.unlink(missing_ok=True)
    return str(warehouse_copy(version))


def await_warehouse(version: str, wait_s: float = WAREHOUSE_WAIT_S) -> Path:
    """This worker's copy of ``version``, waiting while the driver sends it (a worker that has
    just joined); a job never runs on another version."""
    path, waited = warehouse_copy(version), 0.0
    while not path.is_file():
        if waited >= wait_s:
            raise FileNotFoundError(f"на исполнителе нет хранилища версии {version[:12]} / "
                                    f"warehouse version missing on the worker")
        time.sleep(0.5)
        waited += 0.5
    os.utime(path)  # the version in use is the newest kept
    return path


def send_warehouse(client: Any, worker: str, path: Path, version: str) -> bool:
    """Send the warehouse to ``worker`` unless it has this version; True when it was sent.

    Dask's own ways to ship data were measured against this: ``Client.upload_file`` keeps the
    whole file in the scheduler for every future worker, ``scatter`` holds it in worker memory
    (1.2 GB for the national warehouse). Pieces sent with ``Client.run`` keep memory flat and
    need no port but the scheduler's.
    """
    if client.run(has_warehouse, version, workers=[worker])[worker]:
        return False
    token = uuid.uuid4().hex[:8]
    with path.open("rb") as handle:
        offset = 0
        while data := handle.read(CHUNK_BYTES):
            client.run(receive_chunk, version, token, offset, data, workers=[worker])
            offset += len(data)
    if offset == 0:
        client.run(receive_chunk, version, token, 0, b"", workers=[worker])
    client.run(finish_warehouse, version, token, workers=[worker])
    return True


# --- the worker side -----------------------------------------------------------------------

def dask_setup(worker: Any) -> None:
    """``dask worker --preload helpers.batch.cluster``: offer this machine's version as a
    resource (before the worker registers, so the scheduler knows it from the start) and pay
    the renderer's imports now."""
    resource = local_identity().resource
    worker.state.total_resources[resource] = 1
    worker.state.available_resources[resource] = 1
    warm_up()


def dask_teardown(_worker: Any) -> None:
    """Stop the worker's kernel and Chromium with it."""
    close_worker_resources()


def worker_identity() -> dict[str, str]:
    """This worker's identity, for the driver's admission."""
    return asdict(local_identity())


def portable(job: Job) -> Job:
    """The job with its notebook named relative to the project: a worker keeps its clone of the
    project at a path of its own."""
    try:
        relative = job.kind.notebook.relative_to(PROJECT_ROOT)
    except ValueError as exc:
        raise ClusterRefused(f"блокнот {job.kind.notebook} лежит вне проекта: исполнителю его не "
                             f"найти / the notebook is outside the project") from exc
    return replace(job, kind=replace(job.kind, notebook=relative))


def cluster_job(job: Job, expected: Identity, version: str, timeout: float) -> dict[str, Any]:
    """One briefing on a worker: same code and params, the driver's warehouse version, the
    time limit, the files returned as bytes."""
    mine = local_identity()
    if not mine.same(expected):
        raise WorkerMismatch(mismatch_text("этой справки", mine, expected))
    warehouse = await_warehouse(version)
    here = replace(job, kind=replace(job.kind, notebook=PROJECT_ROOT / job.kind.notebook))
    scratch = settings().worker_dir / "scratch"
    return render_job(here, str(scratch), int(timeout), as_bytes=True, time_limit=timeout,
                      warehouse=str(warehouse))


# --- the driver side -----------------------------------------------------------------------

class DaskExecutor:
    """The batch on a Dask cluster (``EXECUTOR=dask DASK_SCHEDULER=host:port``)."""

    def __init__(self, output_dir: Path, *, address: str, timeout: float, warehouse: Path,
                 note: Any = None):
        from distributed import Client

        self.output_dir, self.timeout, self.note = output_dir, timeout, note or (lambda _line: None)
        self.identity = local_identity()
        self.version = warehouse_version(warehouse)
        self.warehouse = warehouse
        try:
            self._client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterRefused(f"планировщик Dask {address} не отвечает ({exc}); запустите его "
                                 f"(make cluster-scheduler) или проверьте DASK_SCHEDULER / "
                                 f"scheduler unreachable") from exc
        self._futures: dict[Any, tuple[Job, float]] = {}
        self._seen: set[str] = set()
        self.transfers: list[tuple[str, float, int]] = []  # worker, seconds, bytes (make bench)
        self._check_allowed_failures()
        if not self.admit():
            self._client.close()
            raise ClusterRefused(f"на кластере {address} нет исполнителей версии запускающего "
                                 f"({self.identity.describe()}) / no worker of the driver's version")

    def _check_allowed_failures(self) -> None:
        allowed = self._client.run_on_scheduler(_allowed_failures)
        if allowed > ALLOWED_FAILURES:
            self.note(f"Планировщик повторяет справку после гибели исполнителя {allowed} раз(а) "
                      f"(allowed-failures); make cluster-scheduler ставит {ALLOWED_FAILURES} / "
                      f"the scheduler retries a briefing that killed its worker {allowed} times")

    def admit(self) -> list[str]:
        """Check every worker not seen before; send the admitted ones the warehouse."""
        workers = [w for w in self._client.scheduler_info(n_workers=-1)["workers"] if w not in self._seen]
        if not workers:
            return []
        self._seen.update(workers)
        resources = {w: info.get("resources", {}) for w, info in
                     self._client.scheduler_info(n_workers=-1)["workers"].items()}
        admitted = []
        for worker, reply in self._client.run(worker_identity, workers=workers, on_error="return").items():
            if isinstance(reply, BaseException):
                self.note(f"исполнитель {worker} отклонён: пакет helpers на нём не работает "
                          f"({type(reply).__name__}: {reply}) / worker refused")
            elif not (theirs := Identity(**reply)).same(self.identity):
                self.note(mismatch_text(worker, theirs, self.identity))
            elif self.identity.resource not in resources.get(worker, {}):
                self.note(f"исполнитель {worker} отклонён: запущен без --preload helpers.batch.cluster "
                          f"(запускайте make cluster-worker) / worker refused: no preload")
            else:
                started = time.monotonic()
                if send_warehouse(self._client, worker, self.warehouse, self.version):
                    self.transfers.append((worker, time.monotonic() - started, self.warehouse.stat().st_size))
                admitted.append(worker)
        return admitted

    def submit(self, job: Job) -> None:
        future = self._client.submit(
            cluster_job, portable(job), self.identity, self.version, self.timeout, pure=False,
            key=f"sferum-{job.kind.name}-{job.territory.code}-{uuid.uuid4().hex[:8]}",
            resources={self.identity.resource: 1})
        self._futures[future] = (job, time.monotonic())

    def outcomes(self) -> Iterator[Outcome]:
        from distributed import as_completed

        finished = as_completed(list(self._futures), loop=self._client.loop)
        unreachable_since: float | None = None
        checked = time.monotonic()
        while self._futures:
            for future in finished.next_batch(block=False) if finished.has_ready() else ():
                if future.status == "cancelled" and self._client.status != "running":
                    continue  # lost with the scheduler, not finished: left for the next run
                job, started = self._futures.pop(future)
                yield Outcome(job, self._entry(future, job, started))
            time.sleep(0.1)
            if time.monotonic() - checked < POLL_S:
                continue
            checked = time.monotonic()
            if self._client.status == "running" and self._admitted_now():
                unreachable_since = None
            else:
                unreachable_since = unreachable_since or time.monotonic()
                if time.monotonic() - unreachable_since > SCHEDULER_GRACE_S:
                    raise ExecutorLost(f"планировщик Dask не отвечает {SCHEDULER_GRACE_S:.0f} с; "
                                       f"пакет остановлен, не сформировано {len(self._futures)}")

    def _admitted_now(self) -> bool:
        """Admit workers that joined meanwhile; False when the scheduler did not answer (Dask's
        ``CommClosedError`` is an ``OSError``)."""
        try:
            self.admit()
        except (OSError, TimeoutError):
            return False
        return True

    def _entry(self, future: Any, job: Job, started: float) -> dict[str, Any]:
        from concurrent.futures import CancelledError  # what a cancelled Dask future raises

        from distributed import KilledWorker

        try:
            return dict(future.result())
        except CancelledError:  # a scheduler that restarted forgot it
            error = ("связь с планировщиком Dask прервалась, справка не сформирована; следующий запуск "
                     "сформирует её / lost with the scheduler")
        except KilledWorker as exc:
            error = (f"исполнитель завершился аварийно на этой справке {ALLOWED_FAILURES + 1} раз(а) "
                     f"(последний {exc.last_worker.address}); справка больше не повторяется / "
                     f"the briefing killed its worker")
        except Exception as exc:
            error = str(exc) if isinstance(exc, WorkerMismatch) else f"{type(exc).__name__}: {exc}"
        return failed_entry(job, error, time.monotonic() - started)

    def shutdown(self) -> None:
        """Cancel what is left (an interrupt) and let go of the scheduler, reachable or not."""
        if self._client.status == "running" and self._futures:
            with contextlib.suppress(Exception):  # it may go away while we ask
                self._client.cancel(list(self._futures))
        with contextlib.suppress(Exception):
            self._client.close(timeout=10)


def _allowed_failures(dask_scheduler: Any) -> int:
    """The scheduler's ``allowed-failures`` (run on the scheduler)."""
    return int(dask_scheduler.allowed_failures)
