"""Downloading a checkpoint with GetCheckpoint: resumed by offset, verified by size and sha256.

GetCheckpoint streams one metadata message (step, size_bytes, sha256, format, tensors), then data
chunks of at most 1 MiB, each with its ``offset`` in the file. The download:

1. Pins the step. Step 0 asks for the latest checkpoint; every reconnect asks for the step the first
   metadata named, so a checkpoint written meanwhile cannot splice into the file.
2. Checks every chunk's offset against the bytes written so far. A chunk that starts beyond them is
   a gap (DATA_LOSS); bytes already written are skipped, so a reconnect (UNAVAILABLE, or a retryable
   RESOURCE_EXHAUSTED, see ``retry.py``) continues the file where the broken stream stopped instead
   of starting it over. A reconnect asks for the file from the bytes it has (the request's
   ``offset``), so the server does not send them again.
3. Starts over when the checkpoint changed: ABORTED (it was saved again at that step while it
   streamed), or a reconnect whose metadata has another sha256 or size (then it asks again from
   offset 0).
4. Verifies the size and the sha256 of the whole file, then renames ``<path>.part`` to ``path``. On a
   mismatch the partial file is deleted and DATA_LOSS is raised: ``path`` only ever holds a
   verified checkpoint.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Optional, Union

import grpc

from gradnoise.v1 import training_pb2
from gradnoise_client.errors import GradnoiseError
from gradnoise_client.retry import RetryPolicy, is_retryable
from gradnoise_client.watch import OnRetry


@dataclass(frozen=True)
class CheckpointFile:
    """A downloaded, verified checkpoint.

    Attributes:
      path: where it was written.
      step: its optimizer step.
      size_bytes: its size, as verified.
      sha256: its lower-case hex SHA-256, as verified.
      format: "safetensors" (see GetCheckpointResponse.format in training.proto).
      tensors: where each tensor sits in the file.
      reconnects: how many times the stream was opened again.
    """

    path: Path
    step: int
    size_bytes: int
    sha256: str
    format: str
    tensors: tuple[training_pb2.TensorInfo, ...]
    reconnects: int


class _PartFile:
    """The bytes written so far, and their running hash."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.written = 0
        self.hash = hashlib.sha256()

    def restart(self) -> None:
        self.file.seek(0)
        self.file.truncate()
        self.written = 0
        self.hash = hashlib.sha256()

    def append(self, offset: int, data: bytes, where: str) -> bool:
        """Writes the part of `data` (at `offset` in the file) beyond what is written; True if any."""
        if offset > self.written:
            raise GradnoiseError(
                grpc.StatusCode.DATA_LOSS, f"{where}: a chunk at offset {offset} after {self.written} bytes: a gap"
            )
        fresh = memoryview(data)[self.written - offset :]
        if len(fresh) == 0:
            return False
        self.file.write(fresh)
        self.hash.update(fresh)
        self.written += len(fresh)
        return True


def download_checkpoint(
    stub: object,
    run_id: str,
    path: Union[str, os.PathLike],
    *,
    step: int = 0,
    retry: RetryPolicy = RetryPolicy(),
    on_retry: Optional[OnRetry] = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CheckpointFile:
    """Downloads checkpoint `step` of run `run_id` (0: the latest) to `path`, verified (see above).

    Raises GradnoiseError: NOT_FOUND (no such run or checkpoint), INVALID_ARGUMENT (negative step),
    DATA_LOSS (a gap, or a size or sha256 that does not match), or the last retryable error after
    ``retry.max_attempts`` failures in a row without progress.
    """
    if step < 0:
        raise ValueError(f"step: got {step}; allowed: an integer >= 0 (0: the latest)")
    target = Path(path)
    part_path = target.with_name(target.name + ".part")
    where = f"checkpoint of run {run_id}"
    meta: Optional[training_pb2.GetCheckpointResponse] = None
    failures = 0
    reconnects = 0
    with open(part_path, "wb") as file:
        part = _PartFile(file)
        while True:
            request = training_pb2.GetCheckpointRequest(
                run_id=run_id, step=meta.step if meta else step, offset=part.written
            )
            call = stub.GetCheckpoint(request)  # type: ignore[attr-defined]
            changed = False
            try:
                first = True
                for message in call:
                    if first:
                        first = False
                        if meta is None or (message.sha256, message.size_bytes) != (meta.sha256, meta.size_bytes):
                            meta = message
                            part.restart()
                            # Chunks from `request.offset` on belong to another file: ask from 0.
                            changed = request.offset > 0
                            if changed:
                                break
                        where = f"checkpoint step {meta.step} of run {run_id}"
                    elif part.append(message.offset, message.data, where):
                        failures = 0
                if not changed:
                    break
            except grpc.RpcError as rpc_error:
                error = GradnoiseError.from_rpc_error(rpc_error)
                retryable = is_retryable(error) or error.code == grpc.StatusCode.ABORTED
                failures += 1
                if not retryable or failures > retry.max_attempts:
                    _remove(part_path)
                    raise error from rpc_error
            except GradnoiseError:
                _remove(part_path)
                raise
            finally:
                call.cancel()
            if changed:
                continue
            if on_retry is not None:
                on_retry(error, failures, part.written)
            sleep(retry.backoff(failures))
            reconnects += 1
        digest = part.hash.hexdigest()
    if meta is None:
        _remove(part_path)
        raise GradnoiseError(grpc.StatusCode.DATA_LOSS, f"{where}: the stream ended before its metadata")
    if part.written != meta.size_bytes or digest != meta.sha256:
        _remove(part_path)
        raise GradnoiseError(
            grpc.StatusCode.DATA_LOSS,
            f"{where}: got {part.written} bytes with sha256 {digest}; "
            f"expected {meta.size_bytes} bytes with sha256 {meta.sha256}",
        )
    os.replace(part_path, target)
    return CheckpointFile(
        path=target,
        step=meta.step,
        size_bytes=meta.size_bytes,
        sha256=digest,
        format=meta.format,
        tensors=tuple(meta.tensors),
        reconnects=reconnects,
    )


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
