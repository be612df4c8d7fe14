package itemio

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/stretchr/testify/require"
)

func TestObjectItem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   Object
		want string
	}{
		{"docs example", Object{Key: "processData/images/n02085620_1073.jpg", ETag: `"05704fbdccb224cb01c59005bebbad28"`, Size: 34910,
			LastModified: time.Unix(1668699881, 0), StorageClass: "STANDARD"},
			`{"Etag":"\"05704fbdccb224cb01c59005bebbad28\"","Key":"processData/images/n02085620_1073.jpg","LastModified":1.668699881E9,"Size":34910,"StorageClass":"STANDARD"}`},
		{"observed on AWS", Object{Key: "input/0001.txt", ETag: `"401b30e3"`, Size: 2, LastModified: time.Unix(1789180622, 0)},
			`{"Etag":"\"401b30e3\"","Key":"input/0001.txt","LastModified":1.789180622E9,"Size":2,"StorageClass":"STANDARD"}`},
		{"sub-second part dropped", Object{Key: "k", ETag: `"x"`, LastModified: time.Unix(1789180622, 123e6)},
			`{"Etag":"\"x\"","Key":"k","LastModified":1.789180622E9,"Size":0,"StorageClass":"STANDARD"}`},
		{"storage class defaults to STANDARD", Object{Key: "k", ETag: `"x"`, LastModified: time.Unix(1700000000, 0)},
			`{"Etag":"\"x\"","Key":"k","LastModified":1.7E9,"Size":0,"StorageClass":"STANDARD"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, value.MustEncode(ObjectItem(tc.in)))
		})
	}
}

func listingOf(keys ...string) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = ObjectItem(Object{Key: k, ETag: `"e"`})
	}
	return out
}

func TestLoadAndFlatten(t *testing.T) {
	t.Parallel()
	objects := map[string]string{
		"logs/a.jsonl": "{\"n\":1}\n{\"n\":2}\n",
		"logs/b.jsonl": "{\"n\":3}\n",
		"logs/c.jsonl": "",
		"csv/a.csv":    "h\n1\n2\n",
		"csv/b.csv":    "h\n3\n",
		"bad.json":     "{",
	}
	load := func(key string) ([]byte, error) {
		body, ok := objects[key]
		if !ok {
			return nil, &task.Failure{Name: ErrItemReaderFailed, Cause: "no such key " + key}
		}
		return []byte(body), nil
	}
	cases := []struct {
		name    string
		cfg     ReaderConfig
		listing []any
		want    string
	}{
		{"jsonl", ReaderConfig{InputType: InputJSONL, Transformation: TransformLoadAndFlatten},
			listingOf("logs/a.jsonl", "logs/b.jsonl", "logs/c.jsonl"), `[{"n":1},{"n":2},{"n":3}]`},
		{"max items across objects", ReaderConfig{InputType: InputJSONL, Transformation: TransformLoadAndFlatten, MaxItems: 2},
			listingOf("logs/a.jsonl", "logs/b.jsonl"), `[{"n":1},{"n":2}]`},
		{"csv headers per object", ReaderConfig{InputType: InputCSV, Transformation: TransformLoadAndFlatten},
			listingOf("csv/a.csv", "csv/b.csv"), `[{"h":"1"},{"h":"2"},{"h":"3"}]`},
		{"empty listing", ReaderConfig{InputType: InputJSON, Transformation: TransformLoadAndFlatten}, nil, `[]`},
		{"bad object", ReaderConfig{InputType: InputJSON, Transformation: TransformLoadAndFlatten},
			listingOf("bad.json"), `error: States.ItemReaderFailed: unexpected end of JSON input`},
		{"load error", ReaderConfig{InputType: InputJSON, Transformation: TransformLoadAndFlatten},
			listingOf("gone.json"), `error: States.ItemReaderFailed: no such key gone.json`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			items := []any{}
			err := LoadAndFlatten(tc.cfg, tc.listing, load, func(item any) error {
				items = append(items, item)
				return nil
			})
			if err != nil {
				var f *task.Failure
				require.True(t, errors.As(err, &f))
				require.Equal(t, tc.want, "error: "+f.Name+": "+f.Cause)
				return
			}
			require.Equal(t, tc.want, value.MustEncode(items))
		})
	}
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func TestManifest(t *testing.T) {
	t.Parallel()
	manifest := `{
  "sourceBucket": "amzn-s3-demo-source-bucket",
  "destinationBucket": "arn:aws:s3:::amzn-s3-demo-inventory",
  "version": "2016-11-30",
  "creationTimestamp": "1668560400000",
  "fileFormat": "CSV",
  "fileSchema": "Bucket, Key, Size, LastModifiedDate",
  "files": [
    {"key": "inventory/files/a.csv.gz", "size": 746, "MD5checksum": "f11166069f1990abeb9c97ace9cdfabc"},
    {"key": "inventory/files/b.csv", "size": 80, "MD5checksum": "0"}
  ]
}`
	m, err := ParseManifest([]byte(manifest))
	require.NoError(t, err)
	require.Equal(t, "amzn-s3-demo-inventory", m.DataBucket())
	require.Equal(t, []string{"Bucket", "Key", "Size", "LastModifiedDate"}, m.Columns())
	files := map[string][]byte{
		"amzn-s3-demo-inventory/inventory/files/a.csv.gz": gz(t, `"amzn-s3-demo-source-bucket","csvDataset/","0","2022-11-16T00:27:19.000Z"`+"\n"+
			`"amzn-s3-demo-source-bucket","csvDataset/titles.csv","3399671","2022-11-16T00:29:32.000Z"`+"\n"),
		"amzn-s3-demo-inventory/inventory/files/b.csv": []byte(`"amzn-s3-demo-source-bucket","imageDataset/n02085620_10074.jpg","27034","2022-11-16T00:27:19.000Z"` + "\n"),
	}
	load := func(bucket, key string) ([]byte, error) {
		b, ok := files[bucket+"/"+key]
		if !ok {
			return nil, fmt.Errorf("no %s/%s", bucket, key)
		}
		return b, nil
	}
	collect := func(max int) string {
		items := []any{}
		require.NoError(t, m.Items(max, load, func(item any) error {
			items = append(items, item)
			return nil
		}))
		return value.MustEncode(items)
	}
	// Member order: the "ItemReader (Map)" page's S3 inventory example,
	// {"LastModifiedDate","Bucket","Size","Key"}.
	require.Equal(t, `[{"LastModifiedDate":"2022-11-16T00:27:19.000Z","Bucket":"amzn-s3-demo-source-bucket","Size":"0","Key":"csvDataset/"},`+
		`{"LastModifiedDate":"2022-11-16T00:29:32.000Z","Bucket":"amzn-s3-demo-source-bucket","Size":"3399671","Key":"csvDataset/titles.csv"},`+
		`{"LastModifiedDate":"2022-11-16T00:27:19.000Z","Bucket":"amzn-s3-demo-source-bucket","Size":"27034","Key":"imageDataset/n02085620_10074.jpg"}]`, collect(0))
	require.Equal(t, 2, len(mustArray(t, collect(2))))
	require.Equal(t, 3, len(mustArray(t, collect(3))))

	for _, bad := range []string{`{`, `{"fileFormat":"ORC","fileSchema":"Bucket, Key"}`, `{"fileFormat":"CSV"}`} {
		_, err := ParseManifest([]byte(bad))
		var f *task.Failure
		require.ErrorAs(t, err, &f, bad)
		require.Equal(t, ErrItemReaderFailed, f.Name)
	}
	err = m.DecodeFile([]byte{0x1f, 0x8b, 0, 0}, 0, func(any) error { return nil })
	require.ErrorContains(t, err, "not valid gzip")
}

func mustArray(t *testing.T, s string) []any {
	t.Helper()
	v, err := value.DecodeString(s)
	require.NoError(t, err)
	return v.([]any)
}

// TestDecodeStopsOnYieldError: the caller's error ends decoding and comes back as is.
func TestDecodeStopsOnYieldError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	for _, tc := range []struct {
		cfg  ReaderConfig
		body string
	}{
		{ReaderConfig{InputType: InputCSV}, "h\n1\n2\n3\n"},
		{ReaderConfig{InputType: InputJSON}, "[1,2,3]"},
		{ReaderConfig{InputType: InputJSONL}, "1\n2\n3\n"},
	} {
		n := 0
		err := Decode(tc.cfg, []byte(tc.body), func(any) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		require.ErrorIs(t, err, stop, tc.cfg.InputType)
		require.Equal(t, 2, n, tc.cfg.InputType)
	}
}

func TestJavaHashOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		keys []string
		want []string
	}{
		{[]string{"0", "True", "{}"}, []string{"0", "{}", "True"}},                                                     // recorded AWS case
		{[]string{"H1", ""}, []string{"", "H1"}},                                                                       // recorded AWS case
		{[]string{"Bucket", "Key", "Size", "LastModifiedDate"}, []string{"LastModifiedDate", "Bucket", "Size", "Key"}}, // AWS docs
		{[]string{"Col3", "Col1", "Col2"}, []string{"Col1", "Col2", "Col3"}},
		{nil, []string{}},
	}
	for _, tc := range cases {
		got := []string{}
		for _, i := range javaHashOrder(tc.keys) {
			got = append(got, tc.keys[i])
		}
		require.Equal(t, tc.want, got)
	}
	// String.hashCode over UTF-16 code units, with int overflow.
	require.Equal(t, uint32(99162322), javaStringHash("hello"))
	require.Equal(t, uint32(0), javaStringHash(""))
	require.Equal(t, uint32(55357*31+56832), javaStringHash("😀"))              // U+1F600 = D83D DE00
	require.Equal(t, uint32(0x80000000), javaStringHash("polygenelubricants")) // Integer.MIN_VALUE in Java
}

func TestJavaDouble(t *testing.T) {
	t.Parallel()
	for f, want := range map[float64]string{
		0: "0.0", 1: "1.0", 1.5: "1.5", 1234567: "1234567.0", 1e7: "1.0E7", 0.001: "0.001",
		0.0001: "1.0E-4", 1789180622: "1.789180622E9", 1789180622.123: "1.789180622123E9",
		-2.5e10: "-2.5E10", 1700000000: "1.7E9",
	} {
		require.Equal(t, want, javaDouble(f), "%v", f)
	}
}
