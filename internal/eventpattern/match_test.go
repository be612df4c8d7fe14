package eventpattern

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// docEvent is the example event of AWS's "Amazon EventBridge event patterns" pages, with the
// detail fields their content-filtering examples use.
const docEvent = `{
  "version": "0",
  "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "111122223333",
  "time": "2017-12-22T18:43:48Z",
  "region": "us-west-1",
  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0", "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"],
  "detail": {
    "instance-id": "i-1234567890abcdef0",
    "state": "terminated",
    "c-count": 5, "d-count": 7, "x-limit": 301.8,
    "source-ip": "10.0.0.123",
    "FileName": "image.png",
    "responseElements": null,
    "eventVersion": "",
    "flag": true,
    "location": "us-east-1",
    "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "data"}],
    "EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"
  }
}`

func TestPatternMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pattern string
		want          bool
	}{
		{"source", `{"source":["aws.ec2"]}`, true},
		{"source other", `{"source":["aws.s3"]}`, false},
		{"any of values", `{"source":["aws.s3","aws.ec2"]}`, true},
		{"fields AND", `{"source":["aws.ec2"],"detail-type":["nope"]}`, false},
		{"nested", `{"detail":{"state":["terminated","stopped"]}}`, true},
		{"nested missing field", `{"detail":{"nope":["x"]}}`, false},
		{"array intersects", `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","x"]}`, true},
		{"array no intersection", `{"resources":["x"]}`, false},
		{"prefix", `{"time":[{"prefix":"2017-12-22"}]}`, true},
		{"prefix no", `{"time":[{"prefix":"2017-10-02"}]}`, false},
		{"prefix ignore case", `{"detail":{"state":[{"prefix":{"equals-ignore-case":"TERM"}}]}}`, true},
		{"suffix", `{"detail":{"FileName":[{"suffix":".png"}]}}`, true},
		{"suffix no", `{"detail":{"FileName":[{"suffix":".jpg"}]}}`, false},
		{"suffix ignore case", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".PNG"}}]}}`, true},
		{"equals-ignore-case", `{"detail":{"state":[{"equals-ignore-case":"TERMINATED"}]}}`, true},
		{"anything-but string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, true},
		{"anything-but string same", `{"detail":{"state":[{"anything-but":"terminated"}]}}`, false},
		{"anything-but list", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, true},
		{"anything-but number", `{"detail":{"c-count":[{"anything-but":[5,6]}]}}`, false},
		{"anything-but missing field", `{"detail":{"nope":[{"anything-but":"x"}]}}`, false},
		{"anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`, true},
		{"anything-but prefix same", `{"detail":{"state":[{"anything-but":{"prefix":"term"}}]}}`, false},
		{"anything-but suffix", `{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}`, true},
		{"anything-but equals-ignore-case", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["TERMINATED","x"]}}]}}`, false},
		{"anything-but wildcard", `{"detail":{"FileName":[{"anything-but":{"wildcard":"*.png"}}]}}`, false},
		{"numeric", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}`, true},
		{"numeric out of range", `{"detail":{"c-count":[{"numeric":[">",5]}]}}`, false},
		{"numeric on string", `{"detail":{"state":[{"numeric":[">",0]}]}}`, false},
		{"number literal", `{"detail":{"c-count":[5.0]}}`, true},
		{"number literal vs string", `{"detail":{"c-count":["5"]}}`, false},
		{"cidr", `{"detail":{"source-ip":[{"cidr":"10.0.0.0/24"}]}}`, true},
		{"cidr no", `{"detail":{"source-ip":[{"cidr":"10.0.1.0/24"}]}}`, false},
		{"exists", `{"detail":{"state":[{"exists":true}]}}`, true},
		{"exists false", `{"detail":{"state":[{"exists":false}]}}`, false},
		{"exists false absent", `{"detail":{"nope":[{"exists":false}]}}`, true},
		{"exists true absent", `{"detail":{"nope":[{"exists":true}]}}`, false},
		{"exists on object", `{"detail":[{"exists":true}]}`, false},
		{"null", `{"detail":{"responseElements":[null]}}`, true},
		{"empty string", `{"detail":{"eventVersion":[""]}}`, true},
		{"empty string is not null", `{"detail":{"responseElements":[""]}}`, false},
		{"bool", `{"detail":{"flag":[true]}}`, true},
		{"bool false", `{"detail":{"flag":[false]}}`, false},
		{"wildcard", `{"detail":{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}}`, true},
		{"wildcard no", `{"detail":{"EventBusArn":[{"wildcard":"arn:aws:events:us-west-2:*"}]}}`, false},
		{"or", `{"detail":{"$or":[{"c-count":[{"numeric":[">",10]}]},{"d-count":[{"numeric":["<",10]}]}]}}`, true},
		{"or none", `{"detail":{"$or":[{"c-count":[{"numeric":[">",10]}]},{"state":["running"]}]}}`, false},
		{"or top level", `{"source":["aws.ec2"],"$or":[{"region":["x"]},{"detail":{"location":[{"prefix":"us-"}]}}]}`, true},
		{"array of objects", `{"detail":{"tags":{"key":["team"],"value":["data"]}}}`, true},
		{"array of objects mixes no elements", `{"detail":{"tags":{"key":["team"],"value":["prod"]}}}`, false},
		{"empty leaf array", `{"source":[]}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tc.pattern)
			require.NoError(t, err)
			require.Equal(t, tc.want, p.MatchJSON([]byte(docEvent)))
		})
	}
}

func TestWildcardParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"a*", "abc", true},
		{"*c", "abc", true},
		{"a*c", "ac", true},
		{"a*b*c", "axbyc", true},
		{"a*b*c", "acb", false},
		{`a\*`, "a*", true},
		{`a\*`, "ab", false},
		{"abc", "abc", true},
		{"ab*ab", "ab", false},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"/"+tc.s, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, wildcardMatcher(tc.pattern).match(tc.s))
		})
	}
}
