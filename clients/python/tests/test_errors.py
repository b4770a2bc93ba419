"""GradnoiseError's decoding of grpc-status-details-bin, and which errors are retried."""

from __future__ import annotations

import unittest

import grpc
from fakes import FakeRpcError, bad_request_error, quota_error

from gradnoise_client import FieldViolation, GradnoiseError, QuotaViolation, RetryPolicy, TlsOptions, is_retryable
from gradnoise_client.errors import STATUS_DETAILS_KEY, status_pb2, translate_errors


class DecodeTest(unittest.TestCase):
    def test_bad_request_field_violations(self) -> None:
        error = GradnoiseError.from_rpc_error(bad_request_error("noise.eta", "got -1; allowed: a finite number >= 0"))
        self.assertEqual(error.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(error.field_violations, (FieldViolation("noise.eta", "got -1; allowed: a finite number >= 0"),))
        self.assertEqual(error.quota_violations, ())
        self.assertEqual(str(error), "INVALID_ARGUMENT: noise.eta: got -1; allowed: a finite number >= 0")

    def test_quota_failure_violations(self) -> None:
        error = GradnoiseError.from_rpc_error(quota_error("project:default", "too many queued runs"))
        self.assertEqual(error.quota_violations, (QuotaViolation("project:default", "too many queued runs"),))
        self.assertIsNotNone(error.status)

    def test_details_of_another_code_or_malformed_ones_are_ignored(self) -> None:
        other = status_pb2.Status(code=grpc.StatusCode.INTERNAL.value[0], message="x").SerializeToString()
        for trailer in (other, b"\xff\xff not a status"):
            error = GradnoiseError.from_rpc_error(
                FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "bad", [(STATUS_DETAILS_KEY, trailer)])
            )
            self.assertEqual((error.code, error.message, error.status, error.field_violations), (
                grpc.StatusCode.INVALID_ARGUMENT, "bad", None, ()))

    def test_translate_errors_keeps_the_rpc_error_as_cause(self) -> None:
        cause = FakeRpcError(grpc.StatusCode.NOT_FOUND, "run x not found")
        with self.assertRaises(GradnoiseError) as raised, translate_errors():
            raise cause
        self.assertIs(raised.exception.__cause__, cause)


class RetryableTest(unittest.TestCase):
    def test_unavailable_and_quota_failures_only(self) -> None:
        self.assertTrue(is_retryable(GradnoiseError(grpc.StatusCode.UNAVAILABLE, "down")))
        self.assertTrue(is_retryable(GradnoiseError.from_rpc_error(quota_error("run:r"))))
        self.assertFalse(is_retryable(GradnoiseError(grpc.StatusCode.RESOURCE_EXHAUSTED, "message too large")))
        self.assertFalse(is_retryable(GradnoiseError(grpc.StatusCode.INVALID_ARGUMENT, "bad")))

    def test_policy_validates_at_construction(self) -> None:
        with self.assertRaisesRegex(ValueError, r"^RetryPolicy.jitter: got 2; allowed: a number in \[0, 1\]$"):
            RetryPolicy(jitter=2)
        with self.assertRaisesRegex(ValueError, r"^RetryPolicy.max_backoff: got 0.01; allowed: >= initial_backoff$"):
            RetryPolicy(max_backoff=0.01)
        self.assertEqual([RetryPolicy(jitter=0, max_backoff=0.3).backoff(n) for n in (1, 2, 3, 4)], [0.1, 0.2, 0.3, 0.3])

    def test_tls_client_certificate_and_key_come_together(self) -> None:
        with self.assertRaisesRegex(ValueError, r"^TlsOptions.client_certificate: given alone"):
            TlsOptions(client_certificate=b"pem")


if __name__ == "__main__":
    unittest.main()
