"""download_checkpoint against scripted streams: offset resume, pinned step, verification."""

from __future__ import annotations

import hashlib
import tempfile
import unittest
from pathlib import Path

import grpc
from fakes import FakeRpcError, FakeStream, FakeStub

from gradnoise.v1 import training_pb2
from gradnoise_client import GradnoiseError, RetryPolicy
from gradnoise_client.checkpoint import download_checkpoint

DATA = bytes(range(16))
OTHER = bytes(range(100, 120))


def meta(data: bytes, step: int = 7, sha256: str = "") -> training_pb2.GetCheckpointResponse:
    digest = sha256 or hashlib.sha256(data).hexdigest()
    return training_pb2.GetCheckpointResponse(step=step, size_bytes=len(data), sha256=digest, format="safetensors")


def chunks(data: bytes, size: int, step: int = 7) -> list[training_pb2.GetCheckpointResponse]:
    return [
        training_pb2.GetCheckpointResponse(step=step, offset=o, data=data[o : o + size]) for o in range(0, len(data), size)
    ]


class DownloadTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name) / "model.safetensors"
        self.sleeps: list[float] = []

    def tearDown(self) -> None:
        self.dir.cleanup()

    def download(self, stub: FakeStub, step: int = 0):  # noqa: ANN201
        policy = RetryPolicy(max_attempts=2, jitter=0)
        return download_checkpoint(stub, "run-1", self.path, step=step, retry=policy, sleep=self.sleeps.append)

    def test_a_broken_stream_resumes_at_the_byte_it_stopped_and_pins_the_step(self) -> None:
        written: list[int] = []
        stub = FakeStub(
            [
                FakeStream([meta(DATA), *chunks(DATA, 4)[:2]], FakeRpcError(grpc.StatusCode.UNAVAILABLE, "reset")),
                # The server answers from the requested offset, 8: bytes 8-16 in one chunk.
                FakeStream([meta(DATA), *chunks(DATA, 8)[1:]]),
            ]
        )
        real_append = _spy_on_writes(written)
        try:
            got = self.download(stub)
        finally:
            real_append()
        self.assertEqual(self.path.read_bytes(), DATA)
        self.assertEqual(written, [4, 4, 8])
        self.assertEqual([(r.step, r.offset) for r in stub.requests], [(0, 0), (7, 8)])
        self.assertEqual((got.step, got.size_bytes, got.sha256, got.reconnects), (7, 16, hashlib.sha256(DATA).hexdigest(), 1))
        self.assertFalse(self.path.with_name("model.safetensors.part").exists())
        self.assertEqual(self.sleeps, [0.1])

    def test_a_checkpoint_saved_again_meanwhile_is_downloaded_from_the_start(self) -> None:
        stub = FakeStub(
            [
                FakeStream([meta(DATA), *chunks(DATA, 4)[:3]], FakeRpcError(grpc.StatusCode.ABORTED, "saved again")),
                # Asked from byte 12, the server answers with the new file's chunks from 12 on: the
                # client stops reading and asks again from 0.
                FakeStream([meta(OTHER), *chunks(OTHER, 4)[3:]]),
                FakeStream([meta(OTHER), *chunks(OTHER, 8)]),
            ]
        )
        got = self.download(stub, step=7)
        self.assertEqual([(r.step, r.offset) for r in stub.requests], [(7, 0), (7, 12), (7, 0)])
        self.assertEqual(self.path.read_bytes(), OTHER)
        self.assertEqual(got.sha256, hashlib.sha256(OTHER).hexdigest())

    def test_a_sha256_mismatch_is_data_loss_and_leaves_no_file(self) -> None:
        stub = FakeStub([FakeStream([meta(DATA, sha256="0" * 64), *chunks(DATA, 4)])])
        with self.assertRaises(GradnoiseError) as raised:
            self.download(stub)
        self.assertEqual(raised.exception.code, grpc.StatusCode.DATA_LOSS)
        self.assertIn(f"expected 16 bytes with sha256 {'0' * 64}", raised.exception.message)
        self.assertEqual(list(Path(self.dir.name).iterdir()), [])

    def test_a_short_file_is_data_loss(self) -> None:
        stub = FakeStub([FakeStream([meta(DATA), *chunks(DATA, 4)[:3]])])
        with self.assertRaisesRegex(GradnoiseError, r"got 12 bytes with sha256 .*; expected 16 bytes"):
            self.download(stub)
        self.assertFalse(self.path.exists())

    def test_a_chunk_beyond_the_bytes_written_is_a_gap(self) -> None:
        parts = chunks(DATA, 4)
        stub = FakeStub([FakeStream([meta(DATA), parts[0], parts[2], parts[3]])])
        with self.assertRaisesRegex(GradnoiseError, r"step 7 of run run-1: a chunk at offset 8 after 4 bytes: a gap"):
            self.download(stub)
        self.assertEqual(list(Path(self.dir.name).iterdir()), [])

    def test_not_found_is_raised_without_a_retry(self) -> None:
        stub = FakeStub([FakeStream([], FakeRpcError(grpc.StatusCode.NOT_FOUND, "no checkpoint at step 3"))])
        with self.assertRaises(GradnoiseError) as raised:
            self.download(stub, step=3)
        self.assertEqual((raised.exception.code, self.sleeps), (grpc.StatusCode.NOT_FOUND, []))
        self.assertEqual(list(Path(self.dir.name).iterdir()), [])


def _spy_on_writes(sizes: list[int]):  # noqa: ANN202
    """Records the size of every write the download makes; returns the undo."""
    from gradnoise_client import checkpoint

    original = checkpoint._PartFile.append

    def append(self, offset, data, where):  # noqa: ANN001, ANN202
        before = self.written
        wrote = original(self, offset, data, where)
        if wrote:
            sizes.append(self.written - before)
        return wrote

    checkpoint._PartFile.append = append  # type: ignore[method-assign]
    return lambda: setattr(checkpoint._PartFile, "append", original)


if __name__ == "__main__":
    unittest.main()
