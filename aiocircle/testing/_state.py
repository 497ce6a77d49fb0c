"""The fake's in-memory CircleCI: users, projects, pipelines, workflows, jobs and artifacts.

Everything here is plain data and pure state changes; nothing touches the network. Ids and
timestamps come from one seeded random source and a fake clock, so the same sequence of builder
calls always yields the same data.
"""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import attrs

from ._content import ArtifactContent, artifact_key

#: The fake's "now" when it starts; every timestamp is derived from it.
EPOCH = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)

_VCS_ALIASES = {"gh": "gh", "github": "gh", "bb": "bb", "bitbucket": "bb", "circleci": "circleci"}
_PROVIDERS = {"gh": "GitHub", "bb": "Bitbucket", "circleci": "CircleCI"}
_VCS_TYPES = {"gh": "github", "bb": "bitbucket", "circleci": "circleci"}

#: Job statuses that can still change: cancel and approve act on these.
ACTIVE_JOB_STATUSES = frozenset({"running", "queued", "not_running", "blocked", "on_hold"})
_FAILED_JOB_STATUSES = frozenset(
    {"failed", "infrastructure_fail", "timedout", "terminated-unknown"}
)


def iso(moment: datetime) -> str:
    """CircleCI's timestamp format: UTC, milliseconds, `Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _forget_json(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> Any:
    # Any change to an entity drops its cached JSON, so handlers can serve cached bytes safely.
    if attribute.name != "cached_json":
        object.__setattr__(instance, "cached_json", None)
    return value


def _cache() -> Any:
    return attrs.field(default=None, init=False, repr=False)


P = TypeVar("P")


class NotFound(LookupError):
    """A lookup found nothing; the message is CircleCI's 404 message."""


class Conflict(ValueError):
    """A state change is not allowed; the message is the 400 message."""


@attrs.define(eq=False, on_setattr=_forget_json)
class User:
    id: str
    login: str
    name: str
    avatar_url: str | None
    token: str | None = attrs.field(default=None, repr=False)
    organizations: list[Organization] = attrs.Factory(list)
    cached_json: bytes | None = _cache()


@attrs.define(eq=False, on_setattr=_forget_json)
class Organization:
    id: str
    vcs: str  # "gh", "bb" or "circleci"
    name: str
    avatar_url: str
    cached_json: bytes | None = _cache()

    @property
    def slug(self) -> str:
        return f"{self.vcs}/{self.id if self.vcs == 'circleci' else self.name}"

    @property
    def vcs_type(self) -> str:
        return _VCS_TYPES[self.vcs]


@attrs.define(eq=False, on_setattr=_forget_json)
class CheckoutKey:
    public_key: str
    type: str  # "deploy-key" or "github-user-key"
    fingerprint_md5: str
    fingerprint_sha256: str
    preferred: bool
    created_at: datetime
    cached_json: bytes | None = _cache()


@attrs.define(eq=False, on_setattr=_forget_json)
class EnvVar:
    name: str
    value: str = attrs.field(repr=False)
    created_at: datetime
    cached_json: bytes | None = _cache()

    @property
    def masked(self) -> str:
        """The value as CircleCI shows it: `xxxx` and the last four characters."""
        return "xxxx" + self.value[-4:]


@attrs.frozen
class JobSpec:
    """One job of a workflow template, used when a pipeline is triggered through the API."""

    name: str
    requires: tuple[str, ...] = ()
    type: str = "build"
    parallelism: int = 1


@attrs.frozen
class WorkflowSpec:
    name: str
    jobs: tuple[JobSpec, ...]


DEFAULT_TEMPLATE = (
    WorkflowSpec("build-and-test", (JobSpec("build"), JobSpec("test", requires=("build",)))),
)


