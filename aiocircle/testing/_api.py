"""The API listener's handlers: CircleCI API v2, and API v1.1's two artifact lists.

Paths, parameters, status codes and JSON shapes follow CircleCI's openapi.json; templates here
are the spec's own, so `ROUTES` can be checked against it.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from . import _render as render
from ._calls import V1, V2, Call, Handler, RouteSpec, decode_page_token, encode_page_token
from ._faults import Knobs
from ._http import HttpError, json_response
from ._routing import Match, Route, Router, compile_route, split_path
from ._state import (
    ACTIVE_JOB_STATUSES,
    Artifact,
    Conflict,
    Job,
    NotFound,
    Pipeline,
    Project,
    State,
    Workflow,
)
from ._tagapi import TagApi

T = TypeVar("T")

ROUTES = (
    RouteSpec(V2, "GET", "/me", "me"),
    RouteSpec(V2, "GET", "/me/collaborations", "collaborations"),
    RouteSpec(V2, "GET", "/user/{id}", "get_user"),
    RouteSpec(V2, "GET", "/project/{project-slug}", "get_project"),
    RouteSpec(V2, "GET", "/project/{project-slug}/checkout-key", "list_checkout_keys"),
    RouteSpec(V2, "POST", "/project/{project-slug}/checkout-key", "create_checkout_key"),
    RouteSpec(V2, "GET", "/project/{project-slug}/checkout-key/{fingerprint}", "get_checkout_key"),
    RouteSpec(
        V2, "DELETE", "/project/{project-slug}/checkout-key/{fingerprint}", "delete_checkout_key"
    ),
    RouteSpec(V2, "GET", "/project/{project-slug}/envvar", "list_env_vars"),
    RouteSpec(V2, "POST", "/project/{project-slug}/envvar", "create_env_var"),
    RouteSpec(V2, "GET", "/project/{project-slug}/envvar/{name}", "get_env_var"),
    RouteSpec(V2, "DELETE", "/project/{project-slug}/envvar/{name}", "delete_env_var"),
    RouteSpec(V2, "GET", "/project/{project-slug}/pipeline", "list_pipelines"),
    RouteSpec(V2, "POST", "/project/{project-slug}/pipeline", "trigger_pipeline"),
    RouteSpec(V2, "GET", "/project/{project-slug}/pipeline/mine", "list_my_pipelines"),
    RouteSpec(
        V2, "GET", "/project/{project-slug}/pipeline/{pipeline-number}", "get_pipeline_by_number"
    ),
    RouteSpec(V2, "GET", "/pipeline/{pipeline-id}", "get_pipeline"),
    RouteSpec(V2, "GET", "/pipeline/{pipeline-id}/config", "get_pipeline_config"),
    RouteSpec(V2, "GET", "/pipeline/{pipeline-id}/workflow", "list_pipeline_workflows"),
    RouteSpec(V2, "GET", "/workflow/{id}", "get_workflow"),
    RouteSpec(V2, "GET", "/workflow/{id}/job", "list_workflow_jobs"),
    RouteSpec(V2, "POST", "/workflow/{id}/cancel", "cancel_workflow"),
    RouteSpec(V2, "POST", "/workflow/{id}/rerun", "rerun_workflow"),
    RouteSpec(V2, "POST", "/workflow/{id}/approve/{approval_request_id}", "approve"),
    RouteSpec(V2, "GET", "/project/{project-slug}/job/{job-number}", "get_job"),
    RouteSpec(V2, "POST", "/project/{project-slug}/job/{job-number}/cancel", "cancel_job"),
    RouteSpec(V2, "GET", "/project/{project-slug}/{job-number}/tests", "list_tests"),
    RouteSpec(V2, "GET", "/project/{project-slug}/{job-number}/artifacts", "list_artifacts"),
    RouteSpec(V1, "GET", "/project/{project-slug}/latest/artifacts", "v1_latest_artifacts"),
    RouteSpec(V1, "GET", "/project/{project-slug}/{build_num}/artifacts", "v1_build_artifacts"),
)

_ACCEPTED = render.message("Accepted.")
_OK = render.message("ok")

# API v1.1's `filter` for the latest build.
_V1_FILTERS: dict[str, Callable[[Job], bool]] = {
    "completed": lambda job: job.status not in ACTIVE_JOB_STATUSES,
    "successful": lambda job: job.status == "success",
    "failed": lambda job: job.status in ("failed", "infrastructure_fail", "timedout"),
    "running": lambda job: job.status == "running",
}


class Api:
    """Handlers over a `State`; `resolve` maps a raw path to a handler and its parameters."""

    def __init__(
        self,
        state: State,
        knobs: Knobs,
        artifacts_host: Callable[[], str],
        tags: Sequence[type[TagApi]] = (),
        presign_file: Callable[[str], str] | None = None,
    ) -> None:
        self.state = state
        self.knobs = knobs
        self._artifacts_host = artifacts_host
        #: The storage URL of a stored file (`State.files`) by object name.
        self.presign_file = presign_file or (lambda blob_id: f"/{blob_id}")
        self._routers: dict[str, Router[Handler]] = {V2: Router(), V1: Router()}
        served: set[str] = set()
        owners: list[tuple[object, Sequence[RouteSpec]]] = [(self, ROUTES)]
        owners += [(tag, tag.ROUTES) for tag in (kind(self) for kind in tags)]
        for owner, specs in owners:
            for spec in specs:
                if spec.name in served:
                    raise ValueError(f"two handlers for {spec.name}")
                served.add(spec.name)
                handler: Handler = getattr(owner, spec.handler)
                route = compile_route(spec.method, spec.template, handler, spec.name)
                self._routers[spec.prefix].add(route)

    @property
    def routes(self) -> list[Route[Handler]]:
        return [route for router in self._routers.values() for route in router.routes]

    def resolve(self, method: str, raw_path: str) -> Match[Handler] | int:
        """The route for a raw (still percent-encoded) path, or 404 / 405."""
        for prefix, router in self._routers.items():
            if raw_path.startswith(prefix) and raw_path[len(prefix) : len(prefix) + 1] == "/":
                return router.resolve(method, split_path(raw_path[len(prefix) :]))
        return 404

    # --- for tag modules (see `_tagapi.TagApi`) ----------------------------------------------

    def project_of(self, call: Call) -> Project:
        return self._project(call)

    async def body_of(self, call: Call) -> dict[str, Any]:
        return await self._body(call)

    def page_of(self, call: Call, items: Sequence[T], encode: Callable[[T], bytes]) -> web.Response:
        return self._page(call, items, encode)

    # --- helpers ------------------------------------------------------------------------------

    def _project(self, call: Call) -> Project:
        return self.state.project(call.params["project-slug"])

    def _job(self, call: Call, param: str = "job-number") -> Job:
        project = self._project(call)
        try:
            number = int(call.params[param])
        except ValueError:
            raise NotFound("Job not found") from None
        return self.state.job(project, number)

    def _pipeline(self, call: Call) -> Pipeline:
        found = self.state.pipelines.get(call.params["pipeline-id"])
        if found is None:
            raise NotFound("Pipeline not found")
        return found

    def _workflow(self, call: Call) -> Workflow:
        found = self.state.workflows.get(call.params["id"])
        if found is None:
            raise NotFound("Workflow not found")
        return found

    @staticmethod
    async def _body(call: Call) -> dict[str, Any]:
        raw = await call.request.read()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise HttpError(400, "Invalid JSON body.") from None
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise HttpError(400, "The request body must be a JSON object.")
        return data

    def _page(self, call: Call, items: Sequence[T], encode: Callable[[T], bytes]) -> web.Response:
        """An offset page of `items`, with the `page-token` of the next one."""
        token = call.request.query.get("page-token")
        offset = decode_page_token(token, "offset") if token else 0
        end = offset + self.knobs.page_size
        next_token = encode_page_token("offset", end) if end < len(items) else None
        body = render.page([encode(item) for item in items[offset:end]], next_token)
        return json_response(body)

    def _pipeline_page(
        self, call: Call, project: Project, keep: Callable[[Pipeline], bool]
    ) -> web.Response:
        """Pipelines newest first; the token remembers the last number, so new pipelines
        triggered between pages neither repeat nor shift items."""
        token = call.request.query.get("page-token")
        pipelines = project.pipelines
        start = len(pipelines)
        if token:
            before = decode_page_token(token, "before")
            start = bisect.bisect_left(pipelines, before, key=lambda p: p.number)
        size = self.knobs.page_size
        chosen: list[Pipeline] = []
        more = False
        for index in range(start - 1, -1, -1):
            pipeline = pipelines[index]
            if not keep(pipeline):
                continue
            if len(chosen) == size:
                more = True
                break
            chosen.append(pipeline)
        next_token = encode_page_token("before", chosen[-1].number) if more else None
        items = [render.cached(p, render.pipeline) for p in chosen]
        return json_response(render.page(items, next_token))

    def _artifact_json(self, artifact: Artifact) -> bytes:
        host = self._artifacts_host()
        return render.cached(artifact, lambda a: render.artifact(a, host))

    # --- user ---------------------------------------------------------------------------------

    async def me(self, call: Call) -> web.Response:
        """GET /me"""
        return json_response(render.cached(call.user, render.user))

    async def collaborations(self, call: Call) -> web.Response:
        """GET /me/collaborations"""
        return json_response(
            render.dumps([render.collaboration(org) for org in call.user.organizations])
        )

    async def get_user(self, call: Call) -> web.Response:
        """GET /user/{id}"""
        found = self.state.users.get(call.params["id"])
        if found is None:
            raise NotFound("User not found")
        return json_response(render.cached(found, render.user))

    # --- project ------------------------------------------------------------------------------

    async def get_project(self, call: Call) -> web.Response:
        """GET /project/{project-slug}"""
        return json_response(render.cached(self._project(call), render.project))

    async def list_checkout_keys(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/checkout-key"""
        project = self._project(call)
        digest = call.request.query.get("digest") or "md5"
        if digest not in ("md5", "sha256"):
            raise HttpError(400, "Invalid digest: expected md5 or sha256")
        keys = list(project.checkout_keys.values())
        return self._page(call, keys, lambda key: render.dumps(render.checkout_key(key, digest)))

    async def create_checkout_key(self, call: Call) -> web.Response:
        """POST /project/{project-slug}/checkout-key"""
        project = self._project(call)
        body = await self._body(call)
        kind = body.get("type")
        if kind not in ("deploy-key", "user-key"):
            raise HttpError(400, "Invalid key type: expected deploy-key or user-key")
        key = self.state.add_checkout_key(project, kind)
        return json_response(render.dumps(render.checkout_key(key)), status=201)

    def _checkout_key(self, call: Call) -> tuple[Project, str]:
        project = self._project(call)
        fingerprint = call.params["fingerprint"]
        for md5, key in project.checkout_keys.items():
            if fingerprint in (md5, key.fingerprint_sha256):
                return project, md5
        raise NotFound("Checkout key not found")

    async def get_checkout_key(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/checkout-key/{fingerprint}"""
        project, md5 = self._checkout_key(call)
        digest = "sha256" if call.params["fingerprint"].startswith("SHA256:") else "md5"
        return json_response(render.dumps(render.checkout_key(project.checkout_keys[md5], digest)))

    async def delete_checkout_key(self, call: Call) -> web.Response:
        """DELETE /project/{project-slug}/checkout-key/{fingerprint}"""
        project, md5 = self._checkout_key(call)
        del project.checkout_keys[md5]
        return json_response(_OK)

    async def list_env_vars(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/envvar"""
        project = self._project(call)
        variables = list(project.env_vars.values())
        return self._page(call, variables, lambda var: render.dumps(render.env_var(var)))

    async def create_env_var(self, call: Call) -> web.Response:
        """POST /project/{project-slug}/envvar"""
        project = self._project(call)
        body = await self._body(call)
        name, value = body.get("name"), body.get("value")
        if not isinstance(name, str) or not name or not isinstance(value, str):
            raise HttpError(400, "An environment variable needs a name and a value (strings)")
        var = self.state.add_env_var(project, name, value)
        return json_response(render.dumps(render.env_var(var)), status=201)

    async def get_env_var(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/envvar/{name}"""
        var = self._project(call).env_vars.get(call.params["name"])
        if var is None:
            raise NotFound("Environment variable not found")
        return json_response(render.dumps(render.env_var(var)))

    async def delete_env_var(self, call: Call) -> web.Response:
        """DELETE /project/{project-slug}/envvar/{name}"""
        project = self._project(call)
        if project.env_vars.pop(call.params["name"], None) is None:
            raise NotFound("Environment variable not found")
        return json_response(_OK)

    # --- pipeline -----------------------------------------------------------------------------

    async def list_pipelines(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/pipeline?branch="""
        project = self._project(call)
        branch = call.request.query.get("branch")
        if branch:
            return self._pipeline_page(call, project, lambda p: p.branch == branch)
        return self._pipeline_page(call, project, lambda p: True)

    async def list_my_pipelines(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/pipeline/mine"""
        project, me = self._project(call), call.user
        return self._pipeline_page(call, project, lambda p: p.actor is me)

    async def trigger_pipeline(self, call: Call) -> web.Response:
        """POST /project/{project-slug}/pipeline {branch | tag, parameters}"""
        project = self._project(call)
        body = await self._body(call)
        branch, tag, parameters = body.get("branch"), body.get("tag"), body.get("parameters")
        if branch is not None and tag is not None:
            raise HttpError(400, "branch and tag are mutually exclusive")
        if any(value is not None and not isinstance(value, str) for value in (branch, tag)):
            raise HttpError(400, "branch and tag are strings")
        if parameters is not None:
            check_pipeline_parameters(parameters)
        pipeline = self.state.trigger_pipeline(
            project, call.user, branch=branch, tag=tag, parameters=parameters
        )
        return json_response(render.dumps(render.pipeline_created(pipeline)), status=201)

    async def get_pipeline_by_number(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/pipeline/{pipeline-number}"""
        project = self._project(call)
        try:
            number = int(call.params["pipeline-number"])
        except ValueError:
            raise NotFound("Pipeline not found") from None
        pipelines = project.pipelines
        index = bisect.bisect_left(pipelines, number, key=lambda p: p.number)
        if index == len(pipelines) or pipelines[index].number != number:
            raise NotFound("Pipeline not found")
        return json_response(render.cached(pipelines[index], render.pipeline))

    async def get_pipeline(self, call: Call) -> web.Response:
        """GET /pipeline/{pipeline-id}"""
        return json_response(render.cached(self._pipeline(call), render.pipeline))

    async def get_pipeline_config(self, call: Call) -> web.Response:
        """GET /pipeline/{pipeline-id}/config"""
        return json_response(render.dumps(render.config(self._pipeline(call))))

    async def list_pipeline_workflows(self, call: Call) -> web.Response:
        """GET /pipeline/{pipeline-id}/workflow (newest first)"""
        workflows = self._pipeline(call).workflows[::-1]
        return self._page(call, workflows, lambda w: render.cached(w, render.workflow))

    # --- workflow -----------------------------------------------------------------------------

    async def get_workflow(self, call: Call) -> web.Response:
        """GET /workflow/{id}"""
        return json_response(render.cached(self._workflow(call), render.workflow))

    async def list_workflow_jobs(self, call: Call) -> web.Response:
        """GET /workflow/{id}/job"""
        jobs = self._workflow(call).jobs
        return self._page(call, jobs, lambda job: render.cached(job, render.job))

    async def cancel_workflow(self, call: Call) -> web.Response:
        """POST /workflow/{id}/cancel"""
        self.state.cancel_workflow(self._workflow(call), call.user)
        return json_response(_ACCEPTED, status=202)

    async def rerun_workflow(self, call: Call) -> web.Response:
        """POST /workflow/{id}/rerun {jobs, from_failed, sparse_tree, enable_ssh}"""
        workflow = self._workflow(call)
        body = await self._body(call)
        jobs = body.get("jobs")
        flags = {
            name: body.get(name, False) for name in ("from_failed", "sparse_tree", "enable_ssh")
        }
        if any(not isinstance(value, bool) for value in flags.values()):
            raise HttpError(400, "from_failed, sparse_tree and enable_ssh are booleans")
        if jobs is not None and (
            not isinstance(jobs, list) or not all(isinstance(j, str) for j in jobs)
        ):
            raise HttpError(400, "jobs is a list of job ids")
        if (flags["sparse_tree"] or flags["enable_ssh"]) and not jobs:
            raise HttpError(400, "sparse_tree and enable_ssh require jobs")
        new = self.state.rerun_workflow(
            workflow, call.user, jobs=jobs, from_failed=flags["from_failed"]
        )
        return json_response(render.dumps({"workflow_id": new.id}), status=202)

    async def approve(self, call: Call) -> web.Response:
        """POST /workflow/{id}/approve/{approval_request_id}"""
        workflow = self._workflow(call)
        self.state.approve(workflow, call.params["approval_request_id"], call.user)
        return json_response(_ACCEPTED, status=202)

    # --- job ----------------------------------------------------------------------------------

    async def get_job(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/job/{job-number}"""
        return json_response(render.dumps(render.job_details(self._job(call))))

    async def cancel_job(self, call: Call) -> web.Response:
        """POST /project/{project-slug}/job/{job-number}/cancel"""
        self.state.cancel_job(self._job(call), call.user)
        return json_response(_ACCEPTED)

    async def list_tests(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/{job-number}/tests"""
        tests = self._job(call).tests
        return self._page(call, tests, lambda test: render.dumps(render.test_result(test)))

    async def list_artifacts(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/{job-number}/artifacts"""
        artifacts = list(self._job(call).artifacts.values())
        return self._page(call, artifacts, self._artifact_json)

    # --- API v1.1 -----------------------------------------------------------------------------

    async def v1_latest_artifacts(self, call: Call) -> web.Response:
        """GET /api/v1.1/project/{vcs}/{org}/{repo}/latest/artifacts?branch=&filter="""
        project = self._project(call)
        branch = call.request.query.get("branch") or None
        wanted = call.request.query.get("filter") or None
        if wanted is not None and wanted not in _V1_FILTERS:
            raise HttpError(400, "filter is one of completed, successful, failed, running")
        for number in reversed(project.jobs):
            job = project.jobs[number]
            if branch is not None and job.pipeline.branch != branch:
                continue
            if wanted is None or _V1_FILTERS[wanted](job):
                return self._v1_artifacts(job)
        raise NotFound("Build not found")

    async def v1_build_artifacts(self, call: Call) -> web.Response:
        """GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}/artifacts"""
        return self._v1_artifacts(self._job(call, "build_num"))

    def _v1_artifacts(self, job: Job) -> web.Response:
        host = self._artifacts_host()
        items = [render.artifact_v1(a, host) for a in job.artifacts.values()]
        return json_response(render.dumps(items))


def check_pipeline_parameters(parameters: object) -> None:
    """Pipeline parameters as CircleCI limits them: 100 entries, keys up to 128 characters,
    values integers, strings up to 512 characters, or booleans."""
    if not isinstance(parameters, dict):
        raise HttpError(400, "parameters is an object")
    if len(parameters) > 100:
        raise HttpError(400, "At most 100 pipeline parameters")
    for key, value in parameters.items():
        if len(key) > 128:
            raise HttpError(400, f"Pipeline parameter name too long: {key[:20]}...")
        if not isinstance(value, int | str | bool):
            raise HttpError(400, f"Pipeline parameter {key} is not an integer, string or boolean")
        if isinstance(value, str) and len(value) > 512:
            raise HttpError(400, f"Pipeline parameter {key} is longer than 512 characters")


def state_error(error: NotFound | Conflict) -> HttpError:
    """A state lookup or change that failed, as the HTTP error CircleCI would answer."""
    return HttpError(404 if isinstance(error, NotFound) else 400, str(error))
