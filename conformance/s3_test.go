package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/s3"
)

// TestConformanceS3 runs the recorded cases that call only aws-sdk:s3 end to end against the
// S3 simulator (services/s3). Each case's bucket, named by its input, is created first
// (except where the recording tests a missing bucket), and a getObject case's object is put
// with the body the recording read back, as the recording's test did.
func TestConformanceS3(t *testing.T) {
	t.Parallel()
	dir, ok := Dir(os.Getenv)
	if !ok {
		t.Skipf("conformance cases not found (looked in %q)", dir)
	}
	all, err := LoadCases(dir)
	require.NoError(t, err)
	passed, total, orderOK, orderTotal := 0, 0, 0, 0
	var failures []string
	for _, c := range all {
		def := string(c.Definition)
		if !strings.Contains(def, "aws-sdk:s3:") || c.Input == nil || c.Expected.Status == "RUNNING" || onlyS3(def) != nil {
			continue
		}
		total++
		svc := s3.New(s3.Config{Clock: clock.Real(), Logger: zap.NewNop(), Region: "us-east-1", AccountID: "111111111111"})
		var in struct{ Bucket, Key string }
		require.NoError(t, json.Unmarshal([]byte(*c.Input), &in), c.Name)
		if in.Bucket != "" && !strings.Contains(c.Name, "no_such_bucket") {
			require.NoError(t, svc.CreateBucket(in.Bucket, ""), c.Name)
		}
		if out, ok := c.Expected.Output.(map[string]any); ok && strings.Contains(def, "aws-sdk:s3:getObject") {
			body, _ := out["Body"].(string)
			_, err := svc.PutObject(in.Bucket, in.Key, []byte(body), s3.PutOptions{})
			require.NoError(t, err, c.Name)
		}
		r, err := RunCase(c, Options{Tasks: task.Registry{"aws-sdk:s3": svc.SDKIntegration()}})
		if err == nil {
			err = NewComparer(c).Compare(r)
		}
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", c.Name, err))
			continue
		}
		passed++
		// The service's outputs come in AWS's key order too.
		if diffs, ok, kerr := keyOrderDiffs(c, r); kerr == nil && ok {
			orderTotal++
			if len(diffs) > 0 {
				t.Errorf("%s: key order differs from AWS's:\n   %s", c.Name, strings.Join(diffs, "\n   "))
			} else {
				orderOK++
			}
		}
	}
	t.Logf("conformance s3 key order: %d/%d cases in AWS's key order", orderOK, orderTotal)
	for _, f := range failures {
		t.Log("FAIL " + f)
	}
	t.Logf("conformance s3: %d/%d passed", passed, total)
	fmt.Printf("conformance s3: %d/%d passed\n", passed, total)
	require.NotZero(t, total)
	require.Equal(t, total, passed)
}

// onlyS3 returns an error when a definition calls a Task resource other than aws-sdk:s3.
func onlyS3(def string) error {
	for _, part := range strings.Split(def, `"arn:aws:`)[1:] {
		if !strings.HasPrefix(part, "states:::aws-sdk:s3:") {
			return fmt.Errorf("calls %q", strings.SplitN(part, `"`, 2)[0])
		}
	}
	return nil
}
