package jsonpath_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/jsonpath"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	v, err := value.Decode([]byte(s))
	require.NoError(t, err, s)
	return v
}

func encode(t testing.TB, v any) string {
	t.Helper()
	b, err := value.Encode(v)
	require.NoError(t, err)
	return string(b)
}

const users = `{"users":[{"year":1997,"status":0,"name":"ann"},{"year":1998,"status":1,"name":"Bob"},{"year":2001,"status":2}],
"a":{"b":[10,{"c":"x"}],"x y":{"z":5},"n":null,"s":"str"},"big":12345678901234567890,"f":1.50}`

func TestSelect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, doc, want string
		indefinite            bool
	}{
		{"root", "$", `{"a":1}`, `{"a":1}`, false},
		{"member", "$.a.s", users, `"str"`, false},
		{"index", "$.a.b[0]", users, `10`, false},
		{"nested index", "$.a.b[1].c", users, `"x"`, false},
		{"negative index", "$.a.b[-1]", users, `{"c":"x"}`, false},
		{"bracket name", "$['a']['x y'].z", users, `5`, false},
		{"double-quoted bracket", `$["a"]["x y"]["z"]`, users, `5`, false},
		{"dot bracket (AWS docs form)", "$.a.['x y'].z", users, `5`, false},
		{"null leaf", "$.a.n", users, `null`, false},
		{"big number keeps text", "$.big", users, `12345678901234567890`, false},
		{"float keeps text", "$.f", users, `1.50`, false},
		{"wildcard array", "$.users[*].year", users, `[1997,1998,2001]`, true},
		{"wildcard object in document order", "$.a.*", `{"a":{"y":2,"x":1}}`, `[2,1]`, true},
		{"slice", "$.users[0:2].name", users, `["ann","Bob"]`, true},
		{"slice open end", "$.a.b[1:]", users, `[{"c":"x"}]`, true},
		{"slice negative", "$.users[-2:].year", users, `[1998,2001]`, true},
		{"slice beyond", "$.a.b[:10]", users, `[10,{"c":"x"}]`, true},
		{"index list", "$.users[0,2].year", users, `[1997,2001]`, true},
		{"name list", "$.a['s','n']", users, `["str",null]`, true},
		{"filter eq", "$.users[?(@.status == 0)]", users, `[{"year":1997,"status":0,"name":"ann"}]`, true},
		{"filter bare word (Jayway)", "$.Labels[?(@.Name==Receipt)].Confidence", `{"Labels":[{"Name":"Receipt","Confidence":99},{"Name":"Text","Confidence":80}]}`, `[99]`, true},
		{"filter bare word, spaces", "$.users[?(@.name == ann)].year", users, `[1997]`, true},
		{"filter keyword is not a bare word", "$.x[?(@.n == null)].v", `{"x":[{"n":null,"v":1},{"n":"null","v":2}]}`, `[1]`, true},
		{"script index last", "$.users[(@.length-1)].year", users, `[2001]`, true},
		{"script index spaces", "$.users[( @.length - 3 )].year", users, `[1997]`, true},
		{"script index out of range", "$.users[(@.length)]", users, `[]`, true},
		{"script index on object", "$.a[(@.length-1)]", users, `[]`, true},
		{"escaped quote in name", `$['it\'s']`, `{"it's":1}`, `1`, false},
		{"escaped backslash in name", `$['a\\b']`, `{"a\\b":2}`, `2`, false},
		{"java escapes in name", `$['tab\there\u00e9']`, `{"tab\thereé":3}`, `3`, false},
		{"escape in filter string", `$.x[?(@.n == 'l\ne')].v`, `{"x":[{"n":"l\ne","v":1},{"n":"lne","v":2}]}`, `[1]`, true},
		{"filter gt and", "$.users[?(@.year > 1997 && @.status < 2)].name", users, `["Bob"]`, true},
		{"filter or", "$.users[?(@.status == 0 || @.status == 2)].year", users, `[1997,2001]`, true},
		{"filter exists", "$.users[?(@.name)].year", users, `[1997,1998]`, true},
		{"filter not", "$.users[?(!(@.status == 0))].year", users, `[1998,2001]`, true},
		{"filter string", "$.users[?(@.name == 'Bob')].year", users, `[1998]`, true},
		{"filter regex", "$.users[?(@.name =~ /b.*/i)].year", users, `[1998]`, true},
		{"filter in", "$.users[?(@.status in [0, 2])].year", users, `[1997,2001]`, true},
		{"filter root ref", `$.users[?(@.year == $.users[0].year)].name`, users, `["ann"]`, true},
		{"filter number equality by value", "$[?(@.v == 1)].v", `[{"v":1.0},{"v":2}]`, `[1.0]`, true},
		{"deep scan", "$..c", users, `["x"]`, true},
		{"deep scan order", "$..a", `{"a":1,"b":{"a":2,"c":[{"a":3}]}}`, `[1,2,3]`, true},
		{"deep wildcard count", "$..z", users, `[5]`, true},
		{"missing under wildcard is empty", "$.items[*]", `{}`, `[]`, true},
		{"missing under slice is empty", "$.item.items[1:5].itemValue", `{}`, `[]`, true},
		{"wildcard on empty object", "$[*]", `{}`, `[]`, true},
		{"wildcard on scalar", "$.a.s[*]", users, `[]`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Parse(tc.path)
			require.NoError(t, err)
			require.Equal(t, !tc.indefinite, p.IsDefinite())
			require.Equal(t, tc.path, p.String())
			got, err := p.Select(decode(t, tc.doc))
			require.NoError(t, err)
			require.Equal(t, tc.want, encode(t, got))
		})
	}
}

