#!/usr/bin/env python3
"""Reading gradnoise's structured errors from Python, without grpcio-status.

Every INVALID_ARGUMENT carries a google.rpc.BadRequest (which field, and what is wrong with it) and
every RESOURCE_EXHAUSTED a google.rpc.QuotaFailure (whose quota), inside a google.rpc.Status sent
binary in the `grpc-status-details-bin` trailer. With grpcio-status installed,
`grpc_status.rpc_status.from_call(error)` gives the same Status; here it is decoded by hand with the
stubs ./generate.sh makes from googleapis' protos (npm google-proto-files).

    ./generate.sh
    python3 error_details.py --target localhost:50051 '{"trainer": "smoke", "noise": {"eta": -1}}'

Calls StartRun with the request given as JSON and prints one JSON line: the run on success, else
the status and the violations decoded from its details.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from gradnoise.v1 import training_pb2, training_pb2_grpc  # noqa: E402

STATUS_DETAILS_KEY = "grpc-status-details-bin"


def rich_status(error: grpc.RpcError) -> status_pb2.Status | None:
    """The google.rpc.Status of a failed call, or None when the server sent no details."""
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return None


def violations(status: status_pb2.Status) -> dict:
    """The BadRequest field violations and QuotaFailure violations among the status's details."""
    out = {"field_violations": [], "quota_violations": []}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            out["field_violations"] += [{"field": v.field, "description": v.description} for v in bad_request.field_violations]
        elif detail.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
            quota_failure = error_details_pb2.QuotaFailure()
            detail.Unpack(quota_failure)
            out["quota_violations"] += [{"subject": v.subject, "description": v.description} for v in quota_failure.violations]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="localhost:50051", help="server address (default %(default)s)")
    parser.add_argument("request", help="a StartRunRequest as JSON (proto field names)")
    args = parser.parse_args()

    request = json_format.Parse(args.request, training_pb2.StartRunRequest())
    with grpc.insecure_channel(args.target) as channel:
        stub = training_pb2_grpc.TrainingServiceStub(channel)
        try:
            run = stub.StartRun(request)
        except grpc.RpcError as error:
            status = rich_status(error)
            result = {"code": error.code().name, "message": error.details(), "status": None}
            if status is not None:
                result["status"] = {"code": status.code, "message": status.message, **violations(status)}
            print(json.dumps(result), flush=True)
            return 0
    print(json.dumps({"run_id": run.id}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
