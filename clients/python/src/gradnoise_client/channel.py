"""The gRPC channel to a gradnoise server: plaintext or TLS (mTLS optional), with a bearer token.

The server (src/server/auth-tls.ts, src/server/auth.ts) serves plaintext or TLS, asks for a client
certificate when it runs with GRADNOISE_TLS_CLIENT_CA, and, when tokens are configured, wants
``authorization: Bearer <token>`` on every call. The token is added by an interceptor rather than as
call credentials: gRPC refuses call credentials on a plaintext channel, and a token over plaintext
is what a loopback or a mesh sidecar that terminates TLS looks like.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional, Sequence, Union

import grpc

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class TlsOptions:
    """TLS settings of the channel; all PEM bytes.

    Attributes:
      root_certificates: the CA the server's certificate must chain to. None (the default): the
        roots gRPC ships.
      client_certificate: the client's certificate chain, for a server that wants mTLS. Default
        None; must come with client_key.
      client_key: its private key. Default None; must come with client_certificate.
      server_name: the name to check the server's certificate against instead of the target's
        host (``grpc.ssl_target_name_override``), e.g. when connecting by IP address to a
        certificate issued for a DNS name. Default None.
    """

    root_certificates: Optional[bytes] = None
    client_certificate: Optional[bytes] = None
    client_key: Optional[bytes] = None
    server_name: Optional[str] = None

    def __post_init__(self) -> None:
        if (self.client_certificate is None) != (self.client_key is None):
            given = "client_certificate" if self.client_key is None else "client_key"
            raise ValueError(f"TlsOptions.{given}: given alone; allowed: client_certificate and client_key together")

    @classmethod
    def from_files(
        cls,
        root_certificates: Optional[PathLike] = None,
        client_certificate: Optional[PathLike] = None,
        client_key: Optional[PathLike] = None,
        server_name: Optional[str] = None,
    ) -> TlsOptions:
        """TlsOptions from PEM files (read now, so a bad path fails here, not at the first call)."""

        def read(path: Optional[PathLike]) -> Optional[bytes]:
            if path is None:
                return None
            with open(path, "rb") as file:
                return file.read()

        return cls(read(root_certificates), read(client_certificate), read(client_key), server_name)


class _CallDetails(NamedTuple):
    method: str
    timeout: Optional[float]
    metadata: Optional[Sequence[tuple[str, Union[str, bytes]]]]
    credentials: Optional[grpc.CallCredentials]
    wait_for_ready: Optional[bool]
    compression: Optional[grpc.Compression]


class _ClientCallDetails(_CallDetails, grpc.ClientCallDetails):
    pass


class _MetadataInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds fixed metadata (the bearer token) to every call."""

    def __init__(self, metadata: Sequence[tuple[str, str]]) -> None:
        self._metadata = tuple(metadata)

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        return _ClientCallDetails(
            details.method,
            details.timeout,
            (*(details.metadata or ()), *self._metadata),
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, requests: Any) -> Any:
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, requests: Any) -> Any:
        return continuation(self._details(details), requests)


def open_channel(
    target: str,
    *,
    token: Optional[str] = None,
    tls: Union[TlsOptions, bool, None] = None,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.Channel:
    """A channel to `target` ("host:port"). `tls`: None or False for plaintext, True for TLS with
    gRPC's roots, or TlsOptions. `token`: sent as ``authorization: Bearer <token>`` on every call."""
    if token == "":
        raise ValueError("token: got an empty string; allowed: a bearer token, or None to send none")
    channel_options = list(options)
    if tls is None or tls is False:
        channel = grpc.insecure_channel(target, options=channel_options)
    else:
        settings = TlsOptions() if tls is True else tls
        if settings.server_name is not None:
            channel_options.append(("grpc.ssl_target_name_override", settings.server_name))
        credentials = grpc.ssl_channel_credentials(
            settings.root_certificates, settings.client_key, settings.client_certificate
        )
        channel = grpc.secure_channel(target, credentials, options=channel_options)
    if token is None:
        return channel
    return grpc.intercept_channel(channel, _MetadataInterceptor([("authorization", f"Bearer {token}")]))
