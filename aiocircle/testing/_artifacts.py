"""The artifacts host (standing for `*.circle-artifacts.com`) and the storage listener (S3).

The artifacts host wants the CircleCI token and answers 302 to a pre-signed storage URL. Storage
wants no token: it checks the signature, serves bytes with Range support, and notes every request
that carried the CircleCI token anyway (a client that forwarded it across the redirect).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import mimetypes
from collections.abc import Callable, Collection
from email.utils import format_datetime
from urllib.parse import quote, unquote

from aiohttp import web

from ._content import BLOCK_SIZE
from ._faults import Chaos, Knobs
from ._http import error_response, presented_token
from ._state import Artifact, State, StoredFile

BUCKET = "circle-artifacts"


class Unsatisfiable(Exception):
    """The requested range lies outside the object: 416."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """`(start, end)` (end exclusive) of a single `bytes=` range.

    None means "serve the whole object": S3 ignores a malformed or multi-range header.
    """
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if not first:
            suffix = int(last)
            if suffix <= 0 or size == 0:
                raise Unsatisfiable
            return max(0, size - suffix), size
        start = int(first)
        last_byte = int(last) if last else None
    except ValueError:
        return None
    if start < 0 or (last_byte is not None and last_byte < start):
        return None
    if start >= size:
        raise Unsatisfiable
    return start, size if last_byte is None else min(last_byte + 1, size)


def find_leaks(request: web.BaseRequest, tokens: Collection[str]) -> tuple[str, ...]:
    """Where a request carries the CircleCI token: headers, query parameters, the path."""
    where: list[str] = []
    for name, value in request.headers.items():
        lowered = name.lower()
        if lowered == "circle-token":
            where.append("header:Circle-Token")
        elif lowered == "authorization":
            # Basic auth hides the token in base64; any Authorization header to S3 is wrong.
            where.append("header:Authorization")
        elif any(token in value for token in tokens):
            where.append(f"header:{name}")
    for name, value in request.query.items():
        if name.lower() == "circle-token" or any(token in value for token in tokens):
            where.append(f"query:{name}")
    path = request.raw_path.partition("?")[0]
    if any(token in path or quote(token, safe="") in path for token in tokens):
        where.append("path")
    return tuple(where)


def _s3_error(status: int, code: str, text: str) -> web.Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{text}</Message></Error>"
    )
    return web.Response(text=body, status=status, content_type="application/xml")


class ArtifactsHost:
    """`GET /{project-id}/{job-number}/{node-index}/{path}`: check the token, redirect."""

    template = "/{project-id}/{job-number}/{node-index}/{path}"

    def __init__(self, state: State, storage_url: Callable[[Artifact], str]) -> None:
        self.state = state
        self._storage_url = storage_url

    def find(self, raw_path: str) -> Artifact | None:
        parts = raw_path.partition("?")[0].split("/", 4)
        if len(parts) != 5 or parts[0]:
            return None
        project = self.state.projects_by_id.get(unquote(parts[1]))
        try:
            job = None if project is None else project.jobs.get(int(parts[2]))
            node_index = int(parts[3])
        except ValueError:
            return None
        if job is None:
            return None
        return job.artifacts.get((node_index, unquote(parts[4])))

    async def handle(self, request: web.BaseRequest) -> web.Response:
        if request.method not in ("GET", "HEAD"):
            return error_response(405, "Method not allowed")
        artifact = self.find(request.raw_path)
        if artifact is None:
            return error_response(404, "Artifact not found")
        if artifact.job.project.private and presented_token(request) not in self.state.tokens:
            return error_response(401, "You must log in first.")
        return web.Response(status=302, headers={"Location": self._storage_url(artifact)})


class Storage:
    """`GET /circle-artifacts/{blob}/{name}?X-Amz-...`: the bytes, with Range support."""

    template = "/{bucket}/{blob}/{name}"

    def __init__(self, state: State, knobs: Knobs, chaos: Chaos) -> None:
        self.state = state
        self.knobs = knobs
        self.chaos = chaos
        self._secret = hashlib.sha256(f"storage-secret-{state.seed}".encode()).digest()

    def _signature(self, blob_id: str) -> str:
        return hmac.new(self._secret, blob_id.encode(), hashlib.sha256).hexdigest()

    def presign(self, artifact: Artifact, base: str) -> str:
        """A pre-signed URL for the artifact under `base`, shaped like S3's."""
        name = artifact.path.rsplit("/", 1)[-1]
        if name in ("", ".", ".."):
            name = "artifact"
        return self.presign_object(artifact.blob_id, name, base)

    def presign_object(self, blob_id: str, name: str, base: str) -> str:
        """A pre-signed URL for object `blob_id` (an artifact's or a stored file's)."""
        return (
            f"{base}/{BUCKET}/{blob_id}/{quote(name, safe='')}"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=FAKE%2F20250602%2Fus-east-1"
            "%2Fs3%2Faws4_request&X-Amz-Date=20250602T090000Z&X-Amz-Expires=600"
            f"&X-Amz-SignedHeaders=host&X-Amz-Signature={self._signature(blob_id)}"
        )

    async def handle(self, request: web.BaseRequest) -> tuple[web.StreamResponse, str | None]:
        """The response, and "truncate" when the download was cut short on purpose."""
        if request.method not in ("GET", "HEAD"):
            return _s3_error(405, "MethodNotAllowed", "Method not allowed"), None
        parts = request.raw_path.partition("?")[0].split("/")
        artifact = self.state.blobs.get(parts[2]) if len(parts) == 4 else None
        signature = request.query.get("X-Amz-Signature", "")
        stored = self.state.files.get(parts[2]) if len(parts) == 4 else None
        if artifact is None and stored is not None:
            return self._file(request, parts[2], stored, signature), None
        if artifact is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist."), None
        if not hmac.compare_digest(signature, self._signature(artifact.blob_id)):
            return _s3_error(403, "SignatureDoesNotMatch", "Signature mismatch"), None
        if "Authorization" in request.headers:
            # What S3 answers when a pre-signed URL also carries an Authorization header.
            return _s3_error(400, "InvalidArgument", "Only one auth mechanism allowed"), None
        return await self.serve(request, artifact)

    async def serve(
        self, request: web.BaseRequest, artifact: Artifact
    ) -> tuple[web.StreamResponse, str | None]:
        """The artifact's bytes (honouring Range), once the request is known to be allowed."""
        content = artifact.content
        stopped = artifact.job.stopped_at or artifact.job.started_at
        headers = {
            "Accept-Ranges": "bytes",
            "ETag": content.etag,
            "Last-Modified": format_datetime(stopped, usegmt=True),
            "Content-Type": mimetypes.guess_type(artifact.path)[0] or "application/octet-stream",
        }
        start, end, status = 0, content.size, 200
        wanted = request.headers.get("Range")
        if_range = request.headers.get("If-Range")
        if wanted is not None and (if_range is None or if_range == content.etag):
            try:
                chosen = parse_range(wanted, content.size)
            except Unsatisfiable:
                headers["Content-Range"] = f"bytes */{content.size}"
                response = _s3_error(416, "InvalidRange", "The range is not satisfiable")
                response.headers.update(headers)
                return response, None
            if chosen is not None:
                start, end, status = chosen[0], chosen[1], 206
                headers["Content-Range"] = f"bytes {start}-{end - 1}/{content.size}"
        return await self._send(request, artifact, start, end, status, headers)

    def _file(
        self, request: web.BaseRequest, blob_id: str, stored: StoredFile, signature: str
    ) -> web.Response:
        """A stored file, whole (these are small)."""
        if not hmac.compare_digest(signature, self._signature(blob_id)):
            return _s3_error(403, "SignatureDoesNotMatch", "Signature mismatch")
        if "Authorization" in request.headers:
            return _s3_error(400, "InvalidArgument", "Only one auth mechanism allowed")
        headers = {
            "ETag": f'"{hashlib.md5(stored.data).hexdigest()}"',
            "Last-Modified": format_datetime(stored.modified, usegmt=True),
        }
        body = b"" if request.method == "HEAD" else stored.data
        return web.Response(
            body=body, headers=headers, content_type=stored.content_type, charset=None
        )

    async def _send(
        self,
        request: web.BaseRequest,
        artifact: Artifact,
        start: int,
        end: int,
        status: int,
        headers: dict[str, str],
    ) -> tuple[web.StreamResponse, str | None]:
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = end - start
        try:
            await response.prepare(request)
        except ConnectionError:
            # The client left before the headers went out (say, during the latency wait).
            # aiohttp's ClientConnectionResetError is a ConnectionError; returning the
            # response lets aiohttp treat it as a disconnect instead of logging a traceback.
            return response, None
        if request.method == "HEAD":
            return response, None
        faults = self.knobs.faults
        cut = self.chaos.truncate_at(faults, end - start) if "storage" in faults.listeners else None
        bandwidth = self.knobs.bandwidth
        chunk = BLOCK_SIZE if bandwidth is None else max(1024, min(BLOCK_SIZE, int(bandwidth / 20)))
        loop = asyncio.get_running_loop()
        began, sent = loop.time(), 0
        try:
            for piece in artifact.content.iter_range(start, end, chunk):
                if bandwidth is not None:
                    # Pace before sending: by time t, at most bandwidth * t bytes have gone out.
                    ahead = (sent + len(piece)) / bandwidth - (loop.time() - began)
                    if ahead > 0:
                        await asyncio.sleep(ahead)
                if cut is not None and sent + len(piece) > cut:
                    await response.write(piece[: cut - sent])
                    if request.transport is not None:
                        # close() flushes what was written, then ends the connection early.
                        request.transport.close()
                    return response, "truncate"
                await response.write(piece)
                sent += len(piece)
        except ConnectionError:
            # The client went away mid-download; aiohttp treats it as a disconnect.
            pass
        return response, None
