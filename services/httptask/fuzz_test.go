package httptask

import (
	"errors"
	"testing"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// FuzzParseHTTPRequest feeds arbitrary JSON to the HTTP Task's and API Gateway's parameter
// parsing and to the form encoder: the only errors allowed are States.Runtime failures, and
// nothing may panic.
func FuzzParseHTTPRequest(f *testing.F) {
	for _, seed := range []string{
		`{"ApiEndpoint":"https://api.example.com/v1","Method":"GET"}`,
		`{"ApiEndpoint":"https://x","Method":"post","Headers":{"A":"1","X-Amz-Date":"2"},"QueryParameters":{"q":["a",1,null]}}`,
		`{"ApiEndpoint":"http://h/p","Method":"POST","RequestBody":{"a":[1,{"b":[2]}],"c":{"d":"e f"}},"Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"BRACKETS"}}}`,
		`{"ApiEndpoint":"abc.execute-api.us-east-1.amazonaws.com","Method":"GET","Stage":"prod","Headers":{"k":["v1","v2"]},"AuthType":"NO_AUTH"}`,
		`{"ApiEndpoint":"https://x","Method":"GET","Authentication":{"ConnectionArn":1}}`,
		`{"ApiEndpoint":"https://x","Method":"GET","Headers":{"bad name":"v","B":"x\ny"}}`,
		`[]`, `"s"`, `null`, `{}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v, err := task.Decode([]byte(text))
		if err != nil {
			return
		}
		check := func(err error) {
			if err == nil {
				return
			}
			var fl *task.Failure
			if !errors.As(err, &fl) || fl.Name != "States.Runtime" {
				t.Fatalf("%s: unexpected error %v", text, err)
			}
		}
		r, err := ParseHTTPRequest(v)
		check(err)
		if err == nil && r.HasBody {
			_, err := EncodeForm(r.Body, r.ArrayFormat)
			check(err)
		}
		_, err = ParseAPIGatewayRequest(v)
		check(err)
	})
}
