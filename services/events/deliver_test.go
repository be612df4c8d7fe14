package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// recorder is a Sink that keeps what it receives and fails as told.
type recorder struct {
	mu   sync.Mutex
	got  []Delivery
	fail func(Delivery) error
}

func (r *recorder) Deliver(_ context.Context, d Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(d); err != nil {
			return err
		}
	}
	r.got = append(r.got, d)
	return nil
}

func (r *recorder) inputs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, d := range r.got {
		out = append(out, string(d.Input))
	}
	return out
}

func newDelivering(t *testing.T) (*Service, *clock.Fake, *recorder) {
	fc := clock.NewFake(epoch)
	s := New(Config{Clock: fc, Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "111111111111"})
	t.Cleanup(s.Close)
	rec := &recorder{}
	for _, svc := range []string{"sqs", "lambda", "states", "sns"} {
		s.SetSink(svc, rec)
	}
	return s, fc, rec
}

func putTargets(t *testing.T, s *Service, bus, rule string, targets ...string) {
	t.Helper()
	var ts []map[string]any
	for _, tj := range targets {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(tj), &m))
		ts = append(ts, m)
	}
	_, err := s.PutTargets(bus, rule, ts)
	require.NoError(t, err)
}

func TestDeliveryAndInput(t *testing.T) {
	t.Parallel()
	s, _, rec := newDelivering(t)
	_, err := s.PutRule(PutRuleInput{Name: "orders", EventPattern: `{"source":["shop"],"detail":{"total":[{"numeric":[">",10]}]}}`})
	require.NoError(t, err)
	putTargets(t, s, "", "orders",
		`{"Id":"whole","Arn":"arn:aws:sqs:us-east-1:111111111111:q"}`,
		`{"Id":"const","Arn":"arn:aws:sqs:us-east-1:111111111111:q","Input":"{\"fixed\":true}"}`,
		`{"Id":"path","Arn":"arn:aws:sqs:us-east-1:111111111111:q","InputPath":"$.detail"}`,
		`{"Id":"tmpl","Arn":"arn:aws:sqs:us-east-1:111111111111:q","InputTransformer":{"InputPathsMap":{"id":"$.detail.id","total":"$.detail.total","items":"$.detail.items"},"InputTemplate":"{\"order\": <id>, \"total\": <total>, \"msg\": \"order <id> of <total> (\\\"<items>\\\")\", \"rule\": \"<aws.events.rule-name>\"}"}}`,
		`{"Id":"text","Arn":"arn:aws:sqs:us-east-1:111111111111:q","InputTransformer":{"InputPathsMap":{"id":"$.detail.id"},"InputTemplate":"order <id> is in"}}`,
		`{"Id":"missing","Arn":"arn:aws:sqs:us-east-1:111111111111:q","InputTransformer":{"InputPathsMap":{"m":"$.detail.nope"},"InputTemplate":"{\"a\": <m>, \"b\": \"[<m>]\", \"c\": <unknown>}"}}`,
	)
	res, _, err := s.PutEvents([]Entry{
		{Source: "shop", DetailType: "Order", Detail: `{"id":"o-1","total":42,"items":["a","b"]}`, HasDetail: true},
		{Source: "shop", DetailType: "Order", Detail: `{"id":"o-2","total":5}`, HasDetail: true},
	})
	require.NoError(t, err)
	s.Flush()
	id := res[0].EventID
	want := []string{
		`{"version":"0","id":"` + id + `","detail-type":"Order","source":"shop","account":"111111111111","time":"2024-04-18T06:27:01Z","region":"us-east-1","resources":[],"detail":{"id":"o-1","total":42,"items":["a","b"]}}`,
		`{"fixed":true}`,
		`{"id":"o-1","items":["a","b"],"total":42}`,
		`{"order": "o-1", "total": 42, "msg": "order o-1 of 42 (\"[\"a\",\"b\"]\")", "rule": "orders"}`,
		`order o-1 is in`,
		`{"a": null, "b": "[]", "c": <unknown>}`,
	}
	require.Equal(t, want, rec.inputs())
}

