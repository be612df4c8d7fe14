package itemio

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/stretchr/testify/require"
)

// writerCase is testdata/writer/<name>.json: the ResultWriter's inputs. The .want golden
// holds the Map state's output, then each file as "== <key>" and its body.
type writerCase struct {
	MapRunArn     string        `json:"mapRunArn"`
	Destination   Destination   `json:"destination"`
	WriterConfig  WriterConfig  `json:"writerConfig"`
	MaxFileBytes  int           `json:"maxFileBytes"`
	TransformOnly bool          `json:"transformOnly"`
	Results       []ChildResult `json:"results"`
}

func TestWriterGolden(t *testing.T) {
	t.Parallel()
	eachGolden(t, "testdata/writer", func(t *testing.T, file string, tc writerCase) {
		var got string
		if tc.TransformOnly {
			out, err := Transform(tc.WriterConfig, tc.Results)
			got = render(t, out, err)
		} else {
			set, err := WriteResults(tc.Destination, tc.MapRunArn, tc.WriterConfig, tc.Results, tc.MaxFileBytes)
			if err != nil {
				got = render(t, nil, err)
			} else {
				var b strings.Builder
				b.WriteString(value.MustEncode(set.Output) + "\n")
				for _, f := range set.Files {
					b.WriteString("== " + f.Key + "\n" + string(f.Body) + "\n")
				}
				got = b.String()
			}
		}
		checkGolden(t, strings.TrimSuffix(file, ".json")+".want", got, false)
	})
}

// TestWriterManifestSizes checks that manifest.json lists every result file with its size.
func TestWriterManifestSizes(t *testing.T) {
	t.Parallel()
	results := []ChildResult{
		{ExecutionArn: "e1", Name: "1", Input: "1", Output: `"a"`, Status: StatusSucceeded},
		{ExecutionArn: "e2", Name: "2", Input: "2", Output: `"b"`, Status: StatusSucceeded},
		{ExecutionArn: "e3", Name: "3", Input: "3", Status: StatusFailed, Error: "E"},
	}
	set, err := WriteResults(Destination{Bucket: "b", Prefix: "p"}, "arn:aws:states:us-east-1:1:mapRun:sm/m:id", WriterConfig{}, results, 200)
	require.NoError(t, err)
	manifest := set.Files[len(set.Files)-1]
	require.Equal(t, "p/id/manifest.json", manifest.Key)
	doc, err := value.Decode(manifest.Body)
	require.NoError(t, err)
	rf, _ := doc.(*value.Object).Get("ResultFiles")
	listed := map[string]string{}
	for _, group := range []string{"SUCCEEDED", "FAILED", "PENDING"} {
		entries, _ := rf.(*value.Object).Get(group)
		for _, e := range entries.([]any) {
			k, _ := e.(*value.Object).Get("Key")
			s, _ := e.(*value.Object).Get("Size")
			listed[k.(string)] = string(s.(json.Number))
		}
	}
	require.Len(t, listed, len(set.Files)-1)
	for _, f := range set.Files[:len(set.Files)-1] {
		require.Equal(t, json.Number(strconv.Itoa(len(f.Body))), json.Number(listed[f.Key]), f.Key)
		require.LessOrEqual(t, len(f.Body), 400)
		var arr []any
		require.NoError(t, json.Unmarshal(f.Body, &arr), "result file %s is a JSON array", f.Key)
	}
}
