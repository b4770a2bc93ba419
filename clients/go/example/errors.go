package main

import (
	"context"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	v1 "github.com/gradnoise/gradnoise/clients/go/gradnoisev1"
)

// fieldViolations are the google.rpc.BadRequest field violations among a gRPC error's status
// details (the grpc-status-details-bin trailer, which status.FromError decodes): for each bad
// field, its path in the request ("noise.eta") and what is wrong with it. None when the error
// carries no BadRequest. Importing errdetails registers the detail types, so Details() can decode
// them; gradnoise sends a google.rpc.QuotaFailure with RESOURCE_EXHAUSTED the same way.
func fieldViolations(err error) []*errdetails.BadRequest_FieldViolation {
	var out []*errdetails.BadRequest_FieldViolation
	for _, detail := range status.Convert(err).Details() {
		if bad, ok := detail.(*errdetails.BadRequest); ok {
			out = append(out, bad.GetFieldViolations()...)
		}
	}
	return out
}

// showInvalidArgument sends a run with a negative noise scale, which the server must reject with
// INVALID_ARGUMENT naming noise.eta, and prints the violations decoded from the status details.
func showInvalidArgument(ctx context.Context, c v1.TrainingServiceClient) error {
	bad := &v1.StartRunRequest{
		Trainer: "mlp",
		Noise:   &v1.NoiseConfig{Eta: proto.Float64(-1)},
	}
	run, err := c.StartRun(ctx, bad)
	if err == nil {
		return failf("StartRun with noise.eta = -1 was accepted (run %s)", run.GetId())
	}
	if status.Code(err) != codes.InvalidArgument {
		return err
	}
	violations := []map[string]string{}
	for _, v := range fieldViolations(err) {
		violations = append(violations, map[string]string{"field": v.GetField(), "description": v.GetDescription()})
	}
	emit("invalid_argument", map[string]interface{}{
		"code": status.Code(err).String(), "message": status.Convert(err).Message(),
		"field_violations": violations,
	})
	return nil
}
