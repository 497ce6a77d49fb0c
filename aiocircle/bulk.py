"""Fan-out across many items or projects: ``cci.bulk``.

``map`` runs an async function per item with bounded concurrency and keeps every outcome;
``pipelines`` and ``workflows`` merge one stream per project into a single stream, in the
order results arrive. Requests still go through the client, so its retries and
``max_concurrency`` apply to every call made here.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeAlias, TypeVar

import attrs

from .errors import CircleCIError
from .models import JobDetails, Pipeline, TestResult, Workflow, WorkflowJob
from .resources import Jobs, Pipelines, Workflows


class _Client(Protocol):
    """What bulk work needs of a client (a :class:`~aiocircle.CircleCI`): its resources.
    Typed by shape so this module does not import the client that creates it."""

    @property
    def pipelines(self) -> Pipelines: ...

    @property
    def workflows(self) -> Workflows: ...

    @property
    def jobs(self) -> Jobs: ...


__all__ = [
    "Bulk",
    "BulkError",
    "BulkResult",
    "Failure",
    "JobRecord",
    "MergedStream",
    "Outcome",
    "ProjectFailure",
    "Success",
    "TestRecord",
    "WorkflowRecord",
]

logger = logging.getLogger("aiocircle.bulk")

T = TypeVar("T")
R = TypeVar("R")
Y = TypeVar("Y")
Z = TypeVar("Z")

OnError: TypeAlias = Callable[["ProjectFailure"], object]
# What ``since=`` accepts; see ``_check_since``.
Since: TypeAlias = datetime | date | str

# How many failures a BulkError names in its message; the rest are counted.
_NAMED_IN_MESSAGE = 5


# --- outcomes of map() ---------------------------------------------------------------------


@attrs.frozen
class Success(Generic[T, R]):
    """An item whose call returned ``value``."""

    item: T
    value: R


@attrs.frozen
class Failure(Generic[T]):
    """An item whose call raised ``error``."""

    item: T
    error: Exception

    def describe(self) -> str:
        """A short name for the failed item, used in :class:`BulkError` messages."""
        return repr(self.item)


Outcome: TypeAlias = Success[T, R] | Failure[T]


class BulkError(ExceptionGroup[Exception], CircleCIError):
    """Some items of a bulk run failed; ``failures`` says which, and why.

    Both an :class:`ExceptionGroup` (so ``except* NotFoundError:`` works) and a
    :class:`~aiocircle.CircleCIError` (so ``except CircleCIError:`` catches it).
    ``exceptions`` and ``failures`` are in the same order. Slices made by ``except*``
    are ``BulkError`` too, with the matching ``failures``.
    """

    failures: tuple[Failure[Any], ...]

    def __new__(cls, failures: Sequence[Failure[Any]]) -> Self:
        names = ", ".join(f.describe() for f in failures[:_NAMED_IN_MESSAGE])
        more = len(failures) - _NAMED_IN_MESSAGE
        suffix = f" and {more} more" if more > 0 else ""
        noun = "failure" if len(failures) == 1 else "failures"
        message = f"{len(failures)} {noun}: {names}{suffix}"
        self = super().__new__(cls, message, [f.error for f in failures])
        self.failures = tuple(failures)
        return self

    # typeshed's derive() is generic over the exception type; ours keeps BulkError.
    def derive(self, excs: Sequence[Exception]) -> ExceptionGroup[Exception]:  # type: ignore[override]
        by_identity = {id(f.error): f for f in self.failures}
        kept = [by_identity.get(id(exc)) for exc in excs]
        if all(f is not None for f in kept):
            return BulkError([f for f in kept if f is not None])
        # A nested group was split into a new object: no failure to pair it with.
        return ExceptionGroup(self.message, excs)


@attrs.frozen
class BulkResult(Generic[T, R]):
    """Every item's outcome, in the order the items were given.

    ``values`` and ``errors`` are keyed by item, so they need hashable items and keep the
    last outcome of a repeated item; ``outcomes`` always has one entry per item given.
    """

    outcomes: tuple[Outcome[T, R], ...]

    @property
    def values(self) -> dict[T, R]:
        """Item → value, for the items that succeeded."""
        return {o.item: o.value for o in self.outcomes if isinstance(o, Success)}

    @property
    def errors(self) -> dict[T, Exception]:
        """Item → exception, for the items that failed."""
        return {o.item: o.error for o in self.outcomes if isinstance(o, Failure)}

    @property
    def failures(self) -> list[Failure[T]]:
        """The failed outcomes, in item order."""
        return [o for o in self.outcomes if isinstance(o, Failure)]

    @property
    def ok(self) -> bool:
        """``True`` when no item failed."""
        return not any(isinstance(o, Failure) for o in self.outcomes)

    def raise_for_errors(self) -> Self:
        """Raise :class:`BulkError` if any item failed; otherwise return this result."""
        failures = self.failures
        if failures:
            raise BulkError(failures)
        return self


# --- failures and records of the merged streams --------------------------------------------


@attrs.frozen
class ProjectFailure(Failure[str]):
    """A failure while streaming one project; ``item`` is the project slug.

    ``pipeline`` and ``workflow`` are ``None`` when the project's pipeline list itself
    failed (that project then stops). A failure to list one pipeline's workflows names the
    pipeline; a failure to list one workflow's jobs names both. The stream goes on after those.
    """

    pipeline: Pipeline | None = None
    workflow: Workflow | None = None
    job: WorkflowJob | None = None

    @property
    def slug(self) -> str:
        return self.item

    def describe(self) -> str:
        where = self.item
        if self.pipeline is not None:
            where += f" pipeline {self.pipeline.number}"
        if self.workflow is not None:
            where += f" workflow {self.workflow.name!r}"
        if self.job is not None:
            where += f" job {self.job.job_number} {self.job.name!r}"
        return where

    def __str__(self) -> str:
        return f"{self.describe()}: {type(self.error).__name__}: {self.error}"


@attrs.frozen
class WorkflowRecord:
    """One workflow of one pipeline of one project, as yielded by ``cci.bulk.workflows``.

    ``jobs`` is ``None`` unless ``with_jobs=True``; it is also ``None`` if listing the
    jobs failed, and the stream's ``failures`` then names this workflow.
    """

    slug: str
    pipeline: Pipeline
    workflow: Workflow
    jobs: list[WorkflowJob] | None = None


@attrs.frozen
class JobRecord:
    """One job of one workflow, as yielded by ``cci.bulk.jobs``.

    ``details`` is ``None`` unless ``details=True`` and the job has a number (approval jobs
    have none); it is also ``None`` if reading them failed, and ``failures`` names the job.
    """

    slug: str
    pipeline: Pipeline
    workflow: Workflow
    job: WorkflowJob
    details: JobDetails | None = None


@attrs.frozen
class TestRecord:
    """One test result of one job, as yielded by ``cci.bulk.tests``."""

    __test__ = False  # not a pytest class

    slug: str
    pipeline: Pipeline
    workflow: Workflow
    job: WorkflowJob
    test: TestResult


# --- the merged stream ---------------------------------------------------------------------


class _Signal(enum.Enum):
    DONE = enum.auto()  # one worker has no more projects
    CLOSED = enum.auto()  # the stream was closed; stop reading


class _Outlet:
    """What a producer gets for one project: emit an item, or record a failure and go on."""

    def __init__(
        self,
        slug: str,
        queue: asyncio.Queue[Any],
        record: Callable[[ProjectFailure], None],
    ) -> None:
        self.slug = slug
        self._queue = queue
        self._record = record

    async def emit(self, item: Any) -> None:
        # Waits while the queue is full: a slow consumer slows the producers down.
        await self._queue.put(item)

    def fail(
        self,
        error: Exception,
        *,
        pipeline: Pipeline | None = None,
        workflow: Workflow | None = None,
        job: WorkflowJob | None = None,
    ) -> None:
        self._record(
            ProjectFailure(self.slug, error, pipeline=pipeline, workflow=workflow, job=job)
        )


_Producer: TypeAlias = Callable[[str, _Outlet], Awaitable[None]]


def _identity(value: Any) -> Any:
    return value


class MergedStream(Generic[Y]):
    """Items from many projects, yielded as they arrive; made by ``cci.bulk``.

    At most ``concurrency`` projects are fetched at once, each by its own producer feeding
    one bounded queue. A project that fails is recorded in ``failures`` (and passed to
    ``on_error``, if given) while the others carry on; read ``failures`` or call
    ``raise_for_errors()`` once iteration has finished.

    Use it as an async context manager so that stopping early (``break``, an exception)
    cancels and awaits the producers before the block ends::

        async with cci.bulk.pipelines(slugs) as stream:
            async for slug, pipeline in stream:
                ...
        stream.raise_for_errors()

    A plain ``async for`` also works; after an early ``break`` the producers are then
    cancelled when the event loop finalizes the iterator, soon but not before the next line.
    A stream can be iterated once.
    """

    def __init__(
        self,
        slugs: Iterable[str],
        produce: _Producer,
        *,
        concurrency: int,
        on_error: OnError | None = None,
        convert: Callable[[Any], Y] = _identity,
    ) -> None:
        _check_concurrency(concurrency)
        self._slugs = tuple(slugs)
        self._produce = produce
        self._concurrency = concurrency
        self._on_error = on_error
        self._convert = convert
        self._started = False
        self._closed = False
        self._tasks: list[asyncio.Task[None]] = []
        self._queue: asyncio.Queue[Any] | None = None
        self.failures: list[ProjectFailure] = []
        """Every failure so far, in the order they happened."""

    @property
    def ok(self) -> bool:
        """``True`` when nothing has failed (so far)."""
        return not self.failures

    def raise_for_errors(self) -> None:
        """Raise :class:`BulkError` of the ``failures``, if there are any."""
        if self.failures:
            raise BulkError(self.failures)

    def map(self, fn: Callable[[Y], Z]) -> MergedStream[Z]:
        """A new stream over the same projects yielding ``fn(item)``; iterate it instead.

        ``fn`` runs in the consumer, so an exception from it ends the iteration.
        """
        if self._started:
            raise RuntimeError("map() must be called before the stream is iterated")
        convert = self._convert
        return MergedStream(
            self._slugs,
            self._produce,
            concurrency=self._concurrency,
            on_error=self._on_error,
            convert=lambda raw: fn(convert(raw)),
        )

    def __aiter__(self) -> AsyncIterator[Y]:
        if self._started:
            raise RuntimeError("a merged stream can be iterated only once; ask for a new one")
        self._started = True
        return self._run()

    async def aclose(self) -> None:
        """Cancel the producers and wait for them to finish. Safe to call more than once."""
        self._closed = True
        await self._stop()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self) -> AsyncGenerator[Y, None]:
        if self._closed:
            return
        # Producers run in tasks of their own rather than a TaskGroup: a TaskGroup's
        # scope must not span a ``yield`` (PEP 789), and the consumer may stop at any yield.
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=self._concurrency)
        self._queue = queue
        slugs = deque(self._slugs)
        workers = min(self._concurrency, len(slugs))
        self._tasks = [
            asyncio.create_task(self._worker(slugs, queue), name=f"aiocircle.bulk worker {i}")
            for i in range(workers)
        ]
        try:
            finished = 0
            while finished < workers:
                raw = await queue.get()
                if raw is _Signal.DONE:
                    finished += 1
                elif raw is _Signal.CLOSED:
                    return
                else:
                    yield self._convert(raw)
        finally:
            await self._stop()

    async def _worker(self, slugs: deque[str], queue: asyncio.Queue[Any]) -> None:
        while slugs:
            slug = slugs.popleft()
            try:
                await self._produce(slug, _Outlet(slug, queue, self._record))
            except asyncio.CancelledError as exc:
                if _being_cancelled():
                    raise
                self._record(ProjectFailure(slug, _stray_cancellation(exc)))
            except Exception as exc:
                self._record(ProjectFailure(slug, exc))
        await queue.put(_Signal.DONE)

    def _record(self, failure: ProjectFailure) -> None:
        self.failures.append(failure)
        logger.debug("bulk stream: %s", failure)
        if self._on_error is None:
            return
        try:
            self._on_error(failure)
        except Exception:
            logger.exception("the on_error callback raised; ignoring it")

    async def _stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                logger.error("a bulk worker failed", exc_info=task.exception())
        queue = self._queue
        if queue is not None and tasks:
            # Wake a consumer still waiting on get(): drop what is left and say we closed.
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(_Signal.CLOSED)


# --- the namespace -------------------------------------------------------------------------


class Bulk:
    """``cci.bulk``: run work across many items or projects with bounded concurrency."""

    def __init__(self, client: _Client) -> None:
        self._client = client

    async def map(
        self,
        items: Iterable[T],
        fn: Callable[[T], Awaitable[R]],
        *,
        concurrency: int = 8,
    ) -> BulkResult[T, R]:
        """Call ``await fn(item)`` for every item, at most ``concurrency`` at a time.

        Every item gets an outcome, in the order given: an exception from ``fn`` is kept
        as that item's :class:`Failure` and the other items go on. Nothing is raised for
        failed items; call ``raise_for_errors()`` on the result for that. Cancelling the
        caller cancels the calls in flight, waits for them, and drops the rest.
        """
        _check_concurrency(concurrency)
        pending: asyncio.Queue[tuple[int, T]] = asyncio.Queue()
        for index_item in enumerate(items):
            pending.put_nowait(index_item)
        outcomes: list[Outcome[T, R] | None] = [None] * pending.qsize()

        async def worker() -> None:
            while True:
                try:
                    index, item = pending.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    outcomes[index] = Success(item, await fn(item))
                except asyncio.CancelledError as exc:
                    if _being_cancelled():
                        raise
                    outcomes[index] = Failure(item, _stray_cancellation(exc))
                except Exception as exc:
                    outcomes[index] = Failure(item, exc)

        async with asyncio.TaskGroup() as group:
            for i in range(min(concurrency, len(outcomes))):
                group.create_task(worker(), name=f"aiocircle.bulk map worker {i}")
        done = [o for o in outcomes if o is not None]
        assert len(done) == len(outcomes), "every item gets an outcome"
        return BulkResult(tuple(done))

    def pipelines(
        self,
        slugs: Iterable[str],
        *,
        branch: str | None = None,
        since: Since | None = None,
        until: Since | None = None,
        concurrency: int = 8,
        on_error: OnError | None = None,
    ) -> MergedStream[tuple[str, Pipeline]]:
        """``(slug, pipeline)`` from every project, newest first within each project.

        ``since`` (timezone-aware) stops a project at its first pipeline created before it;
        no later page is requested. ``until`` skips pipelines created after it (they are
        still listed: the API cannot filter them out).
        Calls ``GET /project/{project-slug}/pipeline`` per project.
        """
        window = _window(since, until)

        async def produce(slug: str, out: _Outlet) -> None:
            async def emit(pipeline: Pipeline) -> None:
                await out.emit((slug, pipeline))

            await self._each_pipeline(slug, branch, window, emit)

        return MergedStream(slugs, produce, concurrency=concurrency, on_error=on_error)

    def workflows(
        self,
        slugs: Iterable[str],
        *,
        branch: str | None = None,
        since: Since | None = None,
        until: Since | None = None,
        with_jobs: bool = False,
        concurrency: int = 8,
        on_error: OnError | None = None,
    ) -> MergedStream[WorkflowRecord]:
        """A :class:`WorkflowRecord` per workflow of every pipeline ``pipelines()`` would yield.

        With ``with_jobs=True`` each record also carries the workflow's jobs. A pipeline
        whose workflows cannot be listed is recorded in ``failures`` and skipped; the
        project goes on with its next pipeline. Calls ``GET /pipeline/{id}/workflow`` per
        pipeline and, with jobs, ``GET /workflow/{id}/job`` per workflow.
        """
        window = _window(since, until)
        client = self._client

        async def produce(slug: str, out: _Outlet) -> None:
            async def emit(pipeline: Pipeline) -> None:
                try:
                    workflows = await client.pipelines.workflows(pipeline.id).collect()
                except Exception as exc:
                    out.fail(exc, pipeline=pipeline)
                    return
                for workflow in workflows:
                    jobs: list[WorkflowJob] | None = None
                    if with_jobs:
                        try:
                            jobs = await client.workflows.jobs(workflow.id).collect()
                        except Exception as exc:
                            out.fail(exc, pipeline=pipeline, workflow=workflow)
                    await out.emit(WorkflowRecord(slug, pipeline, workflow, jobs))

            await self._each_pipeline(slug, branch, window, emit)

        return MergedStream(slugs, produce, concurrency=concurrency, on_error=on_error)

    def jobs(
        self,
        slugs: Iterable[str],
        *,
        branch: str | None = None,
        since: Since | None = None,
        until: Since | None = None,
        details: bool = False,
        concurrency: int = 8,
        on_error: OnError | None = None,
    ) -> MergedStream[JobRecord]:
        """A :class:`JobRecord` per job of every workflow ``workflows()`` would yield.

        With ``details=True`` each numbered job is also read with
        ``GET /project/{project-slug}/job/{job-number}`` (queue time, executor), the jobs of
        one workflow at once; a job whose details fail is recorded in ``failures`` and still
        yielded, without them.
        """
        client = self._client

        async def each(record: WorkflowRecord, out: _Outlet) -> None:
            jobs = record.jobs or []

            async def read(job: WorkflowJob) -> JobDetails | None:
                if not details or job.job_number is None:
                    return None
                try:
                    return await client.jobs.get(record.slug, job.job_number)
                except Exception as exc:
                    out.fail(exc, pipeline=record.pipeline, workflow=record.workflow, job=job)
                    return None

            found = await asyncio.gather(*(read(job) for job in jobs))
            for job, info in zip(jobs, found, strict=True):
                await out.emit(JobRecord(record.slug, record.pipeline, record.workflow, job, info))

        return self._per_workflow(slugs, (since, until), branch, each, concurrency, on_error)

    def tests(
        self,
        slugs: Iterable[str],
        *,
        branch: str | None = None,
        since: Since | None = None,
        until: Since | None = None,
        concurrency: int = 8,
        on_error: OnError | None = None,
    ) -> MergedStream[TestRecord]:
        """A :class:`TestRecord` per stored test result of every numbered job ``jobs()`` would
        yield; a job without test metadata yields none. Calls
        ``GET /project/{project-slug}/{job-number}/tests`` per job, the jobs of one workflow
        at once; a job whose tests cannot be read is recorded in ``failures``.
        """
        client = self._client

        async def each(record: WorkflowRecord, out: _Outlet) -> None:
            jobs = [job for job in record.jobs or [] if job.job_number is not None]

            async def read(job: WorkflowJob) -> list[TestResult]:
                assert job.job_number is not None
                try:
                    return await client.jobs.tests(record.slug, job.job_number).collect()
                except Exception as exc:
                    out.fail(exc, pipeline=record.pipeline, workflow=record.workflow, job=job)
                    return []

            found = await asyncio.gather(*(read(job) for job in jobs))
            for job, tests in zip(jobs, found, strict=True):
                for test in tests:
                    await out.emit(
                        TestRecord(record.slug, record.pipeline, record.workflow, job, test)
                    )

        return self._per_workflow(slugs, (since, until), branch, each, concurrency, on_error)

    def _per_workflow(
        self,
        slugs: Iterable[str],
        bounds: tuple[Since | None, Since | None],
        branch: str | None,
        each: Callable[[WorkflowRecord, _Outlet], Awaitable[None]],
        concurrency: int,
        on_error: OnError | None,
    ) -> MergedStream[Any]:
        """A stream whose producer calls ``each`` on every workflow record, with its jobs.

        The pipelines of one page are worked on at once, and the workflows of one pipeline:
        the client's ``max_concurrency`` bounds the requests in flight, and a project's last
        page does not leave the other slots idle. Records of one project therefore arrive in
        no particular order.
        """
        window = _window(*bounds)
        client = self._client

        async def produce(slug: str, out: _Outlet) -> None:
            async def workflow_of(pipeline: Pipeline, workflow: Workflow) -> None:
                try:
                    jobs = await client.workflows.jobs(workflow.id).collect()
                except Exception as exc:
                    out.fail(exc, pipeline=pipeline, workflow=workflow)
                    return
                await each(WorkflowRecord(slug, pipeline, workflow, jobs), out)

            async def pipeline_of(pipeline: Pipeline) -> None:
                try:
                    workflows = await client.pipelines.workflows(pipeline.id).collect()
                except Exception as exc:
                    out.fail(exc, pipeline=pipeline)
                    return
                await asyncio.gather(*(workflow_of(pipeline, w) for w in workflows))

            async def page_of(pipelines: list[Pipeline]) -> None:
                await asyncio.gather(*(pipeline_of(p) for p in pipelines))

            await self._each_page(slug, branch, window, page_of)

        return MergedStream(slugs, produce, concurrency=concurrency, on_error=on_error)

    async def _each_page(
        self,
        slug: str,
        branch: str | None,
        window: _Window,
        handle: Callable[[list[Pipeline]], Awaitable[None]],
    ) -> None:
        """Call ``handle`` on each page of a project's pipelines within ``window``."""
        since, until = window
        paginator = self._client.pipelines.list(slug, branch=branch)
        async with _closing(paginator.pages()) as pages:
            async for page in pages:
                recent = [p for p in page.items if since is None or p.created_at >= since]
                kept = [p for p in recent if until is None or p.created_at <= until]
                if kept:
                    await handle(kept)
                # Pipelines come newest first: one older than the cut-off ends the project.
                if len(recent) < len(page.items):
                    return

    async def _each_pipeline(
        self,
        slug: str,
        branch: str | None,
        window: _Window,
        handle: Callable[[Pipeline], Awaitable[None]],
    ) -> None:
        """Call ``handle`` on a project's pipelines, newest first, within ``window``."""
        since, until = window
        paginator = self._client.pipelines.list(slug, branch=branch)
        async with _closing(paginator.pages()) as pages:
            async for page in pages:
                for pipeline in page.items:
                    # Pipelines come newest first: the first older one ends the project.
                    if since is not None and pipeline.created_at < since:
                        return
                    # Newer than ``until``: listed (the API has no such filter), skipped.
                    if until is None or pipeline.created_at <= until:
                        await handle(pipeline)


