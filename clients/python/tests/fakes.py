"""Scripted stand-ins for a gRPC stub's server-streaming calls, and the errors they fail with."""

from __future__ import annotations

from typing import Iterable, Iterator, Optional, Sequence

import grpc

from gradnoise_client.errors import STATUS_DETAILS_KEY, error_details_pb2, status_pb2


class FakeRpcError(grpc.RpcError):
    """What a failed call raises: a code, a message and trailers."""

    def __init__(self, code: grpc.StatusCode, message: str, trailers: Sequence[tuple[str, bytes]] = ()) -> None:
        super().__init__(message)
        self._code = code
        self._message = message
        self._trailers = tuple(trailers)

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._message

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return self._trailers


def quota_error(subject: str, message: str = "watcher fell behind") -> FakeRpcError:
    """RESOURCE_EXHAUSTED with a QuotaFailure, as the server drops a lagging watcher."""
    status = status_pb2.Status(code=grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], message=message)
    status.details.add().Pack(
        error_details_pb2.QuotaFailure(violations=[error_details_pb2.QuotaFailure.Violation(subject=subject, description=message)])
    )
    return FakeRpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, message, [(STATUS_DETAILS_KEY, status.SerializeToString())])


def bad_request_error(field: str, description: str) -> FakeRpcError:
    """INVALID_ARGUMENT with a BadRequest, as the server answers a bad field."""
    message = f"{field}: {description}"
    status = status_pb2.Status(code=grpc.StatusCode.INVALID_ARGUMENT.value[0], message=message)
    status.details.add().Pack(
        error_details_pb2.BadRequest(
            field_violations=[error_details_pb2.BadRequest.FieldViolation(field=field, description=description)]
        )
    )
    return FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, message, [(STATUS_DETAILS_KEY, status.SerializeToString())])


class FakeStream:
    """One server stream: yields its messages, then raises its error if it has one."""

    def __init__(self, messages: Iterable[object], error: Optional[BaseException] = None) -> None:
        self._messages = list(messages)
        self._error = error
        self.cancelled = False

    def __iter__(self) -> Iterator[object]:
        yield from self._messages
        if self._error is not None:
            raise self._error

    def cancel(self) -> bool:
        self.cancelled = True
        return True


class FakeStub:
    """A stub whose StreamMetrics and GetCheckpoint answer the scripted streams in turn, and which
    records every request."""

    def __init__(self, streams: Sequence[FakeStream]) -> None:
        self._streams = list(streams)
        self.requests: list[object] = []
        self.opened: list[FakeStream] = []

    def _next(self, request: object) -> FakeStream:
        self.requests.append(request)
        if not self._streams:
            raise AssertionError(f"no stream left for {request}")
        stream = self._streams.pop(0)
        self.opened.append(stream)
        return stream

    def StreamMetrics(self, request: object) -> FakeStream:  # noqa: N802 - the stub's method name
        return self._next(request)

    def GetCheckpoint(self, request: object) -> FakeStream:  # noqa: N802
        return self._next(request)
