package jsonata

import "testing"

// BenchmarkTypical evaluates a typical small Arguments/Output expression on a
// small object, as a Task state would.
func BenchmarkTypical(b *testing.B) {
	e := MustCompile(`{"total": $sum(items.price), "names": items.name}`)
	input := map[string]any{"items": []any{
		map[string]any{"name": "a", "price": 1.5},
		map[string]any{"name": "b", "price": 2.0},
		map[string]any{"name": "c", "price": 3.25},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(input, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatesInput is the common AWS shape: a field pick and a string
// build from $states.input.
func BenchmarkStatesInput(b *testing.B) {
	e := MustCompile(`{"id": $states.input.order.id, "msg": "Hello " & $states.input.user.name, "n": $count($states.input.order.lines)}`)
	vars := map[string]any{"states": map[string]any{"input": map[string]any{
		"order": map[string]any{"id": "o-1", "lines": []any{1.0, 2.0, 3.0}},
		"user":  map[string]any{"name": "Ada"},
	}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(nil, vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(`{"total": $sum(items.price), "names": items.name}`); err != nil {
			b.Fatal(err)
		}
	}
}

// largeInput is a ~200 KB state input.
func largeInput() map[string]any {
	items := make([]any, 2000)
	for i := range items {
		items[i] = map[string]any{"id": float64(i), "name": "item", "tags": []any{"a", "b", "c"}, "price": 1.25, "meta": map[string]any{"x": true, "y": nil}}
	}
	return map[string]any{"order": map[string]any{"id": "o-1"}, "items": items}
}

// BenchmarkLargeInputField picks one field out of a large input given as a
// plain Go map (converted on every evaluation).
func BenchmarkLargeInputField(b *testing.B) {
	e := MustCompile(`$states.input.order.id`)
	vars := map[string]any{"states": map[string]any{"input": largeInput()}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(nil, vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLargeInputFieldPrepared is the same with the input prepared once.
func BenchmarkLargeInputFieldPrepared(b *testing.B) {
	e := MustCompile(`$states.input.order.id`)
	vars := map[string]any{"states": Prepare(map[string]any{"input": largeInput()})}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(nil, vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAWSFunctions calls an AWS function with the full AWS set bound, the
// interpreter's case: through Env.Functions every evaluation parses the seven
// signatures; through a Library they were parsed once.
func BenchmarkAWSFunctions(b *testing.B) {
	e := MustCompile(`$partition($states.input.xs, 2)`)
	vars := map[string]any{"states": map[string]any{"input": map[string]any{"xs": []any{1.0, 2.0, 3.0}}}}
	lib, err := NewLibrary(AWSFunctions())
	if err != nil {
		b.Fatal(err)
	}
	fns := AWSFunctions()
	for _, bc := range []struct {
		name string
		env  Env
	}{
		{"Functions", Env{Vars: vars, Functions: fns}},
		{"Library", Env{Vars: vars, Library: lib}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.EvalEnv(nil, &bc.env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