// TestSelectErrors pins AWS's (Jayway's) messages; the first three are recorded in the shared
// conformance corpus.
func TestSelectErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, path, doc, want string }{
		{"missing intermediate (recorded)", "$.no.such.result.path", `{}`,
			"Invalid path '$.no.such.result.path' : Missing property in path $['no']"},
		{"missing leaf (recorded)", "$.NoSuchInputPath", `{"int-literal":0}`,
			"Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"},
		{"missing nested leaf", "$.a.nope", users,
			"Invalid path '$.a.nope' : No results for path: $['a']['nope']"},
		{"index out of range", "$.a.b[5]", users,
			"Invalid path '$.a.b[5]' : No results for path: $['a']['b'][5]"},
		{"property of a string", "$.a.s.x", users,
			"Invalid path '$.a.s.x' : Expected to find an object with property ['x'] in path $['a']['s'] but found 'com.fasterxml.jackson.databind.node.TextNode'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'."},
		{"property of null", "$.a.n.x", users,
			"Invalid path '$.a.n.x' : Expected to find an object with property ['x'] in path $['a']['n'] but found 'null'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'."},
		{"index of null", "$.a.n[0]", users, "Invalid path '$.a.n[0]' : The path $['a']['n'] is null"},
		{"index of object", "$.a[0]", users,
			`Invalid path '$.a[0]' : Filter: [0] can only be applied to arrays. Current context is: {"b":[10,{"c":"x"}],"x y":{"z":5},"n":null,"s":"str"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Parse(tc.path)
			require.NoError(t, err)
			_, err = p.Select(decode(t, tc.doc))
			require.EqualError(t, err, tc.want)
			var pe *jsonpath.Error
			require.True(t, errors.As(err, &pe))
			require.Equal(t, tc.path, pe.Path)
			require.False(t, p.Exists(decode(t, tc.doc)))
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path       string
		root       jsonpath.Root
		variable   string
		normalized string
		reference  bool
	}{
		{"$", jsonpath.RootInput, "", "$", true},
		{"$$", jsonpath.RootContext, "", "$", true},
		{"$$.Execution.Id", jsonpath.RootContext, "", "$['Execution']['Id']", true},
		{"$$.Map.Item.Value", jsonpath.RootContext, "", "$['Map']['Item']['Value']", true},
		{"$myVar", jsonpath.RootVariable, "myVar", "$", true},
		{"$my_var2.field[3]", jsonpath.RootVariable, "my_var2", "$['field'][3]", true},
		{"$变量.x", jsonpath.RootVariable, "变量", "$['x']", true},
		{"$.a-b.c_d", jsonpath.RootInput, "", "$['a-b']['c_d']", true},
		{"$.a[*]", jsonpath.RootInput, "", "$['a'][*]", false},
		{"$..x", jsonpath.RootInput, "", "$..['x']", false},
		{"$.a[1:3]", jsonpath.RootInput, "", "$['a'][1:3]", false},
		{"$.a[?(@.x > 1)]", jsonpath.RootInput, "", "$['a'][?]", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Parse(tc.path)
			require.NoError(t, err)
			require.Equal(t, tc.root, p.Root())
			require.Equal(t, tc.variable, p.Variable())
			require.Equal(t, tc.normalized, p.Normalized())
			_, err = jsonpath.ParseReference(tc.path)
			if tc.reference {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, path := range []string{
		"", "a.b", ".a", "$.", "$..", "$[", "$[1", "$['a'", "$.a[]", "$.a[x]", "$.a b", "$.a)",
		"$[?(@.a ==)]", "$[?(@.a == 1]", "$[?(@.a =~ /[/)]", "$.a[99999999999]", "$[?(((((((((((((((((((((((((((((((((((@.a)))))))))))))))))))))))))))))))))]",
	} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.Parse(path)
			var se *jsonpath.SyntaxError
			require.True(t, errors.As(err, &se), "%q: %v", path, err)
		})
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, path, doc, value, want, wantErr string }{
		{"root replaces", "$", `{"a":1}`, `"r"`, `"r"`, ""},
		{"new member", "$.r", `{"a":1}`, `{"x":1}`, `{"a":1,"r":{"x":1}}`, ""},
		{"replace member", "$.a", `{"a":1}`, `2`, `{"a":2}`, ""},
		{"replaced key keeps its place", "$.m.b", `{"z":0,"m":{"b":1,"a":2},"c":3}`, `{"y":1,"x":2}`, `{"z":0,"m":{"b":{"y":1,"x":2},"a":2},"c":3}`, ""},
		{"new key is appended", "$.b", `{"z":0,"c":3}`, `1`, `{"z":0,"c":3,"b":1}`, ""},
		{"create intermediates", "$.x.y.z", `{"a":1}`, `true`, `{"a":1,"x":{"y":{"z":true}}}`, ""},
		{"null intermediate becomes object", "$.a.b", `{"a":null}`, `1`, `{"a":{"b":1}}`, ""},
		{"into array element", "$.a[1].b", `{"a":[{},{}]}`, `1`, `{"a":[{},{"b":1}]}`, ""},
		{"array element", "$.a[0]", `{"a":[1,2]}`, `9`, `{"a":[9,2]}`, ""},
		{"scalar input", "$.a", `"str"`, `1`, ``, "Unable to apply ResultPath '$.a' : expected an object at $ but found string"},
		{"scalar intermediate", "$.a.b", `{"a":3}`, `1`, ``, "Unable to apply ResultPath '$.a.b' : expected an object at $['a'] but found number"},
		{"index out of range", "$.a[5]", `{"a":[1]}`, `1`, ``, "Unable to apply ResultPath '$.a[5]' : index 5 is out of range in path $['a']"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.ParseReference(tc.path)
			require.NoError(t, err)
			doc := decode(t, tc.doc)
			before := encode(t, doc)
			got, err := p.Set(doc, decode(t, tc.value))
			require.Equal(t, before, encode(t, doc), "Set must not mutate its input")
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				var se *jsonpath.SetError
				require.True(t, errors.As(err, &se))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, encode(t, got))
		})
	}
}

func TestSetRejectsNonInputRoots(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"$$.Execution", "$var.x", "$.a[*]"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Parse(path)
			require.NoError(t, err)
			_, err = p.Set(value.NewObject(0), 1)
			var se *jsonpath.SetError
			require.True(t, errors.As(err, &se))
		})
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{`1`, `1.0`, true},
		{`1`, `"1"`, false},
		{`{"a":[1,{"b":null}]}`, `{"a":[1,{"b":null}]}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`null`, `false`, false},
		{`12345678901234567890`, `12345678901234567891`, false},
	}
	for _, tc := range tests {
		t.Run(tc.a+"_"+tc.b, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, jsonpath.Equal(decode(t, tc.a), decode(t, tc.b)))
		})
	}
}