@attrs.define(eq=False, on_setattr=_forget_json)
class Project:
    slug: str
    id: str
    name: str
    organization: Organization
    default_branch: str
    vcs_url: str
    private: bool = True
    #: Workflows and jobs a pipeline triggered through the API gets.
    template: tuple[WorkflowSpec, ...] = DEFAULT_TEMPLATE
    pipelines: list[Pipeline] = attrs.Factory(list)
    jobs: dict[int, Job] = attrs.Factory(dict)
    checkout_keys: dict[str, CheckoutKey] = attrs.Factory(dict)
    env_vars: dict[str, EnvVar] = attrs.Factory(dict)
    next_pipeline_number: int = 1
    next_job_number: int = 1
    cached_json: bytes | None = _cache()

    @property
    def provider(self) -> str:
        return _PROVIDERS[self.organization.vcs]


@attrs.define(eq=False, on_setattr=_forget_json)
class Pipeline:
    id: str
    project: Project
    number: int
    state: str
    created_at: datetime
    updated_at: datetime
    trigger_type: str
    actor: User
    branch: str | None
    tag: str | None
    revision: str
    commit_subject: str
    parameters: Mapping[str, int | str | bool] = attrs.Factory(dict)
    errors: tuple[tuple[str, str], ...] = ()
    workflows: list[Workflow] = attrs.Factory(list)
    cached_json: bytes | None = _cache()


@attrs.define(eq=False, on_setattr=_forget_json)
class Workflow:
    id: str
    pipeline: Pipeline
    name: str
    status: str
    created_at: datetime
    stopped_at: datetime | None
    started_by: str
    canceled_by: str | None = None
    jobs: list[Job] = attrs.Factory(list)
    cached_json: bytes | None = _cache()


@attrs.define(eq=False, on_setattr=_forget_json)
class Job:
    id: str
    project: Project
    pipeline: Pipeline
    name: str
    type: str  # "build" or "approval"
    status: str
    number: int | None
    created_at: datetime
    started_at: datetime
    stopped_at: datetime | None
    dependencies: tuple[str, ...] = ()
    parallelism: int = 1
    approved_by: str | None = None
    canceled_by: str | None = None
    resource_class: str = "medium"
    executor_type: str = "docker"
    contexts: tuple[str, ...] = ()
    #: Every workflow that lists this job; a rerun from failed carries passed jobs over.
    workflows: list[Workflow] = attrs.Factory(list)
    artifacts: dict[tuple[int, str], Artifact] = attrs.Factory(dict)
    tests: list[TestResult] = attrs.Factory(list)
    cached_json: bytes | None = _cache()

    @property
    def approval_request_id(self) -> str | None:
        # CircleCI uses the approval job's own id as its approval request id.
        return self.id if self.type == "approval" else None

    @property
    def duration_ms(self) -> int | None:
        if self.stopped_at is None:
            return None
        return int((self.stopped_at - self.started_at).total_seconds() * 1000)


@attrs.define(eq=False, on_setattr=_forget_json)
class Artifact:
    job: Job
    path: str
    node_index: int
    content: ArtifactContent
    cached_json: bytes | None = _cache()

    @property
    def size(self) -> int:
        return self.content.size

    @property
    def blob_id(self) -> str:
        """The artifact's object name on the storage listener."""
        return self.content.key.hex()[:32]

    @property
    def sha256(self) -> str:
        return self.content.sha256()


@attrs.frozen
class StoredFile:
    """A file the storage listener serves beside artifacts (a usage export's CSV part)."""

    name: str
    data: bytes = attrs.field(repr=False)
    content_type: str
    modified: datetime


@attrs.frozen
class TestResult:
    name: str
    classname: str
    file: str
    result: str
    run_time: float
    message: str | None = None
    source: str = "junit"


def derive_workflow_status(jobs: Iterable[Job]) -> str:
    """A workflow's status from its jobs' statuses, the way CircleCI reports it."""
    statuses = {job.status for job in jobs}
    failed = bool(statuses & _FAILED_JOB_STATUSES)
    # Blocked jobs wait on others: they keep a workflow neither running nor on hold.
    if statuses & {"running", "queued", "not_running"}:
        return "failing" if failed else "running"
    if "on_hold" in statuses:
        return "on_hold"
    if "canceled" in statuses:
        return "canceled"
    if failed:
        return "failed"
    if "unauthorized" in statuses:
        return "unauthorized"
    return "success"


