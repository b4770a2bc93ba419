"""One exception type for every failed call, carrying gradnoise's structured error details.

The server sends, with INVALID_ARGUMENT and RESOURCE_EXHAUSTED, a google.rpc.Status in the binary
trailer ``grpc-status-details-bin`` (https://google.aip.dev/193) holding one google.rpc.BadRequest
(which field, and what is wrong with it) or one google.rpc.QuotaFailure (whose quota). This module
decodes it without grpcio-status: with googleapis' modules when they are installed (the ``status``
extra), else with the stubs generated into this package at build time.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence

import grpc

try:  # googleapis-common-protos, with the `status` extra: share its google/rpc/status.proto.
    from google.rpc import error_details_pb2, status_pb2
except ImportError:  # the usual case: Debian and a plain `pip install` have no google.rpc.
    from gradnoise_client._rpc import error_details_pb2, status_pb2  # type: ignore[no-redef]

STATUS_DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request: its path (e.g. ``noise.eta``; empty when no one field is at fault)
    and what is wrong with it (e.g. ``got -1; allowed: a finite number >= 0``)."""

    field: str
    description: str


@dataclass(frozen=True)
class QuotaViolation:
    """One exceeded quota: its subject (``project:<name>``, ``client:<id>``, ``run:<id>``) and why."""

    subject: str
    description: str


class GradnoiseError(Exception):
    """A gradnoise call failed, or a download did not verify.

    Attributes:
      code: the gRPC status code (``grpc.StatusCode.INVALID_ARGUMENT``, ...). A checkpoint whose bytes
        do not match its size or sha256 is ``DATA_LOSS``.
      message: the server's message, which names the field, the value and what is allowed.
      field_violations: from the google.rpc.BadRequest detail; empty when there is none.
      quota_violations: from the google.rpc.QuotaFailure detail; empty when there is none.
      status: the decoded google.rpc.Status, or None when the call carried none.

    Raised ``from`` the grpc.RpcError it translates, which stays available as ``__cause__``.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        field_violations: Sequence[FieldViolation] = (),
        quota_violations: Sequence[QuotaViolation] = (),
        status: Optional[status_pb2.Status] = None,
    ) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.field_violations = tuple(field_violations)
        self.quota_violations = tuple(quota_violations)
        self.status = status

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> GradnoiseError:
        """The error a failed call raised, with the details of its ``grpc-status-details-bin``.

        A Status whose code differs from the call's is ignored, as grpcio-status's ``from_call``
        refuses it: the details would describe some other failure.
        """
        code = _call_code(error)
        message = _call_details(error)
        status = rich_status(error)
        if status is None or status.code != code.value[0]:
            return cls(code, message)
        fields, quotas = _violations(status)
        return cls(code, message, field_violations=fields, quota_violations=quotas, status=status)


def rich_status(error: grpc.RpcError) -> Optional[status_pb2.Status]:
    """The google.rpc.Status in the call's trailers, or None when there is none or it is malformed."""
    trailers = getattr(error, "trailing_metadata", None)
    for key, value in (trailers() if callable(trailers) else None) or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            try:
                return status_pb2.Status.FromString(value)
            except Exception:  # noqa: BLE001 - a malformed trailer must not hide the call's own error
                return None
    return None


@contextmanager
def translate_errors() -> Iterator[None]:
    """Raises every grpc.RpcError of the block as a GradnoiseError."""
    try:
        yield
    except grpc.RpcError as error:
        raise GradnoiseError.from_rpc_error(error) from error


def _call_code(error: grpc.RpcError) -> grpc.StatusCode:
    code = getattr(error, "code", None)
    found = code() if callable(code) else None
    return found if isinstance(found, grpc.StatusCode) else grpc.StatusCode.UNKNOWN


def _call_details(error: grpc.RpcError) -> str:
    details = getattr(error, "details", None)
    found = details() if callable(details) else None
    return found if isinstance(found, str) else str(error)


def _violations(status: status_pb2.Status) -> tuple[list[FieldViolation], list[QuotaViolation]]:
    fields: list[FieldViolation] = []
    quotas: list[QuotaViolation] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            fields += [FieldViolation(v.field, v.description) for v in bad_request.field_violations]
        elif detail.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
            quota_failure = error_details_pb2.QuotaFailure()
            detail.Unpack(quota_failure)
            quotas += [QuotaViolation(v.subject, v.description) for v in quota_failure.violations]
    return fields, quotas

