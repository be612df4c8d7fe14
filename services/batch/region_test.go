package batch

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/awsproto/awsprototest"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// TestResourcesPerRegion: job queues and job definitions are kept per region, as on AWS: a
// request signed for a region (its SigV4 credential scope) creates and lists that region's,
// with the region and its partition in their ARNs; unsigned requests use the default region.
func TestResourcesPerRegion(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Clock: clock.Real(), Logger: zap.NewNop(), Runner: newFakeRunner(), Region: "us-east-1", AccountID: "111111111111"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	do := func(region, op, body string) (int, map[string]any) {
		code, b := awsprototest.Call(t, srv.URL+"/v1/"+op, region, "batch", map[string]string{"Content-Type": "application/json"}, body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return code, m
	}
	const def = `{"jobDefinitionName":"jd","type":"container","containerProperties":{"image":"busybox","resourceRequirements":[{"type":"VCPU","value":"1"},{"type":"MEMORY","value":"512"}]}}`
	code, out := do("us-west-2", "registerjobdefinition", def)
	require.Equal(t, 200, code, out)
	require.Equal(t, "arn:aws:batch:us-west-2:111111111111:job-definition/jd:1", out["jobDefinitionArn"])
	code, out = do("cn-north-1", "registerjobdefinition", def)
	require.Equal(t, 200, code, out)
	require.Equal(t, "arn:aws-cn:batch:cn-north-1:111111111111:job-definition/jd:1", out["jobDefinitionArn"], "its own revision 1")
	for _, region := range []string{"", "us-east-1"} {
		code, out = do(region, "describejobdefinitions", `{}`)
		require.Equal(t, 200, code, out)
		require.Empty(t, out["jobDefinitions"], "region %q", region)
	}
	code, out = do("us-west-2", "describejobqueues", `{}`)
	require.Equal(t, 200, code, out)
	q := out["jobQueues"].([]any)[0].(map[string]any)
	require.True(t, strings.HasPrefix(q["jobQueueArn"].(string), "arn:aws:batch:us-west-2:111111111111:job-queue/"), q)
}