def split_slug(slug: str) -> tuple[str, str, str]:
    """`(vcs, org, repo)` of a project slug, the VCS alias normalised (`github` → `gh`)."""
    parts = slug.strip("/").split("/")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"a project slug has three parts, like gh/org/repo: {slug!r}")
    vcs = _VCS_ALIASES.get(parts[0].lower())
    if vcs is None:
        raise ValueError(f"unknown VCS {parts[0]!r} in project slug {slug!r}")
    return vcs, parts[1], parts[2]


class State:
    """The fake's data and the builders that seed it.

    Builders take entities or slugs and return the entities they create, so seeding reads like
    the data it builds::

        project = state.add_project("gh/acme/web")
        pipeline = state.add_pipeline(project, branch="main")
        workflow = state.add_workflow(pipeline, "build-and-test")
        build = state.add_job(workflow, "build", parallelism=2)
        state.add_artifact(build, "dist/app.tar.gz", size=4096, node_index=1)
    """

    def __init__(self, *, seed: int = 0, token: str = "test-token") -> None:
        self.seed = seed
        self._random = random.Random(seed)
        #: The fake clock: builders stamp "now" from it and trigger/rerun advance it.
        self.now = EPOCH
        self.users: dict[str, User] = {}
        self.tokens: dict[str, User] = {}
        self.organizations: dict[tuple[str, str], Organization] = {}
        self.projects: dict[tuple[str, str, str], Project] = {}
        self.projects_by_id: dict[str, Project] = {}
        self.pipelines: dict[str, Pipeline] = {}
        self.workflows: dict[str, Workflow] = {}
        self.jobs: dict[str, Job] = {}
        self.blobs: dict[str, Artifact] = {}
        #: Files other than artifacts on the storage listener, by object name.
        self.files: dict[str, StoredFile] = {}
        self._parts: dict[Callable[[State], Any], Any] = {}
        self.me = self.add_user("octocat", name="Octo Cat", token=token)

    def part(self, kind: Callable[[State], P]) -> P:
        """The state container of one tag module (e.g. contexts), made on first use.

        A tag module keeps its entities in its own class, built as ``kind(state)`` so it can
        draw ids, the clock and users from here; tests seed it through the same call.
        """
        found = self._parts.get(kind)
        if found is None:
            found = self._parts[kind] = kind(self)
        return found

    # --- ids, clock ---------------------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    @property
    def rng(self) -> random.Random:
        """The seeded random source builders draw from."""
        return self._random

    def tick(self, seconds: float = 1.0) -> datetime:
        """Advance the fake clock and return the new now."""
        self.now += timedelta(seconds=seconds)
        return self.now

    # --- lookups (raise NotFound with CircleCI's message) -------------------------------------

    def project(self, slug: str) -> Project:
        """The project for a slug in any of its spellings (`gh`/`github`, `bb`/`bitbucket`)."""
        try:
            vcs, org, repo = split_slug(slug)
        except ValueError:
            raise NotFound("Project not found") from None
        found = self.projects.get((vcs, org.lower(), repo.lower()))
        if found is None:
            raise NotFound("Project not found")
        return found

    def job(self, project: Project, number: int) -> Job:
        found = project.jobs.get(number)
        if found is None:
            raise NotFound("Job not found")
        return found

    # --- builders ------------------------------------------------------------------------------

    def add_user(
        self,
        login: str,
        *,
        name: str | None = None,
        token: str | None = None,
        avatar_url: str | None = None,
    ) -> User:
        """A user; with a token it can authenticate (each token has its own rate-limit bucket)."""
        user = User(
            id=self.new_id(),
            login=login,
            name=name or login,
            avatar_url=avatar_url or f"https://avatars.example.com/{login}",
            token=token,
        )
        self.users[user.id] = user
        if token is not None:
            if token in self.tokens:
                raise ValueError("that token already belongs to a user")
            self.tokens[token] = user
        return user

    def add_project(
        self,
        slug: str,
        *,
        name: str | None = None,
        default_branch: str = "main",
        private: bool = True,
        template: Sequence[WorkflowSpec] = DEFAULT_TEMPLATE,
    ) -> Project:
        """A project and, if new, its organization (which the default user collaborates on)."""
        vcs, org_name, repo = split_slug(slug)
        key = (vcs, org_name.lower(), repo.lower())
        if key in self.projects:
            raise ValueError(f"project {slug!r} exists")
        org = self.organizations.get((vcs, org_name.lower()))
        if org is None:
            org = Organization(
                id=org_name if vcs == "circleci" else self.new_id(),
                vcs=vcs,
                name=org_name if vcs != "circleci" else f"org-{org_name[:8]}",
                avatar_url=f"https://avatars.example.com/{org_name}",
            )
            self.organizations[(vcs, org_name.lower())] = org
            self.me.organizations = [*self.me.organizations, org]
        if vcs == "circleci":
            project_id, project_name = repo, name or f"project-{repo[:8]}"
            vcs_url = f"//circleci.com/{org_name}/{repo}"
        else:
            project_id, project_name = self.new_id(), name or repo
            host = "github.com" if vcs == "gh" else "bitbucket.org"
            vcs_url = f"https://{host}/{org_name}/{repo}"
        project = Project(
            slug=f"{vcs}/{org_name}/{repo}",
            id=project_id,
            name=project_name,
            organization=org,
            default_branch=default_branch,
            vcs_url=vcs_url,
            private=private,
            template=tuple(template),
        )
        self.projects[key] = project
        self.projects_by_id[project.id] = project
        return project

    def add_pipeline(
        self,
        project: Project | str,
        *,
        branch: str | None = None,
        tag: str | None = None,
        state: str = "created",
        created_at: datetime | None = None,
        actor: User | None = None,
        trigger_type: str = "webhook",
        parameters: Mapping[str, int | str | bool] | None = None,
        errors: Sequence[tuple[str, str]] = (),
    ) -> Pipeline:
        """A pipeline with the project's next number; on the default branch unless told."""
        if isinstance(project, str):
            project = self.project(project)
        if branch is not None and tag is not None:
            raise ValueError("branch and tag are exclusive")
        if branch is None and tag is None:
            branch = project.default_branch
        moment = created_at or self.now
        revision = hashlib.sha1(f"{project.slug}:{project.next_pipeline_number}".encode())
        pipeline = Pipeline(
            id=self.new_id(),
            project=project,
            number=project.next_pipeline_number,
            state=state,
            created_at=moment,
            updated_at=moment,
            trigger_type=trigger_type,
            actor=actor or self.me,
            branch=branch,
            tag=tag,
            revision=revision.hexdigest(),
            commit_subject=f"Change number {project.next_pipeline_number}",
            parameters=dict(parameters or {}),
            errors=tuple(errors),
        )
        project.next_pipeline_number += 1
        project.pipelines.append(pipeline)
        self.pipelines[pipeline.id] = pipeline
        return pipeline

    def add_workflow(
        self,
        pipeline: Pipeline,
        name: str,
        *,
        created_at: datetime | None = None,
        started_by: User | None = None,
    ) -> Workflow:
        """An empty workflow; its status follows the jobs added to it."""
        workflow = Workflow(
            id=self.new_id(),
            pipeline=pipeline,
            name=name,
            status="success",
            created_at=created_at or pipeline.created_at,
            stopped_at=None,
            started_by=(started_by or pipeline.actor).id,
        )
        pipeline.workflows.append(workflow)
        self.workflows[workflow.id] = workflow
        self.refresh(workflow)
        return workflow

    def add_job(
        self,
        workflow: Workflow,
        name: str,
        *,
        status: str = "success",
        requires: Sequence[Job] = (),
        parallelism: int = 1,
        started_at: datetime | None = None,
        duration: float | None = 60.0,
        contexts: Sequence[str] = (),
    ) -> Job:
        """A build job with the project's next job number.

        `duration` is in seconds; `None` leaves the job unfinished (no `stopped_at`), as are
        jobs whose status is still active (running, queued, blocked...).
        """
        return self._add_job(
            workflow,
            name,
            kind="build",
            status=status,
            requires=requires,
            parallelism=parallelism,
            started_at=started_at,
            duration=duration,
            contexts=contexts,
        )

    def add_approval(
        self,
        workflow: Workflow,
        name: str = "hold",
        *,
        status: str = "on_hold",
        requires: Sequence[Job] = (),
        approved_by: User | None = None,
    ) -> Job:
        """An approval job: no job number, `type: approval`, on hold unless told."""
        job = self._add_job(
            workflow,
            name,
            kind="approval",
            status=status,
            requires=requires,
            parallelism=1,
            started_at=None,
            duration=0.0,
            contexts=(),
        )
        if status == "success":
            job.approved_by = (approved_by or self.me).id
        return job

    def _add_job(
        self,
        workflow: Workflow,
        name: str,
        *,
        kind: str,
        status: str,
        requires: Sequence[Job],
        parallelism: int,
        started_at: datetime | None,
        duration: float | None,
        contexts: Sequence[str],
    ) -> Job:
        if parallelism < 1:
            raise ValueError("parallelism is at least 1")
        pipeline = workflow.pipeline
        project = pipeline.project
        start = started_at or workflow.created_at + timedelta(seconds=5)
        finished = status not in ACTIVE_JOB_STATUSES and duration is not None
        number = None
        if kind == "build":
            number = project.next_job_number
            project.next_job_number += 1
        job = Job(
            id=self.new_id(),
            project=project,
            pipeline=pipeline,
            name=name,
            type=kind,
            status=status,
            number=number,
            created_at=workflow.created_at,
            started_at=start,
            stopped_at=start + timedelta(seconds=duration or 0.0) if finished else None,
            dependencies=tuple(dep.id for dep in requires),
            parallelism=parallelism,
            contexts=tuple(contexts),
            workflows=[workflow],
        )
        if number is not None:
            project.jobs[number] = job
        self.jobs[job.id] = job
        workflow.jobs.append(job)
        self.refresh(workflow)
        return job

    def add_artifact(
        self, job: Job, path: str, *, size: int = 1024, node_index: int = 0
    ) -> Artifact:
        """An artifact of `size` deterministic bytes (generated on the fly when downloaded).

        `path` is taken as given, so hostile paths (`../x`, `/abs/x`) are allowed on purpose.
        """
        if job.number is None:
            raise ValueError("approval jobs have no artifacts")
        if not 0 <= node_index < job.parallelism:
            raise ValueError(f"node_index {node_index} outside parallelism {job.parallelism}")
        if (node_index, path) in job.artifacts:
            raise ValueError(f"job {job.number} node {node_index} already has {path!r}")
        if size < 0:
            raise ValueError("size is at least 0")
        key = artifact_key(self.seed, job.project.slug, job.number, node_index, path)
        artifact = Artifact(
            job=job, path=path, node_index=node_index, content=ArtifactContent(key, size)
        )
        job.artifacts[(node_index, path)] = artifact
        self.blobs[artifact.blob_id] = artifact
        return artifact

    def add_test_result(
        self,
        job: Job,
        name: str,
        *,
        result: str = "success",
        classname: str = "tests.test_app",
        file: str = "tests/test_app.py",
        run_time: float = 0.01,
        message: str | None = None,
    ) -> TestResult:
        test = TestResult(
            name=name,
            classname=classname,
            file=file,
            result=result,
            run_time=run_time,
            message=message,
        )
        job.tests.append(test)
        return test

    def add_file(self, name: str, data: bytes, content_type: str) -> str:
        """Put a file on the storage listener; returns its object name (see `Storage`)."""
        blob_id = self.new_id().replace("-", "")
        self.files[blob_id] = StoredFile(name, data, content_type, self.now)
        return blob_id

    def add_checkout_key(self, project: Project, type: str = "deploy-key") -> CheckoutKey:
        """A checkout key; `type` is `deploy-key` or `user-key` (shown as `github-user-key`)."""
        if type not in ("deploy-key", "user-key"):
            raise ValueError("type is deploy-key or user-key")
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + self._random.randbytes(32)
        md5 = hashlib.md5(blob).hexdigest()
        key = CheckoutKey(
            public_key="ssh-ed25519 " + base64.b64encode(blob).decode(),
            type="deploy-key" if type == "deploy-key" else "github-user-key",
            fingerprint_md5=":".join(md5[i : i + 2] for i in range(0, 32, 2)),
            fingerprint_sha256="SHA256:"
            + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("="),
            preferred=not project.checkout_keys,
            created_at=self.now,
        )
        project.checkout_keys[key.fingerprint_md5] = key
        return key

    def add_env_var(self, project: Project, name: str, value: str) -> EnvVar:
        """Set a project environment variable (replacing one of the same name)."""
        var = EnvVar(name=name, value=value, created_at=self.now)
        project.env_vars[name] = var
        return var

    # --- state changes (the API's POST endpoints use these) -----------------------------------

    def refresh(self, workflow: Workflow) -> None:
        """Recompute a workflow's status and stop time from its jobs."""
        status = derive_workflow_status(workflow.jobs)
        if status != workflow.status:
            workflow.status = status
        done = status not in ("running", "failing", "on_hold")
        stops = [job.stopped_at for job in workflow.jobs if job.stopped_at is not None]
        stopped_at = (max(stops) if stops else workflow.created_at) if done else None
        if stopped_at != workflow.stopped_at:
            workflow.stopped_at = stopped_at

    def trigger_pipeline(
        self,
        project: Project,
        actor: User,
        *,
        branch: str | None = None,
        tag: str | None = None,
        parameters: Mapping[str, int | str | bool] | None = None,
    ) -> Pipeline:
        """What `POST /project/{slug}/pipeline` does: a new pipeline running the template."""
        now = self.tick(60)
        pipeline = self.add_pipeline(
            project,
            branch=branch,
            tag=tag,
            created_at=now,
            actor=actor,
            trigger_type="api",
            parameters=parameters,
        )
        self.start_template(pipeline)
        return pipeline

    def start_template(self, pipeline: Pipeline) -> None:
        """Give a pipeline its project's template workflows, their first jobs running."""
        for spec in pipeline.project.template:
            workflow = self.add_workflow(pipeline, spec.name, created_at=pipeline.updated_at)
            self._start_jobs(workflow, spec.jobs)

    def _start_jobs(self, workflow: Workflow, specs: Sequence[JobSpec]) -> None:
        by_name: dict[str, Job] = {}
        for spec in specs:
            requires = [by_name[name] for name in spec.requires if name in by_name]
            if spec.type == "approval":
                status = "blocked" if requires else "on_hold"
                job = self.add_approval(workflow, spec.name, status=status, requires=requires)
            else:
                status = "blocked" if requires else "running"
                job = self.add_job(
                    workflow,
                    spec.name,
                    status=status,
                    requires=requires,
                    parallelism=spec.parallelism,
                    duration=None,
                )
            by_name[spec.name] = job

    def cancel_workflow(self, workflow: Workflow, by: User) -> None:
        """Active jobs become canceled, and so does the workflow."""
        now = self.tick()
        for job in workflow.jobs:
            if job.status in ACTIVE_JOB_STATUSES:
                job.status, job.stopped_at, job.canceled_by = "canceled", now, by.id
        if workflow.status in ("running", "failing", "on_hold"):
            workflow.status, workflow.stopped_at, workflow.canceled_by = "canceled", now, by.id

    def cancel_job(self, job: Job, by: User) -> None:
        if job.status in ACTIVE_JOB_STATUSES:
            job.status, job.stopped_at, job.canceled_by = "canceled", self.tick(), by.id
        for workflow in job.workflows:
            self.refresh(workflow)

    def approve(self, workflow: Workflow, approval_request_id: str, by: User) -> Job:
        """Approve an on-hold approval job; the jobs waiting on it start running."""
        job = next((j for j in workflow.jobs if j.approval_request_id == approval_request_id), None)
        if job is None:
            raise NotFound("Approval request not found")
        if job.status != "on_hold":
            raise Conflict("Job is not on hold")
        now = self.tick()
        job.status, job.stopped_at, job.approved_by = "success", now, by.id
        self._unblock(workflow, now)
        self.refresh(workflow)
        return job

    def _unblock(self, workflow: Workflow, now: datetime) -> None:
        passed = {job.id for job in workflow.jobs if job.status == "success"}
        for job in workflow.jobs:
            if job.status == "blocked" and passed.issuperset(job.dependencies):
                job.status = "on_hold" if job.type == "approval" else "running"
                job.started_at = now

    def finish_job(self, job: Job, status: str = "success") -> None:
        """End a job (success, failed...); jobs waiting only on passed jobs start."""
        now = self.tick()
        job.status, job.stopped_at = status, now
        for workflow in job.workflows:
            self._unblock(workflow, now)
            self.refresh(workflow)

    def complete_workflow(self, workflow: Workflow, status: str = "success") -> None:
        """Run a workflow to its end: every unfinished job ends with `status` (approvals pass)."""
        now = self.tick()
        for job in workflow.jobs:
            if job.status in ACTIVE_JOB_STATUSES:
                job.status, job.stopped_at = ("success" if job.type == "approval" else status), now
        self.refresh(workflow)

    def rerun_workflow(
        self,
        workflow: Workflow,
        by: User,
        *,
        jobs: Sequence[str] | None = None,
        from_failed: bool = False,
    ) -> Workflow:
        """A new workflow in the same pipeline.

        All jobs run again by default; `from_failed` reruns the jobs that did not pass and
        `jobs` the jobs with these ids. Jobs not rerun are carried over as they are.
        """
        if from_failed and jobs:
            raise Conflict("from_failed and jobs are mutually exclusive")
        if from_failed and workflow.status != "failed":
            raise Conflict("Workflow has not failed")
        known = {job.id for job in workflow.jobs}
        if jobs and not known.issuperset(jobs):
            raise Conflict("Job not found in workflow")
        if from_failed:
            rerun = {job.id for job in workflow.jobs if job.status != "success"}
        elif jobs:
            rerun = set(jobs)
        else:
            rerun = known
        now = self.tick(30)
        new = self.add_workflow(workflow.pipeline, workflow.name, created_at=now, started_by=by)
        renamed: dict[str, str] = {}
        for old in workflow.jobs:
            if old.id not in rerun:
                old.workflows = [*old.workflows, new]
                new.jobs.append(old)
                continue
            requires = [self.jobs[renamed.get(dep, dep)] for dep in old.dependencies]
            waiting = any(dep.status != "success" for dep in requires)
            if old.type == "approval":
                fresh = self.add_approval(
                    new, old.name, status="blocked" if waiting else "on_hold", requires=requires
                )
            else:
                fresh = self.add_job(
                    new,
                    old.name,
                    status="blocked" if waiting else "running",
                    requires=requires,
                    parallelism=old.parallelism,
                    started_at=now,
                    duration=None,
                    contexts=old.contexts,
                )
            renamed[old.id] = fresh.id
        self.refresh(new)
        return new
