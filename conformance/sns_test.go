package conformance

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/sns"
)

// TestConformanceSNS runs the recorded sns:publish cases end to end against the SNS fake
// (services/sns): each case's topic, named by its input's TopicArn, is created first (FIFO
// when the name ends in .fifo), as the recording's test did.
func TestConformanceSNS(t *testing.T) {
	t.Parallel()
	dir := corpus(t)
	all, err := LoadCases(dir)
	require.NoError(t, err)
	passed, total, orderOK, orderTotal := 0, 0, 0, 0
	var failures []string
	for _, c := range all {
		if !strings.HasPrefix(c.File, "services-sns/") && !strings.Contains(c.File, "/services-sns/") || c.Input == nil {
			continue
		}
		total++
		svc := sns.New(sns.Config{Clock: clock.Real(), Logger: zap.NewNop(), Region: "us-east-1", AccountID: "111111111111"})
		var in struct{ TopicArn string }
		require.NoError(t, json.Unmarshal([]byte(*c.Input), &in), c.Name)
		name := in.TopicArn[strings.LastIndexByte(in.TopicArn, ':')+1:]
		attrs := map[string]string{}
		if strings.HasSuffix(name, ".fifo") {
			attrs["FifoTopic"] = "true"
		}
		_, err := svc.CreateTopic(name, attrs)
		require.NoError(t, err, c.Name)
		r, err := RunCase(c, Options{Tasks: task.Registry{"sns": svc.Integration()}})
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
	t.Logf("conformance sns key order: %d/%d cases in AWS's key order", orderOK, orderTotal)
	for _, f := range failures {
		t.Log("FAIL " + f)
	}
	t.Logf("conformance sns: %d/%d passed", passed, total)
	fmt.Printf("conformance sns: %d/%d passed\n", passed, total)
	require.NotZero(t, total)
	require.Equal(t, total, passed)
}
