package eventpattern

import (
	"errors"
	"testing"
)

// FuzzMatch compiles arbitrary patterns and matches them against arbitrary events: compiling
// either succeeds or fails with *Error, and matching never panics.
func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{`{"source":["aws.ec2"]}`, `{"source":"aws.ec2"}`},
		{`{"detail":{"n":[{"numeric":[">",0,"<=",5]}]}}`, `{"detail":{"n":[1,2,{"x":3}]}}`},
		{`{"a":[{"anything-but":{"prefix":"x"}}],"$or":[{"b":[null]},{"c":[{"exists":false}]}]}`, `{"a":"y","b":null}`},
		{`{"ip":[{"cidr":"10.0.0.0/8"}],"w":[{"wildcard":"a*\\*b"}]}`, `{"ip":"10.1.2.3","w":"a1*b"}`},
		{`{"s":[{"prefix":{"equals-ignore-case":"AB"}},{"suffix":"z"},{"equals-ignore-case":"Q"}]}`, `{"s":["ab1","xz"]}`},
		{`{"a":{"b":{"c":[1e400]}}}`, `{"a":[{"b":{"c":1e400}}]}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := Compile(pattern)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		p.MatchJSON([]byte(event))
	})
}
