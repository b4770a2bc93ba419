// Command example drives gradnoise from Go with the stubs that ../generate.sh makes: it trains a
// small MLP (TrainingService: StartRun, StreamMetrics, ListCheckpoints, GetCheckpoint), runs a tiny
// no-noise-versus-noise sweep (SweepService: StartSweep, GetSweep) and shows how a rejected request
// reads (INVALID_ARGUMENT with its google.rpc.BadRequest field violations).
//
//	../build.sh /tmp/gradnoise-example   # generate and build offline (Debian's Go)
//	/tmp/gradnoise-example --target localhost:50051 --out /tmp/ckpt.safetensors
//
// It prints one JSON object per line, each with an "event" (started, streamed, checkpoint,
// sweep_started, sweep, invalid_argument), and exits 0 when every step did what it should, 1 when
// a check failed or the deadline passed, 2 on an unexpected RPC error.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	v1 "github.com/gradnoise/gradnoise/clients/go/gradnoisev1"
)

// options are the command-line flags, with their defaults in main.
type options struct {
	target, token, caFile, out string
	steps                      int64
	trainSize, testSize        int
	timeout                    time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.target, "target", "localhost:50051", "server address host:port")
	flag.StringVar(&o.token, "token", os.Getenv("GRADNOISE_TOKEN"), "bearer token, if the server needs one (default $GRADNOISE_TOKEN)")
	flag.StringVar(&o.caFile, "ca", "", "PEM file of the CA that signed the server's certificate; empty: plaintext")
	flag.StringVar(&o.out, "out", "checkpoint.safetensors", "where to save the run's latest checkpoint")
	flag.Int64Var(&o.steps, "steps", 30, "optimizer steps of the run and of each sweep run")
	flag.IntVar(&o.trainSize, "train-size", 256, "MNIST training examples the MLP uses")
	flag.IntVar(&o.testSize, "test-size", 128, "MNIST test examples the MLP is evaluated on")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "deadline of the whole session")
	flag.Parse()
	os.Exit(run(o))
}

func run(o options) int {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if o.token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+o.token)
	}
	transport := grpc.WithInsecure() // grpc-go 1.33 (Debian 12); newer releases spell it insecure.NewCredentials()
	if o.caFile != "" {
		creds, err := credentials.NewClientTLSFromFile(o.caFile, "")
		if err != nil {
			emit("error", map[string]interface{}{"reason": err.Error()})
			return 1
		}
		transport = grpc.WithTransportCredentials(creds)
	}
	conn, err := grpc.DialContext(ctx, o.target, transport)
	if err != nil {
		emit("error", map[string]interface{}{"reason": err.Error()})
		return 1
	}
	defer conn.Close()
	training := v1.NewTrainingServiceClient(conn)
	sweeps := v1.NewSweepServiceClient(conn)

	steps := []func() error{
		func() error { return trainAndDownload(ctx, training, o) },
		func() error { return sweepAndReport(ctx, sweeps, o) },
		func() error { return showInvalidArgument(ctx, training) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			if s, ok := status.FromError(err); ok {
				emit("error", map[string]interface{}{"code": s.Code().String(), "message": s.Message()})
				return 2
			}
			emit("error", map[string]interface{}{"reason": err.Error()})
			return 1
		}
	}
	return 0
}

// emit prints one JSON line: {"event": event, ...fields}.
func emit(event string, fields map[string]interface{}) {
	line := map[string]interface{}{"event": event}
	for k, v := range fields {
		line[k] = v
	}
	b, err := json.Marshal(line)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"event":"error","reason":%q}`, err.Error()))
	}
	fmt.Println(string(b))
}

// failf is a failure that is not an RPC error: an answer that breaks the API's contract (a
// checksum, an order, a missing message), a file that cannot be written, a deadline passed while
// polling. The calls return RPC errors as they got them, with their status.
func failf(format string, args ...interface{}) error {
	return fmt.Errorf(format, args...)
}
