package interpreter

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// passChain returns a definition of n chained Pass states.
func passChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","End":true}`, i)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Next":"S%d"}`, i, i+1)
		}
	}
	b.WriteString(`}}`)
	return b.String()
}

func benchEngine() *Engine {
	return NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(clock.Real()) }, MaxHistoryEvents: 1 << 30})
}

func runToEnd(b *testing.B, e *Engine, sm *StateMachine, input string) *Execution {
	x, err := e.Start(sm, StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:bench:x", Input: input})
	if err != nil {
		b.Fatal(err)
	}
	<-x.Done()
	if x.Status() != StatusSucceeded {
		c, _ := x.Cause()
		b.Fatalf("status %s: %s", x.Status(), c)
	}
	return x
}

// BenchmarkPassTransitions measures Pass state transitions with the full history recorded
// (two events per transition, kept as structs and never encoded).
func BenchmarkPassTransitions(b *testing.B) {
	const states = 1000
	sm, err := Parse(passChain(states))
	if err != nil {
		b.Fatal(err)
	}
	e := benchEngine()
	defer e.Close()
	b.ReportAllocs()
	b.ResetTimer()
	transitions := 0
	for transitions < b.N {
		runToEnd(b, e, sm, `{"a":1,"b":[1,2,3]}`)
		transitions += states
	}
	b.ReportMetric(float64(transitions)/b.Elapsed().Seconds(), "transitions/s")
}

// BenchmarkInlineMap10k runs an inline Map over 10,000 items with a Pass state inside.
func BenchmarkInlineMap10k(b *testing.B) {
	sm, err := Parse(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`)
	if err != nil {
		b.Fatal(err)
	}
	var in strings.Builder
	in.WriteString(`{"items":[`)
	for i := 0; i < 10000; i++ {
		if i > 0 {
			in.WriteByte(',')
		}
		fmt.Fprintf(&in, `{"id":%d}`, i)
	}
	in.WriteString(`]}`)
	input := in.String()
	e := benchEngine()
	defer e.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runToEnd(b, e, sm, input)
	}
}

// BenchmarkParametersIntrinsics runs a Pass state whose Parameters use paths, the Context
// object and several intrinsic functions.
func BenchmarkParametersIntrinsics(b *testing.B) {
	sm, err := Parse(`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
		"greeting.$":"States.Format('Hello {} from {}', $.name, $.city)",
		"total.$":"States.MathAdd($.a, $.b)",
		"len.$":"States.ArrayLength($.list)",
		"has.$":"States.ArrayContains($.list, 3)",
		"json.$":"States.JsonToString($.nested)",
		"exec.$":"$$.Execution.Id",
		"static":{"x":1,"y":[true,null]},
		"first.$":"$.list[0]"},"End":true}}}`)
	if err != nil {
		b.Fatal(err)
	}
	e := benchEngine()
	defer e.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runToEnd(b, e, sm, `{"name":"Ada","city":"London","a":40,"b":2,"list":[1,2,3,4],"nested":{"k":"v","n":[1,2]}}`)
	}
}

// BenchmarkHistoryMarshal measures encoding one recorded Pass event, the cost avoided at
// transition time by lazy serialization.
func BenchmarkHistoryMarshal(b *testing.B) {
	sm, err := Parse(passChain(10))
	if err != nil {
		b.Fatal(err)
	}
	e := benchEngine()
	defer e.Close()
	x := runToEnd(b, e, sm, `{"a":1,"b":[1,2,3],"c":{"d":"e"}}`)
	evs := x.History()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := evs[2].MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInstantHourWait runs an execution whose one state waits an hour, in instant time
// (target: under 100 µs).
func BenchmarkInstantHourWait(b *testing.B) {
	sm, err := Parse(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	if err != nil {
		b.Fatal(err)
	}
	e := benchEngine()
	defer e.Close()
	b.ReportAllocs()
	for b.Loop() {
		runToEnd(b, e, sm, `{}`)
	}
}

// BenchmarkInstantMapRandomWaits runs an inline Map over 10,000 items, each waiting a
// seeded-random 1..3600 s, in instant time (target: under 200 ms). Iterations run 40 at a
// time (AWS's inline limit), so the waits also queue in virtual time.
func BenchmarkInstantMapRandomWaits(b *testing.B) {
	sm, err := Parse(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}},"End":true}}}`)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var in strings.Builder
	in.WriteString(`{"items":[`)
	for i := 0; i < 10000; i++ {
		if i > 0 {
			in.WriteByte(',')
		}
		fmt.Fprintf(&in, `{"s":%d}`, 1+rng.IntN(3600))
	}
	in.WriteString(`]}`)
	input := in.String()
	e := benchEngine()
	defer e.Close()
	b.ReportAllocs()
	for b.Loop() {
		runToEnd(b, e, sm, input)
	}
}