func TestDeliveryToOtherBusAndDisabled(t *testing.T) {
	t.Parallel()
	s, _, rec := newDelivering(t)
	_, err := s.CreateEventBus("second", "")
	require.NoError(t, err)
	_, err = s.PutRule(PutRuleInput{Name: "fwd", EventPattern: `{"source":["a"]}`})
	require.NoError(t, err)
	putTargets(t, s, "", "fwd", `{"Id":"bus","Arn":"arn:aws:events:us-east-1:111111111111:event-bus/second"}`)
	_, err = s.PutRule(PutRuleInput{Name: "there", EventBusName: "second", EventPattern: `{"detail-type":["t"]}`})
	require.NoError(t, err)
	putTargets(t, s, "second", "there", `{"Id":"q","Arn":"arn:aws:sqs:us-east-1:111111111111:q","InputPath":"$.detail"}`)
	_, _, err = s.PutEvents([]Entry{{Source: "a", DetailType: "t", Detail: `{"n":1}`, HasDetail: true}})
	require.NoError(t, err)
	s.Flush()
	require.Equal(t, []string{`{"n":1}`}, rec.inputs())
	require.Len(t, s.Events("second"), 1)

	require.NoError(t, s.SetRuleState("", "fwd", false))
	_, _, err = s.PutEvents([]Entry{{Source: "a", DetailType: "t", Detail: `{"n":2}`, HasDetail: true}})
	require.NoError(t, err)
	s.Flush()
	require.Len(t, rec.inputs(), 1)
}

