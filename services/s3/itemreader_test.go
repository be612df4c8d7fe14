package s3

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/itemio"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func invokeItem(t *testing.T, s *Service, action, params string) (any, error) {
	t.Helper()
	p, err := task.Decode([]byte(params))
	require.NoError(t, err)
	return s.ItemIntegration().Invoke(context.Background(), &task.Request{
		Resource: "arn:aws:states:::s3:" + action, Service: "s3", Action: action, Parameters: p,
	})
}

func TestItemIntegration(t *testing.T) {
	t.Parallel()
	s := newTestService()
	require.NoError(t, s.CreateBucket("bkt", ""))
	for i := range 3 {
		_, err := s.PutObject("bkt", fmt.Sprintf("file_%d.txt", i), fmt.Appendf(nil, "%dHelloWorld!", i), PutOptions{})
		require.NoError(t, err)
	}
	_, err := s.PutObject("bkt", "data/raw.csv", []byte("a,b\n\xff\xfe,2\n"), PutOptions{})
	require.NoError(t, err)

	cases := []struct {
		name, action, params string
		want                 string // the result's JSON (strings compared as bytes)
		wantRaw              string // for getObject: the exact string
		wantErr, wantCause   string
	}{
		{name: "get keeps bytes", action: "getObject", params: `{"Bucket":"bkt","Key":"data/raw.csv"}`, wantRaw: "a,b\n\xff\xfe,2\n"},
		{name: "get missing key", action: "getObject", params: `{"Bucket":"bkt","Key":"nope"}`,
			wantErr: "States.ItemReaderFailed", wantCause: "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: "},
		{name: "get missing bucket", action: "getObject", params: `{"Bucket":"nope","Key":"x"}`,
			wantErr: "States.ItemReaderFailed", wantCause: "The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: "},
		{name: "get without key", action: "getObject", params: `{"Bucket":"bkt"}`,
			wantErr: "States.ItemReaderFailed", wantCause: "Missing required parameter: Key"},
		{name: "list all", action: "listObjectsV2", params: `{"Bucket":"bkt"}`,
			want: `[{"Etag":"\"e9a8d1bbd5a4e0bd0b8a5e1d37b2b2d3\"","Key":"data/raw.csv","LastModified":1.767323045E9,"Size":9,"StorageClass":"STANDARD"},` +
				`{"Etag":"ETAG0","Key":"file_0.txt","LastModified":1.767323045E9,"Size":12,"StorageClass":"STANDARD"},` +
				`{"Etag":"ETAG1","Key":"file_1.txt","LastModified":1.767323045E9,"Size":12,"StorageClass":"STANDARD"},` +
				`{"Etag":"ETAG2","Key":"file_2.txt","LastModified":1.767323045E9,"Size":12,"StorageClass":"STANDARD"}]`},
		{name: "list prefix", action: "listObjectsV2", params: `{"Bucket":"bkt","Prefix":"file_1"}`,
			want: `[{"Etag":"ETAG1","Key":"file_1.txt","LastModified":1.767323045E9,"Size":12,"StorageClass":"STANDARD"}]`},
		{name: "list missing bucket", action: "listObjectsV2", params: `{"Bucket":"nope"}`,
			wantErr: "States.ItemReaderFailed", wantCause: "The specified bucket does not exist (Service: S3, Status Code: 404"},
		{name: "put", action: "putObject", params: `{"Bucket":"bkt","Key":"out/manifest.json","Body":"{\"b\":1,\"a\":[]}"}`, want: `{}`},
		{name: "put missing bucket", action: "putObject", params: `{"Bucket":"nope","Key":"k","Body":"x"}`,
			wantErr: "States.ResultWriterFailed", wantCause: "The specified bucket does not exist (Service: S3, Status Code: 404"},
		{name: "unknown action", action: "deleteObject", params: `{"Bucket":"bkt","Key":"k"}`, wantErr: "States.Runtime"},
	}
	for _, tc := range cases {
		// Sequential: "put" is read back below.
		out, err := invokeItem(t, s, tc.action, tc.params)
		if tc.wantErr != "" {
			var f *task.Failure
			require.ErrorAs(t, err, &f, tc.name)
			require.Equal(t, tc.wantErr, f.Name, tc.name)
			require.Contains(t, f.Cause, tc.wantCause, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		if tc.wantRaw != "" {
			require.Equal(t, tc.wantRaw, out, tc.name)
			continue
		}
		got := value.MustEncode(out)
		want := tc.want
		for i := range 3 {
			o, err := s.GetObject("bkt", fmt.Sprintf("file_%d.txt", i))
			require.NoError(t, err)
			want = strings.ReplaceAll(want, fmt.Sprintf("ETAG%d", i), `\"`+o.ETag[1:len(o.ETag)-1]+`\"`)
		}
		raw, err := s.GetObject("bkt", "data/raw.csv")
		require.NoError(t, err)
		want = strings.ReplaceAll(want, `\"e9a8d1bbd5a4e0bd0b8a5e1d37b2b2d3\"`, `\"`+raw.ETag[1:len(raw.ETag)-1]+`\"`)
		require.Equal(t, want, got, tc.name)
	}
	put, err := s.GetObject("bkt", "out/manifest.json")
	require.NoError(t, err)
	require.Equal(t, `{"b":1,"a":[]}`, string(put.Body), "putObject stores Body raw")
}

// TestItemIntegrationFeedsReader: an ItemReader's getObject result decodes with itemio.
func TestItemIntegrationFeedsReader(t *testing.T) {
	t.Parallel()
	s := newTestService()
	require.NoError(t, s.CreateBucket("bkt", ""))
	_, err := s.PutObject("bkt", "file.csv", []byte("Col1,Col2\nValue1,Value2\n"), PutOptions{})
	require.NoError(t, err)
	out, err := invokeItem(t, s, "getObject", `{"Bucket":"bkt","Key":"file.csv"}`)
	require.NoError(t, err)
	items, err := itemio.DecodeAll(itemio.ReaderConfig{InputType: itemio.InputCSV}, []byte(out.(string)))
	require.NoError(t, err)
	require.Equal(t, `[{"Col1":"Value1","Col2":"Value2"}]`, value.MustEncode(items))
}
