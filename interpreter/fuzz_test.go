package interpreter

import (
	"errors"
	"os"
	"path/filepath"
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
