package lambda

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func durableLambda(t *testing.T, db *storage.DB) *Service {
	t.Helper()
	s, err := New(Config{Clock: clock.Real(), Logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), Region: testRegion,
		AccountID: testAccount, TempDir: t.TempDir(), DB: db})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	s.SetQueuePoller(noQueue{exists: true})
	return s
}

// lambdaSnapshot is every read-only answer about the functions and mappings.
func lambdaSnapshot(t *testing.T, api *apiClient) map[string]any {
	t.Helper()
	out := map[string]any{}
	list := api.json("GET", "/2015-03-31/functions", nil, 200)
	out["ListFunctions"] = list
	for _, f := range list["Functions"].([]any) {
		name := f.(map[string]any)["FunctionName"].(string)
		out[name] = api.json("GET", "/2015-03-31/functions/"+name, nil, 200)["Configuration"]
		out[name+" versions"] = api.json("GET", "/2015-03-31/functions/"+name+"/versions", nil, 200)
		aliases := api.json("GET", "/2015-03-31/functions/"+name+"/aliases", nil, 200)
		out[name+" aliases"] = aliases
		for _, a := range aliases["Aliases"].([]any) {
			an := a.(map[string]any)["Name"].(string)
			out[name+":"+an] = api.json("GET", "/2015-03-31/functions/"+name+"/aliases/"+an, nil, 200)
		}
	}
	esms := api.json("GET", "/2015-03-31/event-source-mappings", nil, 200)
	out["ListEventSourceMappings"] = esms
	return out
}

func TestDurableRestart(t *testing.T) {
	t.Parallel()
	code := func(v string) []byte {
		return zipOf(t, map[string][]byte{"app.py": []byte("import os\n\ndef handler(e, c):\n    return {'v': '" + v + "', 'color': os.environ.get('COLOR')}\n")})
	}
	db := storagetest.Open(t)
	s := durableLambda(t, db)
	api := newAPI(t, s)
	api.json("POST", "/2015-03-31/functions", map[string]any{"FunctionName": "app", "Role": testRole, "Runtime": "python3.13",
		"Handler": "app.handler", "Timeout": 10, "Code": map[string]any{"ZipFile": code("one")}}, 201)
	api.json("PUT", "/2015-03-31/functions/app/configuration", map[string]any{"Environment": map[string]any{"Variables": map[string]string{"COLOR": "blue"}}}, 200)
	api.json("POST", "/2015-03-31/functions/app/versions", map[string]any{"Description": "first"}, 201)
	api.json("POST", "/2015-03-31/functions/app/aliases", map[string]any{"Name": "live", "FunctionVersion": "1"}, 201)
	api.json("POST", "/2015-03-31/functions/app/aliases", map[string]any{"Name": "old", "FunctionVersion": "$LATEST"}, 201)
	api.json("PUT", "/2015-03-31/functions/app/aliases/old", map[string]any{"Description": "moved"}, 200)
	api.json("PUT", "/2015-03-31/functions/app/code", map[string]any{"ZipFile": code("two"), "Publish": true}, 200)
	api.json("POST", "/2015-03-31/functions", map[string]any{"FunctionName": "gone", "Role": testRole, "Runtime": "python3.13",
		"Handler": "app.handler", "Code": map[string]any{"ZipFile": code("gone")}}, 201)
	api.do("DELETE", "/2015-03-31/functions/gone", nil, nil)
	s.RegisterGoFunction("inproc", nil)
	esm := api.json("POST", "/2015-03-31/event-source-mappings", map[string]any{"FunctionName": "app:live",
		"EventSourceArn": "arn:aws:sqs:us-east-1:111111111111:q", "BatchSize": 5}, 202)
	api.json("POST", "/2015-03-31/event-source-mappings", map[string]any{"FunctionName": "app",
		"EventSourceArn": "arn:aws:sqs:us-east-1:111111111111:off", "Enabled": false}, 202)
	before := lambdaSnapshot(t, api)
	delete(before, "inproc") // registered by code at each start, not stored
	delete(before, "inproc versions")
	delete(before, "inproc aliases")
	before["ListFunctions"] = listWithout(before["ListFunctions"], "inproc")
	require.NoError(t, s.Close())

	db = storagetest.Reopen(t, db)
	s2 := durableLambda(t, db)
	api2 := newAPI(t, s2)
	require.Equal(t, before, lambdaSnapshot(t, api2))

	invoke := func(path string) map[string]any {
		resp, b := api2.do("POST", path, []byte(`{}`), nil)
		require.Equal(t, 200, resp.StatusCode, string(b))
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m), string(b))
		return m
	}
	require.Equal(t, map[string]any{"v": "two", "color": "blue"}, invoke("/2015-03-31/functions/app/invocations"))
	require.Equal(t, map[string]any{"v": "one", "color": "blue"}, invoke("/2015-03-31/functions/app/invocations?Qualifier=live"))
	require.Equal(t, map[string]any{"v": "two", "color": "blue"}, invoke("/2015-03-31/functions/app:2/invocations"))
	api2.json("GET", "/2015-03-31/event-source-mappings/"+esm["UUID"].(string), nil, 200)
	api2.json("GET", "/2015-03-31/functions/gone", nil, 404)
}

func listWithout(v any, name string) any {
	m := v.(map[string]any)
	var keep []any
	for _, f := range m["Functions"].([]any) {
		if f.(map[string]any)["FunctionName"] != name {
			keep = append(keep, f)
		}
	}
	out := map[string]any{}
	for k, x := range m {
		out[k] = x
	}
	out["Functions"] = keep
	return out
}
