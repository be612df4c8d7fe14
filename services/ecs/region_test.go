package ecs

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/awsproto/awsprototest"
)

// TestClustersPerRegion: clusters and task definitions are kept per region, as on AWS: a
// request signed for a region (its SigV4 credential scope) creates and lists that region's,
// with the region and its partition in their ARNs; unsigned requests use the default region.
func TestClustersPerRegion(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Runner: newFakeRunner(), Region: "us-east-1", AccountID: "111111111111"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	do := func(region, op, body string) (int, map[string]any) {
		code, b := awsprototest.Call(t, srv.URL+"/", region, "ecs",
			map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TargetPrefix + op}, body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return code, m
	}
	code, out := do("us-west-2", "CreateCluster", `{"clusterName":"west"}`)
	require.Equal(t, 200, code, out)
	require.Equal(t, "arn:aws:ecs:us-west-2:111111111111:cluster/west", out["cluster"].(map[string]any)["clusterArn"])
	code, out = do("cn-north-1", "ListClusters", `{}`)
	require.Equal(t, 200, code, out)
	require.Equal(t, []any{"arn:aws-cn:ecs:cn-north-1:111111111111:cluster/default"}, out["clusterArns"])
	for _, region := range []string{"", "us-east-1"} {
		code, out = do(region, "ListClusters", `{}`)
		require.Equal(t, 200, code, out)
		require.Equal(t, []any{"arn:aws:ecs:us-east-1:111111111111:cluster/default"}, out["clusterArns"], "region %q", region)
	}
	code, out = do("us-west-2", "ListClusters", `{}`)
	require.Equal(t, 200, code, out)
	require.Len(t, out["clusterArns"], 2)
}