func ExamplePath_Select() {
	doc, _ := value.Decode([]byte(`{"order":{"items":[{"sku":"a1","qty":2},{"sku":"b2","qty":0}]}}`))
	first, _ := jsonpath.MustParse("$.order.items[0].sku").Select(doc)
	inStock, _ := jsonpath.MustParse("$.order.items[?(@.qty > 0)].sku").Select(doc)
	_, err := jsonpath.MustParse("$.order.customer.id").Select(doc)
	fmt.Println(first)
	fmt.Println(inStock)
	fmt.Println(err)
	// Output:
	// a1
	// [a1]
	// Invalid path '$.order.customer.id' : Missing property in path $['order']['customer']
}

func ExamplePath_Set() {
	doc, _ := value.Decode([]byte(`{"id":7}`))
	out, _ := jsonpath.MustParse("$.result.status").Set(doc, "done")
	b, _ := value.Encode(out)
	fmt.Println(string(b))
	// Output: {"id":7,"result":{"status":"done"}}
}

var sink any

func BenchmarkSelectDefinite(b *testing.B) {
	doc := decode(b, `{"a":{"b":[1,2,3],"c":"x"},"d":true}`)
	p := jsonpath.MustParse("$.a.b[0]")
	b.ReportAllocs()
	for b.Loop() {
		v, err := p.Select(doc)
		if err != nil {
			b.Fatal(err)
		}
		sink = v
	}
}

func BenchmarkSelectFilter(b *testing.B) {
	doc := decode(b, users)
	p := jsonpath.MustParse("$.users[?(@.year > 1997)].name")
	b.ReportAllocs()
	for b.Loop() {
		v, _ := p.Select(doc)
		sink = v
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p, err := jsonpath.Parse("$.a.b[0]['c d']")
		if err != nil {
			b.Fatal(err)
		}
		sink = p
	}
}

func BenchmarkSet(b *testing.B) {
	doc := decode(b, `{"a":{"b":[1,2,3],"c":"x"},"d":true,"e":1,"f":2}`)
	p := jsonpath.MustParse("$.a.result")
	b.ReportAllocs()
	for b.Loop() {
		v, err := p.Set(doc, "r")
		if err != nil {
			b.Fatal(err)
		}
		sink = v
	}
}
