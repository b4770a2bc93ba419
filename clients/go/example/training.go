package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strings"

	"google.golang.org/protobuf/proto"

	v1 "github.com/gradnoise/gradnoise/clients/go/gradnoisev1"
)

// mlpRequest is a run of the paper's deep MLP on MNIST (§4.1) shrunk to seconds on a CPU: two
// hidden layers of 32 units on a few hundred digits, with the paper's annealed noise (eta 0.01,
// gamma 0.55 by default). Unset fields take the server's documented defaults.
func mlpRequest(o options) *v1.StartRunRequest {
	return &v1.StartRunRequest{
		Trainer: "mlp",
		Config: &v1.StartRunRequest_Mlp{Mlp: &v1.MlpConfig{
			Depth:     proto.Int32(2),
			Width:     proto.Int32(32),
			BatchSize: proto.Int32(32),
			Data:      &v1.DataConfig{TrainSize: proto.Int32(int32(o.trainSize)), TestSize: proto.Int32(int32(o.testSize))},
		}},
		Noise:           &v1.NoiseConfig{Eta: proto.Float64(0.01), Schedule: v1.Schedule_SCHEDULE_ANNEALED},
		Seed:            1,
		MaxSteps:        o.steps,
		EvalEvery:       max64(o.steps/3, 1),
		CheckpointEvery: max64(o.steps/2, 1),
		Labels:          map[string]string{"client": "go"},
	}
}

// trainAndDownload starts an MLP run, follows its metrics until it ends, then lists its checkpoints
// and downloads the latest, checking it against the listing and its own SHA-256.
func trainAndDownload(ctx context.Context, c v1.TrainingServiceClient, o options) error {
	run, err := c.StartRun(ctx, mlpRequest(o))
	if err != nil {
		return err
	}
	emit("started", map[string]interface{}{"run_id": run.GetId(), "status": run.GetStatus().String()})

	final, err := watch(ctx, c, run.GetId())
	if err != nil {
		return err
	}
	if !completed(final) {
		return failf("run %s ended %s, not completed", run.GetId(), final)
	}
	return download(ctx, c, run.GetId(), o.out)
}

// watch streams a run's metrics, stored points first and then live ones, until the server's final
// message, and returns the run's terminal status.
func watch(ctx context.Context, c v1.TrainingServiceClient, runID string) (v1.RunStatus, error) {
	stream, err := c.StreamMetrics(ctx, &v1.StreamMetricsRequest{RunId: runID})
	if err != nil {
		return 0, err
	}
	points, lastStep := 0, int64(0)
	last := map[string]float64{}
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return 0, failf("metric stream of run %s ended without its final message", runID)
		}
		if err != nil {
			return 0, err
		}
		for _, p := range msg.GetPoints() {
			points++
			if p.GetStep() > lastStep {
				lastStep = p.GetStep()
			}
			last[p.GetName()] = p.GetValue()
		}
		if msg.GetFinal() {
			emit("streamed", map[string]interface{}{
				"points": points, "last_step": lastStep, "status": msg.GetStatus().String(),
				"completed": completed(msg.GetStatus()), "last_loss": last["loss"],
				"last_test_accuracy": last["test_accuracy"],
			})
			return msg.GetStatus(), nil
		}
	}
}

// download fetches the run's latest listed checkpoint by its step (ListCheckpoints, then
// GetCheckpoint: metadata first, then chunks in order) and writes it to path.
func download(ctx context.Context, c v1.TrainingServiceClient, runID, path string) error {
	var listed []*v1.CheckpointInfo
	for token := ""; ; {
		page, err := c.ListCheckpoints(ctx, &v1.ListCheckpointsRequest{RunId: runID, PageToken: token})
		if err != nil {
			return err
		}
		listed = append(listed, page.GetCheckpoints()...)
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(listed) == 0 {
		return failf("run %s has no checkpoint", runID)
	}
	latest := listed[len(listed)-1]

	stream, err := c.GetCheckpoint(ctx, &v1.GetCheckpointRequest{RunId: runID, Step: latest.GetStep()})
	if err != nil {
		return err
	}
	meta, err := stream.Recv()
	if err != nil {
		return err
	}
	hash := sha256.New()
	var data []byte
	for {
		chunk, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if chunk.GetOffset() != int64(len(data)) {
			return failf("chunk at offset %d, expected %d", chunk.GetOffset(), len(data))
		}
		data = append(data, chunk.GetData()...)
		hash.Write(chunk.GetData())
	}
	sum := hex.EncodeToString(hash.Sum(nil))
	if int64(len(data)) != meta.GetSizeBytes() || sum != meta.GetSha256() || sum != latest.GetSha256() {
		return failf("checkpoint %d: %d bytes with sha256 %s; metadata says %d bytes, %s; listing says %s",
			meta.GetStep(), len(data), sum, meta.GetSizeBytes(), meta.GetSha256(), latest.GetSha256())
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	weights := 0
	for _, t := range meta.GetTensors() {
		if strings.HasPrefix(t.GetName(), "model/") {
			weights++
		}
	}
	emit("checkpoint", map[string]interface{}{
		"step": meta.GetStep(), "listed": len(listed), "size_bytes": meta.GetSizeBytes(), "sha256": sum,
		"format": meta.GetFormat(), "weight_tensors": weights, "path": path,
	})
	return nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
