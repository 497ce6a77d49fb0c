"""A small router for CircleCI's paths, where `{project-slug}` spans three segments.

aiohttp's router cannot match a slug that arrives either as `gh/org/repo` or as
`gh%2Forg%2Frepo`. Here the raw path is split on `/` first and each segment decoded, and only
the slug after `project/` has its encoded slashes expanded: a checkout-key fingerprint such as
`SHA256:ab/cd` keeps its slash when it is sent as `SHA256:ab%2Fcd`.
"""

from __future__ import annotations

from typing import Generic, TypeVar
from urllib.parse import unquote

import attrs

H = TypeVar("H")

#: The placeholder that stands for a whole `vcs/org/repo` slug.
SLUG = "project-slug"
#: Placeholders spanning more than one segment, and how many.
_WIDTHS = {SLUG: 3, "org-slug": 2}


@attrs.frozen
class Route(Generic[H]):
    method: str
    #: The path as the spec writes it, e.g. `/project/{project-slug}/pipeline`.
    template: str
    handler: H
    #: The counting key, e.g. `GET /project/{project-slug}/pipeline`.
    name: str
    #: One entry per path segment: the literal, or None for a parameter.
    literals: tuple[str | None, ...]
    #: (name, first segment, segment count) per parameter.
    params: tuple[tuple[str, int, int], ...]

    @property
    def specificity(self) -> tuple[int, ...]:
        # Literal segments win over parameters, earlier segments first: `pipeline/mine`
        # before `pipeline/{pipeline-number}`, `job/{n}` before `{job-number}/artifacts`.
        return tuple(0 if part is not None else 1 for part in self.literals)


@attrs.frozen
class Match(Generic[H]):
    route: Route[H]
    params: dict[str, str]


def split_path(raw: str) -> list[str]:
    """Decoded segments of a raw path (after the API prefix), the slug spread over three."""
    segments = raw.strip("/").split("/")
    if "%" in raw:
        segments = [unquote(segment) for segment in segments]
    if segments[0] == "project":
        pieces: list[str] = []
        for end in range(1, len(segments)):
            pieces.extend(segments[end].split("/"))
            if len(pieces) >= 3:
                if len(pieces) == 3:
                    segments[1 : end + 1] = pieces
                break
    return segments


def compile_route(method: str, template: str, handler: H, name: str) -> Route[H]:
    literals: list[str | None] = []
    params: list[tuple[str, int, int]] = []
    for part in template.strip("/").split("/"):
        if part.startswith("{") and part.endswith("}"):
            width = _WIDTHS.get(part[1:-1], 1)
            params.append((part[1:-1], len(literals), width))
            literals.extend([None] * width)
        else:
            literals.append(part)
    return Route(method, template, handler, name, tuple(literals), tuple(params))


class Router(Generic[H]):
    """Routes under one prefix; `resolve` takes the path after the prefix."""

    def __init__(self) -> None:
        self._shapes: dict[tuple[int, str | None], list[Route[H]]] = {}
        self.routes: list[Route[H]] = []

    def add(self, route: Route[H]) -> None:
        first = route.literals[0] if route.literals else None
        bucket = self._shapes.setdefault((len(route.literals), first), [])
        bucket.append(route)
        bucket.sort(key=lambda r: r.specificity)
        self.routes.append(route)

    def resolve(self, method: str, segments: list[str]) -> Match[H] | int:
        """The matching route and its parameters for `split_path` segments, or 404 / 405."""
        if any(not segment for segment in segments):
            return 404
        candidates = self._shapes.get((len(segments), segments[0]), [])
        path_matched = False
        for route in candidates:
            if any(
                literal is not None and literal != segment
                for literal, segment in zip(route.literals, segments, strict=True)
            ):
                continue
            if route.method != method:
                path_matched = True
                continue
            params = {
                name: "/".join(segments[start : start + width])
                for name, start, width in route.params
            }
            return Match(route, params)
        return 405 if path_matched else 404
