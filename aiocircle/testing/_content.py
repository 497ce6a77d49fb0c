"""Deterministic artifact bytes, generated on the fly from a key and never stored whole.

The stream is cut into 64 KiB blocks. Every block is a pseudo-random body shared by the whole
artifact, with its first 16 bytes replaced by a digest of the block's index: a resume that lands at
the wrong offset, even by a whole number of blocks, yields different bytes and a different checksum.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator

import attrs

BLOCK_SIZE = 64 * 1024
_HEADER = 16


def artifact_key(seed: int, slug: str, job_number: int, node_index: int, path: str) -> bytes:
    """The 32-byte key an artifact's content is derived from."""
    text = f"{seed}\0{slug}\0{job_number}\0{node_index}\0{path}"
    return hashlib.sha256(text.encode()).digest()


@functools.lru_cache(maxsize=64)
def _body(key: bytes) -> bytes:
    # SHAKE output is a stream: digest(n) is a prefix of digest(m) for n < m, so short files
    # can take a short prefix without building the whole block.
    return hashlib.shake_256(key).digest(BLOCK_SIZE)


def _header(key: bytes, index: int) -> bytes:
    return hashlib.shake_256(key + index.to_bytes(8, "big")).digest(_HEADER)


@attrs.frozen
class ArtifactContent:
    """The bytes of one artifact: `size` bytes derived from `key`."""

    key: bytes = attrs.field(repr=False)
    size: int

    def block(self, index: int) -> bytes:
        """Block `index` (the last one may be short)."""
        length = min(BLOCK_SIZE, self.size - index * BLOCK_SIZE)
        if length <= 0:
            return b""
        header = _header(self.key, index)
        if length <= _HEADER:
            return header[:length]
        body = (
            _body(self.key) if length == BLOCK_SIZE else hashlib.shake_256(self.key).digest(length)
        )
        return header + body[_HEADER:length]

    def iter_range(
        self, start: int = 0, end: int | None = None, chunk_size: int = BLOCK_SIZE
    ) -> Iterator[bytes]:
        """Bytes `start` to `end` (exclusive), in pieces of at most `chunk_size`."""
        stop = self.size if end is None else min(end, self.size)
        pos = start
        while pos < stop:
            index, offset = divmod(pos, BLOCK_SIZE)
            block = self.block(index)
            piece_end = min(len(block), offset + (stop - pos))
            while offset < piece_end:
                piece = block[offset : min(piece_end, offset + chunk_size)]
                yield piece
                offset += len(piece)
                pos += len(piece)

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """Bytes `start` to `end` in one piece: for small artifacts and tests."""
        return b"".join(self.iter_range(start, end))

    def sha256(self) -> str:
        """Hex SHA-256 of the whole content, computed chunk by chunk."""
        digest = hashlib.sha256()
        for piece in self.iter_range():
            digest.update(piece)
        return digest.hexdigest()

    @property
    def etag(self) -> str:
        """A strong ETag for the content, as S3 would send it (quoted)."""
        return f'"{hashlib.md5(self.key + self.size.to_bytes(8, "big")).hexdigest()}"'
