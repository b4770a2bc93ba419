#!/usr/bin/env python3
"""gradnoise from Python: start a run, stream its metrics, save its checkpoint, and load it.

    ./generate.sh                       # once: stubs into ./gen
    python3 gradnoise_client.py --target localhost:50051 --trainer smoke --max-steps 50

Prints one JSON object per event with --json (used by the integration test), else a readable log.
"""

import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from gradnoise.v1 import training_pb2, training_pb2_grpc  # noqa: E402

import safetensors_reader  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="localhost:50051", help="server address (default %(default)s)")
    parser.add_argument("--trainer", default="smoke", help="trainer name (default %(default)s)")
    parser.add_argument("--max-steps", type=int, default=50, help="optimizer steps (default %(default)s)")
    parser.add_argument("--eta", type=float, default=0.01, help="noise eta (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="seed (default %(default)s)")
    parser.add_argument("--token", default=os.environ.get("GRADNOISE_TOKEN", ""), help="bearer token, if the server needs one")
    parser.add_argument("--out", default="checkpoint.safetensors", help="where to save the checkpoint (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    args = parser.parse_args()

    def emit(event: str, **fields):
        if args.json:
            print(json.dumps({"event": event, **fields}), flush=True)
        else:
            print(event, " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)

    metadata = [("authorization", f"Bearer {args.token}")] if args.token else []
    with grpc.insecure_channel(args.target) as channel:
        stub = training_pb2_grpc.TrainingServiceStub(channel)

        # 1. Start a run (answers at once with RUN_STATUS_QUEUED).
        run = stub.StartRun(
            training_pb2.StartRunRequest(
                trainer=args.trainer,
                max_steps=args.max_steps,
                seed=args.seed,
                noise=training_pb2.NoiseConfig(eta=args.eta, schedule=training_pb2.SCHEDULE_ANNEALED),
                labels={"client": "python"},
            ),
            metadata=metadata,
        )
        emit("started", run_id=run.id, status=training_pb2.RunStatus.Name(run.status))

        # 2. Stream its metrics: replay, then live, until the final status.
        points = 0
        last_loss = None
        final_status = None
        for message in stub.StreamMetrics(training_pb2.StreamMetricsRequest(run_id=run.id, since_step=0), metadata=metadata):
            for p in message.points:
                points += 1
                if p.name == "loss":
                    last_loss = p.value
            if message.final:
                final_status = training_pb2.RunStatus.Name(message.status)
        emit("streamed", points=points, last_loss=last_loss, status=final_status)

        # 3. Save the latest checkpoint (metadata first, then chunks of at most 1 MiB).
        meta = None
        chunks = []
        for message in stub.GetCheckpoint(training_pb2.GetCheckpointRequest(run_id=run.id, step=0), metadata=metadata):
            if meta is None:
                meta = message
            elif message.data:
                chunks.append(message.data)
        data = b"".join(chunks)
        digest = hashlib.sha256(data).hexdigest()
        if len(data) != meta.size_bytes or digest != meta.sha256:
            emit("error", reason="checkpoint size or sha256 mismatch", size=len(data), expected=meta.size_bytes)
            return 1
        with open(args.out, "wb") as f:
            f.write(data)
        emit("checkpoint", step=meta.step, size_bytes=meta.size_bytes, sha256=digest, format=meta.format, path=args.out)

        # 4. Load it without gradnoise: tensor names and shapes.
        tensors, file_metadata = safetensors_reader.load(data)
        shapes = {name: list(getattr(t, "shape", t[1] if isinstance(t, tuple) else ())) for name, t in sorted(tensors.items())}
        emit("tensors", shapes=shapes, metadata_keys=sorted(file_metadata.keys()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
