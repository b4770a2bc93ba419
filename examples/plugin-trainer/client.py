#!/usr/bin/env python3
"""Run the `logreg` plugin trainer from Python: find it in ListTrainers, start a run whose config
travels as a google.protobuf.Struct (a plugin has no typed config message), stream it to the end.

    ../python/generate.sh               # once: stubs into ../python/gen
    python3 client.py --target localhost:50051 --set batch_size=16 --set l2=0.001

Prints one JSON object per event with --json (used by the integration test), else a readable log.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "gen"))

import grpc  # noqa: E402
from google.protobuf import json_format, struct_pb2  # noqa: E402
from gradnoise.v1 import training_pb2, training_pb2_grpc  # noqa: E402


def parse_value(text: str):
    """`16` → 16.0, `0.001` → 0.001, `true` → True, anything else stays a string (a Struct number is a double)."""
    if text in ("true", "false"):
        return text == "true"
    try:
        return float(text)
    except ValueError:
        return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="localhost:50051", help="server address (default %(default)s)")
    parser.add_argument("--trainer", default="logreg", help="plugin trainer name (default %(default)s)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="a config field (repeatable)")
    parser.add_argument("--max-steps", type=int, default=60, help="optimizer steps (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="seed (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    args = parser.parse_args()

    def emit(event: str, **fields):
        if args.json:
            print(json.dumps({"event": event, **fields}), flush=True)
        else:
            print(event, " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)

    with grpc.insecure_channel(args.target) as channel:
        stub = training_pb2_grpc.TrainingServiceStub(channel)

        # 1. The trainer's declared schema and metrics, as the service loaded them.
        trainers = stub.ListTrainers(training_pb2.ListTrainersRequest()).trainers
        info = next((t for t in trainers if t.name == args.trainer), None)
        if info is None:
            emit("error", message=f"no trainer {args.trainer}; the server has {[t.name for t in trainers]}")
            return 1
        emit(
            "trainer",
            name=info.name,
            config_message=info.config_message,
            fields=[{"name": f.name, "kind": training_pb2.ConfigFieldKind.Name(f.kind), "allowed": f.allowed} for f in info.config_fields],
            metrics=[{"name": m.name, "when": training_pb2.MetricWhen.Name(m.when)} for m in info.metrics],
        )

        # 2. Start a run with its config as a Struct (snake_case keys, as ListTrainers names them).
        config = struct_pb2.Struct()
        config.update({key: parse_value(value) for key, value in (pair.split("=", 1) for pair in args.set)})
        run = stub.StartRun(
            training_pb2.StartRunRequest(
                trainer=args.trainer, config_struct=config, max_steps=args.max_steps, seed=args.seed
            )
        )
        emit("started", run_id=run.id, config=json_format.MessageToDict(run.spec.config_struct))

        # 3. Stream its metrics to the final status.
        last = {}
        final_status = None
        for message in stub.StreamMetrics(training_pb2.StreamMetricsRequest(run_id=run.id)):
            for p in message.points:
                last[p.name] = p.value
            if message.final:
                final_status = training_pb2.RunStatus.Name(message.status)
        emit("finished", status=final_status, last=last)
        return 0 if final_status == "RUN_STATUS_COMPLETED" else 2


if __name__ == "__main__":
    sys.exit(main())
