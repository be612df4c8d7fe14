package lambda

import (
	"context"
	"os"
	"strconv"
	"testing"

	"go.uber.org/zap"
)

func benchService(b *testing.B) *Service {
	b.Helper()
	return newTestService(b, Config{Logger: zap.NewNop()})
}

func benchInvoke(b *testing.B, s *Service, fn string) {
	b.Helper()
	req := invokeReq(map[string]any{"FunctionName": fn, "Payload": map[string]any{"order": "42", "items": []any{"a", "b"}}})
	h := s.Integration()
	ctx := context.Background()
	if _, err := h.Invoke(ctx, req); err != nil { // warm up
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := h.Invoke(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWarmInvokeGoFunction is the overhead a lambda:invoke Task adds around an
// in-process function: parameters, invoke, output wrapper.
func BenchmarkWarmInvokeGoFunction(b *testing.B) {
	s := benchService(b)
	s.RegisterGoFunction("echo", echoFn)
	benchInvoke(b, s, "echo")
}

// BenchmarkWarmInvokePython is a lambda:invoke of a warm python3.12 function (one process,
// Runtime API round trip over loopback HTTP).
func BenchmarkWarmInvokePython(b *testing.B) {
	s := benchService(b)
	createFn(b, s, pyFn("echo", "def handler(event, context):\n    return event\n"))
	benchInvoke(b, s, "echo")
}

// BenchmarkWarmInvokeProvidedGo is a warm provided.al2023 function built with aws-lambda-go.
func BenchmarkWarmInvokeProvidedGo(b *testing.B) {
	bin, err := os.ReadFile(goBootstrap(b))
	if err != nil {
		b.Fatal(err)
	}
	s := benchService(b)
	createFn(b, s, fnSpec{name: "go", runtime: "provided.al2023", handler: "bootstrap", files: map[string][]byte{"bootstrap": bin}, exec: []string{"bootstrap"}})
	benchInvoke(b, s, "go")
}

// BenchmarkColdStartPython starts a new python3.12 environment for every invoke (each
// configuration update retires the warm ones).
func BenchmarkColdStartPython(b *testing.B) {
	s := benchService(b)
	createFn(b, s, pyFn("echo", "def handler(event, context):\n    return event\n"))
	ctx := context.Background()
	in := &InvokeInput{FunctionName: "echo", Payload: []byte(`{}`)}
	if _, err := s.Invoke(ctx, in); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		d := strconv.Itoa(i)
		if _, err := s.updateConfiguration("", "echo", &UpdateFunctionConfigurationInput{Description: &d}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		out, err := s.Invoke(ctx, in)
		if err != nil || out.FunctionError != "" {
			b.Fatal(err, string(out.Payload))
		}
	}
}
