package events

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

var persistEpoch = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func durableEvents(t *testing.T, db *storage.DB, c clock.Clock) *Service {
	t.Helper()
	s := New(Config{Clock: c, Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "111111111111", DB: db})
	require.NoError(t, s.LoadError())
	t.Cleanup(s.Close)
	return s
}

// eventsSnapshot is every read-only answer about buses, rules, targets, connections and events.
func eventsSnapshot(t *testing.T, s *Service) string {
	t.Helper()
	out := map[string]any{"buses": s.EventBuses(""), "events": s.Events(""), "connections": s.Connections("", "")}
	for _, b := range s.EventBuses("") {
		_, desc, err := s.DescribeEventBus(b.Name)
		require.NoError(t, err)
		rules, err := s.Rules(b.Name, "")
		require.NoError(t, err)
		out[b.Name] = []any{desc, rules}
		for _, r := range rules {
			targets, err := s.Targets(b.Name, r.Name)
			require.NoError(t, err)
			out[r.Arn] = targets
		}
	}
	b, err := json.Marshal(out) // the API's view: exported fields only
	require.NoError(t, err)
	return string(b)
}

func TestDurableRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func(t *testing.T, s *Service, c *clock.Fake) func(t *testing.T, s *Service, c *clock.Fake)
	}{
		{"buses, rules, targets, events, connections", func(t *testing.T, s *Service, c *clock.Fake) func(*testing.T, *Service, *clock.Fake) {
			_, err := s.CreateEventBus("orders", "the orders")
			require.NoError(t, err)
			_, err = s.CreateEventBus("gone", "")
			require.NoError(t, err)
			_, err = s.PutRule(PutRuleInput{Name: "big", EventBusName: "orders", EventPattern: `{"detail":{"size":[{"numeric":[">",10]}]}}`})
			require.NoError(t, err)
			_, err = s.PutRule(PutRuleInput{Name: "off", EventBusName: "orders", EventPattern: `{"source":["x"]}`, State: "DISABLED"})
			require.NoError(t, err)
			_, err = s.PutTargets("orders", "big", []map[string]any{
				{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:111111111111:q", "InputPath": "$.detail"},
				{"Id": "t", "Arn": "arn:aws:sns:us-east-1:111111111111:t"},
			})
			require.NoError(t, err)
			_, err = s.RemoveTargets("orders", "big", []string{"t"})
			require.NoError(t, err)
			_, err = s.PutRule(PutRuleInput{Name: "r", EventBusName: "gone", EventPattern: `{"source":["x"]}`})
			require.NoError(t, err)
			require.NoError(t, s.DeleteEventBus("gone"))
			_, _, err = s.PutEvents([]Entry{{Source: "shop", DetailType: "Order", Detail: `{"size":12}`, HasDetail: true, EventBusName: "orders"}})
			require.NoError(t, err)
			_, err = s.CreateConnection("api", "", AuthAPIKey, &ConnectionAuthParameters{APIKeyAuthParameters: &struct {
				APIKeyName  string `json:"ApiKeyName"`
				APIKeyValue string `json:"ApiKeyValue,omitempty"`
			}{APIKeyName: "x-key", APIKeyValue: "secret"}})
			require.NoError(t, err)
			return nil
		}},
		{"a rate schedule keeps its phase", func(t *testing.T, s *Service, c *clock.Fake) func(*testing.T, *Service, *clock.Fake) {
			_, err := s.PutRule(PutRuleInput{Name: "tick", ScheduleExpression: "rate(5 minutes)"})
			require.NoError(t, err)
			fired := make(chan struct{}, 10)
			s.SetSink("sqs", SinkFunc(func(context.Context, Delivery) error { fired <- struct{}{}; return nil }))
			_, err = s.PutTargets("default", "tick", []map[string]any{{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:111111111111:q"}})
			require.NoError(t, err)
			c.Advance(3 * time.Minute)
			return func(t *testing.T, s *Service, c *clock.Fake) {
				s.SetSink("sqs", SinkFunc(func(context.Context, Delivery) error { fired <- struct{}{}; return nil }))
				c.Advance(2*time.Minute - time.Second)
				s.Flush()
				require.Empty(t, fired)
				c.Advance(time.Second)
				s.Flush()
				require.Len(t, fired, 1, "fired 5 minutes after the rule's creation, not after the restart")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storagetest.Open(t)
			c := clock.NewFake(persistEpoch)
			s := durableEvents(t, db, c)
			check := tc.build(t, s, c)
			before := eventsSnapshot(t, s)
			s.Close()
			c2 := clock.NewFake(c.Now())
			s2 := durableEvents(t, storagetest.Reopen(t, db), c2)
			require.Equal(t, before, eventsSnapshot(t, s2))
			if check != nil {
				check(t, s2, c2)
			}
		})
	}
}

// TestDurableRegions: with a store, every region's buses, rules, targets and events survive a
// restart in their region (the lookup requests use, In), apart from each other and from the
// default region's; a region's schedule is re-armed at New (its Service is made then) and
// keeps its phase.
func TestDurableRegions(t *testing.T) {
	t.Parallel()
	regions := []struct {
		region, bus string
		schedule    bool
	}{
		{"us-east-1", "home-bus", false},
		{"eu-west-1", "eu-bus", true},
		{"ap-south-1", "ap-bus", false},
	}
	db := storagetest.Open(t)
	c := clock.NewFake(persistEpoch)
	s := durableEvents(t, db, c)
	for _, r := range regions {
		in := s.In(r.region)
		_, err := in.CreateEventBus(r.bus, "the bus of "+r.region)
		require.NoError(t, err)
		_, err = in.PutRule(PutRuleInput{Name: "on-" + r.region, EventBusName: r.bus, EventPattern: `{"source":["app"]}`})
		require.NoError(t, err)
		_, _, err = in.PutEvents([]Entry{{Source: "app", DetailType: "t", Detail: `{}`, HasDetail: true, EventBusName: r.bus}})
		require.NoError(t, err)
		if r.schedule {
			_, err = in.PutRule(PutRuleInput{Name: "tick", ScheduleExpression: "rate(5 minutes)"})
			require.NoError(t, err)
			_, err = in.PutTargets("default", "tick", []map[string]any{{"Id": "q", "Arn": "arn:aws:sqs:" + r.region + ":111111111111:q"}})
			require.NoError(t, err)
		}
	}
	c.Advance(3 * time.Minute)
	before := map[string]string{}
	for _, r := range regions {
		before[r.region] = eventsSnapshot(t, s.In(r.region))
	}
	s.Close()

	c2 := clock.NewFake(c.Now())
	s2 := durableEvents(t, storagetest.Reopen(t, db), c2)
	var made []string
	s2.regions.Each(func(region string, _ *Service) { made = append(made, region) })
	require.Equal(t, []string{"ap-south-1", "eu-west-1"}, made, "the regions with state are made at New")
	for _, r := range regions {
		t.Run(r.region, func(t *testing.T) {
			in := s2.In(r.region)
			require.Equal(t, before[r.region], eventsSnapshot(t, in))
			for _, other := range regions {
				if other.region != r.region {
					_, _, err := in.DescribeEventBus(other.bus)
					require.Error(t, err, "%s's bus in %s", other.region, r.region)
				}
			}
			rules, err := in.Rules("default", "")
			require.NoError(t, err)
			require.Len(t, rules, map[bool]int{true: 1, false: 0}[r.schedule])
		})
	}

	fired := make(chan Delivery, 10)
	s2.SetSink("sqs", SinkFunc(func(_ context.Context, d Delivery) error { fired <- d; return nil }))
	eu := s2.In("eu-west-1")
	c2.Advance(2*time.Minute - time.Second)
	eu.Flush()
	require.Empty(t, fired)
	c2.Advance(time.Second)
	eu.Flush()
	require.Len(t, fired, 1, "fired 5 minutes after the rule's creation, not after the restart")
	d := <-fired
	require.Equal(t, "arn:aws:sqs:eu-west-1:111111111111:q", d.Arn)
	require.Equal(t, "arn:aws:events:eu-west-1:111111111111:rule/tick", d.RuleArn)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(d.Input, &ev))
	require.Equal(t, "eu-west-1", ev["region"])
}