# --- helpers -------------------------------------------------------------------------------


def _check_concurrency(concurrency: int) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an int of at least 1, not {concurrency!r}")


_Window: TypeAlias = tuple[datetime | None, datetime | None]


def _window(since: Since | None, until: Since | None) -> _Window:
    """``(since, until)`` checked; ``until`` before ``since`` is refused."""
    start, end = _check_since(since), _check_since(until, "until")
    if start is not None and end is not None and end < start:
        raise ValueError("until must not be before since")
    return start, end


def _check_since(since: Since | None, name: str = "since") -> datetime | None:
    """``since`` as a timezone-aware datetime.

    A ``date`` means its midnight UTC; an ISO 8601 string (``"2025-06-01"``,
    ``"2025-06-01T12:00+02:00"``) without a time zone is read as UTC. A naive ``datetime``
    is refused: it may mean local time or UTC, and guessing wrong moves the cut-off.
    """
    if since is None:
        return None
    if isinstance(since, str):
        try:
            parsed = datetime.fromisoformat(since.strip())
        except ValueError:
            raise ValueError(f"{name} is not an ISO 8601 date or datetime: {since!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(since, datetime):
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime, e.g. datetime.now(UTC)")
        return since
    if isinstance(since, date):
        return datetime(since.year, since.month, since.day, tzinfo=UTC)
    raise ValueError(
        f"{name} must be a datetime, a date or an ISO 8601 string, not {type(since).__name__}"
    )


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _stray_cancellation(exc: asyncio.CancelledError) -> RuntimeError:
    # A CancelledError nobody asked for (say, from awaiting a future someone else
    # cancelled). Left alone it would end the worker silently and lose the item.
    error = RuntimeError("the call raised CancelledError although the bulk run was not cancelled")
    error.__cause__ = exc
    return error


@asynccontextmanager
async def _closing(iterable: AsyncIterable[T]) -> AsyncIterator[AsyncIterator[T]]:
    """Iterate ``iterable`` and close the iterator on the way out, even after ``return``."""
    iterator = aiter(iterable)
    try:
        yield iterator
    finally:
        if isinstance(iterator, AsyncGenerator):
            await iterator.aclose()
