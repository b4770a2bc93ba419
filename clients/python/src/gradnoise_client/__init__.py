"""gradnoise's Python client: a thin typed helper over the generated gradnoise.v1 stubs.

    from gradnoise.v1 import training_pb2
    import gradnoise_client

    with gradnoise_client.connect("localhost:50051", token="...") as client:
        run = client.start_run(trainer="mlp", max_steps=1000)
        for point in client.watch_metrics(run.id, names=["loss"]):
            print(point.step, point.value)
        client.download_checkpoint(run.id, "model.safetensors")

The generated messages and stubs are importable as ``gradnoise.v1.training_pb2``,
``gradnoise.v1.training_pb2_grpc``, ``gradnoise.v1.sweeps_pb2`` and ``gradnoise.v1.sweeps_pb2_grpc``.
docs/integrating.md in the gradnoise repository walks through it all.
"""

from gradnoise_client.channel import TlsOptions
from gradnoise_client.checkpoint import CheckpointFile
from gradnoise_client.client import Client, connect
from gradnoise_client.errors import FieldViolation, GradnoiseError, QuotaViolation
from gradnoise_client.retry import RetryPolicy, is_retryable
from gradnoise_client.watch import MetricsWatch

__all__ = [
    "CheckpointFile",
    "Client",
    "FieldViolation",
    "GradnoiseError",
    "MetricsWatch",
    "QuotaViolation",
    "RetryPolicy",
    "TlsOptions",
    "connect",
    "is_retryable",
]