func TestDeliveryRetriesAndDeadLetters(t *testing.T) {
	t.Parallel()
	s, fc, rec := newDelivering(t)
	failing := 2
	rec.fail = func(d Delivery) error {
		switch d.Arn {
		case "arn:aws:lambda:us-east-1:111111111111:function:gone":
			return fmt.Errorf("%w: function gone", ErrTargetNotFound)
		case "arn:aws:lambda:us-east-1:111111111111:function:flaky":
			if failing > 0 {
				failing--
				return errors.New("throttled")
			}
		case "arn:aws:lambda:us-east-1:111111111111:function:broken":
			return errors.New("always broken")
		}
		return nil
	}
	_, err := s.PutRule(PutRuleInput{Name: "r", EventPattern: `{"source":["a"]}`})
	require.NoError(t, err)
	putTargets(t, s, "", "r",
		`{"Id":"gone","Arn":"arn:aws:lambda:us-east-1:111111111111:function:gone","DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:111111111111:dlq"}}`,
		`{"Id":"flaky","Arn":"arn:aws:lambda:us-east-1:111111111111:function:flaky","Input":"{}"}`,
		`{"Id":"broken","Arn":"arn:aws:lambda:us-east-1:111111111111:function:broken","Input":"{}","RetryPolicy":{"MaximumRetryAttempts":1},"DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:111111111111:dlq"}}`,
	)
	_, _, err = s.PutEvents([]Entry{{Source: "a", DetailType: "t", Detail: `{}`, HasDetail: true}})
	require.NoError(t, err)
	s.Flush()
	for range 5 {
		fc.Advance(time.Minute)
		s.Flush()
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var arns []string
	var dlq []map[string]string
	for _, d := range rec.got {
		arns = append(arns, d.Arn)
		if d.Attributes != nil {
			dlq = append(dlq, d.Attributes)
		}
	}
	require.Equal(t, "arn:aws:sqs:us-east-1:111111111111:dlq", arns[0], "not found goes to the DLQ at once")
	require.ElementsMatch(t, []string{
		"arn:aws:sqs:us-east-1:111111111111:dlq",
		"arn:aws:lambda:us-east-1:111111111111:function:flaky",
		"arn:aws:sqs:us-east-1:111111111111:dlq",
	}, arns)
	require.Len(t, dlq, 2)
	require.Equal(t, "RESOURCE_NOT_FOUND", dlq[0]["ERROR_CODE"])
	require.Equal(t, "arn:aws:lambda:us-east-1:111111111111:function:gone", dlq[0]["TARGET_ARN"])
	require.Equal(t, "MaximumRetryAttempts", dlq[1]["EXHAUSTED_RETRY_CONDITION"])
	require.Equal(t, "1", dlq[1]["RETRY_ATTEMPTS"])
	require.Equal(t, "arn:aws:events:us-east-1:111111111111:rule/r", dlq[1]["RULE_ARN"])
}

func TestSchedules(t *testing.T) {
	t.Parallel()
	s, fc, rec := newDelivering(t)
	_, err := s.PutRule(PutRuleInput{Name: "every5", ScheduleExpression: "rate(5 minutes)"})
	require.NoError(t, err)
	putTargets(t, s, "", "every5", `{"Id":"a","Arn":"arn:aws:states:us-east-1:111111111111:stateMachine:sm","InputTransformer":{"InputPathsMap":{"t":"$.time"},"InputTemplate":"\"rate <t>\""}}`)
	_, err = s.PutRule(PutRuleInput{Name: "daily", ScheduleExpression: "cron(0 12 * * ? *)"})
	require.NoError(t, err)
	putTargets(t, s, "", "daily", `{"Id":"b","Arn":"arn:aws:states:us-east-1:111111111111:stateMachine:sm","InputTransformer":{"InputPathsMap":{"t":"$.time","r":"$.resources[0]","dt":"$.detail-type"},"InputTemplate":"\"cron <t> <r> <dt>\""}}`)
	fc.Advance(16 * time.Minute)
	s.Flush()
	require.Equal(t, []string{`"rate 2024-04-18T06:32:01Z"`, `"rate 2024-04-18T06:37:01Z"`, `"rate 2024-04-18T06:42:01Z"`}, rec.inputs())
	require.NoError(t, s.SetRuleState("", "every5", false))
	fc.Advance(6 * time.Hour)
	s.Flush()
	got := rec.inputs()
	require.Equal(t, `"cron 2024-04-18T12:00:00Z arn:aws:events:us-east-1:111111111111:rule/daily Scheduled Event"`, got[len(got)-1])
	require.Len(t, got, 4)
}

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	from := time.Date(2024, 4, 18, 6, 27, 0, 0, time.UTC) // a Thursday
	tests := []struct {
		expr string
		want string // next firing after from; "" for invalid
	}{
		{"rate(1 minute)", "2024-04-18T06:28:00Z"},
		{"rate(2 hours)", "2024-04-18T08:27:00Z"},
		{"rate(1 minutes)", ""},
		{"rate(2 hour)", ""},
		{"rate(0 minutes)", ""},
		{"cron(0 10 * * ? *)", "2024-04-18T10:00:00Z"},
		{"cron(15 12 * * ? *)", "2024-04-18T12:15:00Z"},
		{"cron(0 18 ? * MON-FRI *)", "2024-04-18T18:00:00Z"},
		{"cron(0 8 1 * ? *)", "2024-05-01T08:00:00Z"},
		{"cron(0/15 * * * ? *)", "2024-04-18T06:30:00Z"},
		{"cron(0/10 * ? * MON-FRI *)", "2024-04-18T06:30:00Z"},
		{"cron(0 9 ? * 2#1 *)", "2024-05-06T09:00:00Z"},
		{"cron(0 0 L * ? *)", "2024-04-30T00:00:00Z"},
		{"cron(0 0 ? * 6L *)", "2024-04-26T00:00:00Z"},
		{"cron(0 0 1W * ? *)", "2024-05-01T00:00:00Z"},
		{"cron(0 12 * * * *)", ""},
		{"cron(0 12 * *)", ""},
		{"cron(61 12 * * ? *)", ""},
		{"at(2024-01-01T00:00:00)", ""},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			sc, err := parseSchedule(tc.expr)
			if tc.want == "" {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, sc.next(from, from).Format(time.RFC3339))
		})
	}
}

const docEvent = `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"111122223333","time":"2017-12-22T18:43:48Z","region":"us-west-1","resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],"detail":{"instance-id":"i-1234567890abcdef0","state":"terminated"}}`

func TestTestEventPattern(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ok, err := s.TestEventPattern(`{"source":["aws.ec2"],"detail":{"state":[{"anything-but":"running"}]}}`, docEvent)
	require.NoError(t, err)
	require.True(t, ok)
	_, err = s.TestEventPattern(`{"source":["aws.ec2"]}`, `{"source":"aws.ec2"}`)
	requireCode(t, err, "ValidationException")
	_, err = s.TestEventPattern(`{"source":"aws.ec2"}`, docEvent)
	requireCode(t, err, "InvalidEventPatternException")
}
