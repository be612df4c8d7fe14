package interpreter

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// FuzzParse feeds arbitrary definitions to Parse and Validate: neither may panic, Parse and
// Validate must agree, every diagnostic must be complete, and a definition that parses must run
// (on an instant clock) without the execution crashing. Seeds: testdata/fuzz/FuzzParse and the
// validate golden inputs.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "validate", "*.json"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(string(data), `{}`)
		}
	}
	f.Add(passChain(3), `{"a":1}`)
	f.Add(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.i","ItemSelector":{"x.$":"$$.Map.Item.Value"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, `{"i":[1,2]}`)
	f.Add(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","StringMatches":"x*"},"Next":"S"}],"Default":"F"},"S":{"Type":"Succeed"},"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('{}', $.a)"}}}`, `{"a":"y","e":"E"}`)
	f.Add(`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"a":"{% $states.input.x %}"},"Output":{"o":["{% $a %}","{% $states.context.State.Name %}"]},"End":true}}}`, `{"x":1}`)
	f.Add(`{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input %}","MaxConcurrency":"{% 2 %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, `[1,2,3]`)
	// issue 17: pathological nesting and size in every parser a definition reaches
	f.Add(jsonataPass(strings.Repeat("-", 20000)+"1"), `{}`)
	f.Add(jsonataPass(strings.Repeat("(", 20000)+"1"+strings.Repeat(")", 20000)), `{}`)
	f.Add(jsonPathPass(strings.Repeat("States.Array(", 2000)+"1"+strings.Repeat(")", 2000)), `{}`)
	f.Add(jsonPathPass("$.a[?("+strings.Repeat("(", 100)+"@.b"+strings.Repeat(")", 100)+")]"), `{}`)
	f.Add(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[`+strings.Repeat(`{"Not":`, 1200)+`{"Variable":"$.a","IsPresent":true}`+strings.Repeat("}", 1199)+`,"Next":"S"}],"Default":"S"},"S":{"Type":"Succeed"}}}`, `{}`)
	f.Add(`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":`+strings.Repeat(`{"a":`, 600)+`1`+strings.Repeat("}", 600)+`,"End":true}}}`, `{}`)
	f.Add(`{"StartAt":"P","Comment":"\ud800","States":{"P":{"Type":"Succeed"}}}`, `{}`)
	f.Add("{\"StartAt\":\"P\",\"Comment\":\"\xff\",\"States\":{\"P\":{\"Type\":\"Succeed\"}}}", `{}`)
	f.Add(passChain(1), strings.Repeat("[", 9000)+strings.Repeat("]", 9000))
	f.Add(passChain(1), `{"a":"\ud800"}`)
	e := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(clock.Real()) }})
	defer e.Close()
	f.Fuzz(func(t *testing.T, def, input string) {
		sm, err := Parse(def)
		diags := Validate(def)
		hasErr := false
		for _, d := range diags {
			if d.Severity == "" || d.Code == "" || d.Message == "" {
				t.Fatalf("incomplete diagnostic %+v", d)
			}
			if d.Severity == SeverityError {
				hasErr = true
			}
		}
		var de *DefinitionError
		switch {
		case err != nil && !errors.As(err, &de):
			t.Fatalf("Parse error is not a *DefinitionError: %v", err)
		case (err != nil) != hasErr:
			t.Fatalf("Parse (%v) and Validate (%v) disagree", err, diags)
		case err == nil && sm == nil:
			t.Fatal("nil state machine without error")
		}
		if sm == nil || sm.stateCount > 50 {
			return
		}
		x, err := e.Start(sm, StartParams{Input: input})
		if err != nil {
			return // invalid input JSON is rejected up front
		}
		<-x.Done()
		if x.Status() == StatusRunning {
			t.Fatal("finished execution still RUNNING")
		}
		if errName, _ := x.Error(); errName == errRuntime {
			if c, _ := x.Cause(); len(c) > 16 && c[:16] == "internal error: " {
				t.Fatalf("execution panicked: %s", c)
			}
		}
		for _, ev := range x.History() {
			if _, err := ev.MarshalJSON(); err != nil {
				t.Fatalf("event %d does not encode: %v", ev.ID, err)
			}
		}
	})
}

// FuzzJSONataBoundary puts arbitrary expressions in the JSONata fields of a small machine
// (Pass Output and Assign, Choice Condition, Map Items and ItemSelector, Wait Seconds, Fail
// Error) and runs it. Parse may reject the definition, but must not panic; a run must end
// SUCCEEDED or FAILED with one of the expected errors, never with an internal error, and
// every event must encode.
func FuzzJSONataBoundary(f *testing.F) {
	seeds := []struct{ expr, input string }{
		{"$states.input.a", `{"a":1}`},
		{"$sum($states.input.xs)", `{"xs":[1,2.5]}`},
		{"[1, 'two', true]", `{}`},
		{"$partition($states.input, 2)", `[1,2,3]`},
		{"function($x){$x}", `{}`},
		{"$states.context.Execution.Name & '-' & $uuid()", `{}`},
		{"($x := 1; $x / 0)", `{}`},
		{"$nope", `{}`},
		{"$states.input ~> $map(function($v){$v * 2})", `[1,2]`},
		{"{'a': $states.input}", `"s"`},
		{"1e400", `{}`},
		{"$parse('[')", `{}`},
	}
	for _, s := range seeds {
		f.Add(s.expr, s.input)
	}
	e := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(clock.Real()) }})
	defer e.Close()
	allowed := map[string]bool{errQueryEvaluation: true, errDataLimit: true, errRuntime: true, "E": true}
	f.Fuzz(func(t *testing.T, expr, input string) {
		x, err := json.Marshal("{% " + expr + " %}")
		if err != nil {
			return
		}
		q := string(x)
		def := `{"QueryLanguage":"JSONata","StartAt":"P","States":{
			"P":{"Type":"Pass","Assign":{"v":` + q + `},"Output":` + q + `,"Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Condition":` + q + `,"Next":"M"}],"Default":"M"},
			"M":{"Type":"Map","Items":"{% $type($v) = 'array' ? $v[[0..2]] : [$v] %}","ItemSelector":{"i":` + q + `},
				"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% 0 %}","End":true}}},"Next":"F"},
			"F":{"Type":"Fail","Error":"E","Cause":"{% $string($states.input) %}"}}}`
		sm, err := Parse(def)
		if err != nil {
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("Parse error is not a *DefinitionError: %v", err)
			}
			return
		}
		xe, err := e.Start(sm, StartParams{Input: input})
		if err != nil {
			return
		}
		<-xe.Done()
		if xe.Status() != StatusFailed && xe.Status() != StatusSucceeded {
			t.Fatalf("status %s", xe.Status())
		}
		if name, _ := xe.Error(); xe.Status() == StatusFailed && !allowed[name] {
			c, _ := xe.Cause()
			t.Fatalf("unexpected error %q: %s", name, c)
		}
		if c, _ := xe.Cause(); strings.Contains(c, "internal error") {
			t.Fatalf("internal error: %s", c)
		}
		for _, ev := range xe.History() {
			if _, err := ev.MarshalJSON(); err != nil {
				t.Fatalf("event %d does not encode: %v", ev.ID, err)
			}
		}
	})
}
