"""Make aioresponses 0.7.9 work with aiohttp 3.14, for as long as a test needs it.

aioresponses 0.7.9 (its newest release) builds its fake ``ClientResponse`` objects by
hand, and aiohttp 3.14 broke that in two ways:

1. ``ClientResponse.__init__`` gained a required keyword argument, ``stream_writer``.
   aioresponses does not pass it, so every mocked request fails with
   ``TypeError: ... missing 1 required keyword-only argument: 'stream_writer'``.
   With ``writer=None`` (a request already sent) aiohttp only reads
   ``stream_writer.output_size``, so an object saying "0 bytes uploaded" is enough.
2. aioresponses feeds the whole mocked body into a ``StreamReader`` whose protocol is a
   bare ``ResponseHandler`` without an HTTP parser. A body over the reader's high-water
   mark (2 x 64 KiB = 128 KiB) makes the reader call ``protocol.pause_reading()``, which
   in aiohttp 3.14 asserts that the protocol has a parser, so large bodies fail with
   ``AssertionError``. The body is already in memory and there is no socket to pause, so
   the fake protocol here makes pausing and resuming do nothing.

Upstream: pnuckowski/aioresponses issue #289, pull requests #288 (stream_writer) and
#292 (pause_reading), open and unreleased when this was written.

Delete this module, and its use in ``conftest.py``, once an aioresponses release
includes those fixes; ``test_aioresponses_still_needs_the_compat_shim`` fails then to
say so. The patches are applied only inside :func:`aioresponses_compat`, never at
import time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import aioresponses.core
from aiohttp import ClientResponse, StreamReader
from aiohttp.client_proto import ResponseHandler

# The same limit aioresponses.compat.stream_reader_factory uses.
_STREAM_LIMIT = 2**16


class _NothingUploaded:
    """Stands in for the request's ``StreamWriter``: a mocked request sent no bytes."""

    output_size = 0


class _InMemoryBodyProtocol(ResponseHandler):
    """A protocol for a body that is already fully buffered: flow control is a no-op."""

    def pause_reading(self) -> None:
        pass

    def resume_reading(self, resume_parser: bool = True) -> None:
        pass


def _stream_reader_factory(loop: Any = None) -> StreamReader:
    return StreamReader(_InMemoryBodyProtocol(loop=loop), limit=_STREAM_LIMIT, loop=loop)


_original_build_response = aioresponses.core.RequestMatch._build_response


def _build_response(
    self: aioresponses.core.RequestMatch,
    *args: Any,
    response_class: type[ClientResponse] | None = None,
    **kwargs: Any,
) -> ClientResponse:
    # aioresponses only ever calls ``response_class(method, url, **kwargs)``, so a
    # partial that adds the missing argument works for custom response classes too.
    factory = functools.partial(response_class or ClientResponse, stream_writer=_NothingUploaded())
    return _original_build_response(self, *args, response_class=factory, **kwargs)


@contextmanager
def pass_stream_writer() -> Iterator[None]:
    """Fix 1 alone: give mocked responses the ``stream_writer`` aiohttp 3.14 requires."""
    with mock.patch.object(aioresponses.core.RequestMatch, "_build_response", _build_response):
        yield


@contextmanager
def unpausable_body_stream() -> Iterator[None]:
    """Fix 2 alone: mocked bodies over 128 KiB no longer trip ``pause_reading``."""
    with mock.patch.object(aioresponses.core, "stream_reader_factory", _stream_reader_factory):
        yield


@contextmanager
def aioresponses_compat() -> Iterator[None]:
    """Apply both fixes for the duration of the ``with`` block."""
    with pass_stream_writer(), unpausable_body_stream():
        yield
