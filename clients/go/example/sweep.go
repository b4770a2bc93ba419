package main

import (
	"context"
	"time"

	v1 "github.com/gradnoise/gradnoise/clients/go/gradnoisev1"
)

// sweepAndReport starts the smallest useful sweep, one cell and one seed trained once without and
// once with gradient noise (compare_noise defaults to true), waits until both runs are finished
// and prints the report's two rows side by side, as the paper's Table 1 compares them.
func sweepAndReport(ctx context.Context, c v1.SweepServiceClient, o options) error {
	base := mlpRequest(o)
	base.Labels = nil // a sweep's labels go on every run; the sweep's own are below
	sweep, err := c.StartSweep(ctx, &v1.StartSweepRequest{
		Name:      "go example",
		Base:      base,
		Seeds:     1,
		Objective: &v1.SweepObjective{Metric: "test_accuracy", Thresholds: []float64{0.1}},
		Labels:    map[string]string{"client": "go"},
	})
	if err != nil {
		return err
	}
	emit("sweep_started", map[string]interface{}{
		"sweep_id": sweep.GetId(), "runs": sweep.GetCounts().GetTotal(), "cells": sweep.GetCells(),
	})

	// GetSweep computes the report from the stored metrics at call time; poll until every run is done.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for !sweep.GetDone() {
		select {
		case <-ctx.Done():
			return failf("sweep %s not done before the deadline: %v", sweep.GetId(), ctx.Err())
		case <-tick.C:
		}
		if sweep, err = c.GetSweep(ctx, &v1.GetSweepRequest{SweepId: sweep.GetId()}); err != nil {
			return err
		}
	}

	report := sweep.GetReport()
	rows := make([]map[string]interface{}, 0, len(report.GetRows()))
	for _, r := range report.GetRows() {
		rows = append(rows, map[string]interface{}{
			"cell": r.GetCell(), "arm": r.GetArm(), "runs": r.GetRuns(), "completed": r.GetCompleted(),
			"evaluated": r.GetEvaluated(), "best": r.Best, "mean": r.Mean, "reached": r.GetReached(),
		})
	}
	counts := sweep.GetCounts()
	emit("sweep", map[string]interface{}{
		"sweep_id": sweep.GetId(), "state": sweep.GetState().String(),
		"done": sweep.GetState() == v1.SweepState_SWEEP_STATE_DONE, "metric": report.GetMetric(),
		"completed": counts.GetCompleted(), "failed": counts.GetFailed(), "rows": rows,
	})
	return nil
}
