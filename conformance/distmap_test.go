package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/s3"
)

// s3Objects is interpreter/itemio's list of the S3 objects each recorded Distributed Map case
// read (their contents rebuilt from the recording's test and its snapshot).
type s3Objects []struct {
	Case    string `json:"case"`
	Objects []struct {
		Bucket string `json:"bucket"`
		Key    string `json:"key"`
		File   string `json:"file"`
	} `json:"objects"`
}

const itemioTestdata = "../interpreter/itemio/testdata"

// TestConformanceDistributedMap runs the recorded Distributed Map cases (ItemReader,
// ItemBatcher, tolerated failures, child executions) end to end: each case's objects are put
// in the S3 simulator first, and the Map reads them through the s3 ItemReader integration.
// Cases that call other services (Lambda) are left to their own suites.
func TestConformanceDistributedMap(t *testing.T) {
	t.Parallel()
	dir := corpus(t)
	all, err := LoadCases(dir)
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(itemioTestdata, "s3objects.json"))
	require.NoError(t, err)
	var objs s3Objects
	require.NoError(t, json.Unmarshal(data, &objs))
	byCase := map[string]int{}
	for i, o := range objs {
		byCase[o.Case] = i
	}
	passed, total := 0, 0
	var failures []string
	for _, c := range all {
		def := string(c.Definition)
		if !strings.Contains(def, `"DISTRIBUTED"`) || c.Input == nil || c.Expected.Status == "RUNNING" || strings.Contains(def, `"Resource": "arn:aws:lambda`) ||
			strings.Contains(def, `"Resource": "arn:aws:states:::lambda`) || c.Category == "local_mocking" {
			continue
		}
		total++
		svc := s3.New(s3.Config{Clock: clock.Real(), Logger: zap.NewNop(), Region: "us-east-1", AccountID: "111111111111"})
		rel := filepath.Base(filepath.Dir(c.File)) + "/" + filepath.Base(c.File)
		if i, ok := byCase[rel]; ok {
			for _, o := range objs[i].Objects {
				body, err := os.ReadFile(filepath.Join(itemioTestdata, o.File))
				require.NoError(t, err, c.Name)
				_ = svc.CreateBucket(o.Bucket, "")
				_, err = svc.PutObject(o.Bucket, o.Key, body, s3.PutOptions{})
				require.NoError(t, err, c.Name)
			}
		} else if strings.Contains(def, "ItemReader") {
			failures = append(failures, c.Name+": no S3 objects known for it (itemio testdata)")
			continue
		}
		r, err := RunCase(c, Options{Tasks: task.Registry{"s3": svc.ItemIntegration()}})
		if err == nil {
			err = NewComparer(c).Compare(r)
		}
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", c.Name, err))
			continue
		}
		passed++
	}
	for _, f := range failures {
		if len(f) > 1500 {
			f = f[:1500] + "..."
		}
		t.Log("FAIL " + f)
	}
	t.Logf("conformance distributed map: %d/%d passed", passed, total)
	fmt.Printf("conformance distributed map: %d/%d passed\n", passed, total)
	require.NotZero(t, total)
	require.Equal(t, total, passed)
}
