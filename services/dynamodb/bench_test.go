package dynamodb

import (
	"context"
	"fmt"
	"testing"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func benchService(b *testing.B) *Service {
	s := New(Config{})
	in, err := task.DecodePlain([]byte(createSimple))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Do("CreateTable", in.(map[string]any)); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPutGet measures a PutItem plus a GetItem through the Go API over 1000 keys.
func BenchmarkPutGet(b *testing.B) {
	s := benchService(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("k%d", i%1000)
		i++
		if _, err := s.Do("PutItem", map[string]any{"TableName": "tb1", "Item": map[string]any{
			"id": map[string]any{"S": id}, "n": map[string]any{"N": "42"}, "s": map[string]any{"S": "payload"},
		}}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Do("GetItem", map[string]any{"TableName": "tb1", "Key": map[string]any{"id": map[string]any{"S": id}}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHTTPPutGet measures the same pair through Serve (JSON decode and encode), as the
// HTTP handler runs it.
func BenchmarkHTTPPutGet(b *testing.B) {
	s := benchService(b)
	put := []byte(`{"TableName":"tb1","Item":{"id":{"S":"k"},"n":{"N":"42"},"s":{"S":"payload"}},"ConditionExpression":"attribute_not_exists(id) OR n = :n","ExpressionAttributeValues":{":n":{"N":"42"}}}`)
	get := []byte(`{"TableName":"tb1","Key":{"id":{"S":"k"}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Serve("PutItem", put); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Serve("GetItem", get); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIntegrationGetItem measures an optimized getItem Task call, metadata included.
func BenchmarkIntegrationGetItem(b *testing.B) {
	s := benchService(b)
	if _, err := s.Do("PutItem", map[string]any{"TableName": "tb1", "Item": map[string]any{"id": map[string]any{"S": "k"}}}); err != nil {
		b.Fatal(err)
	}
	h := s.Integration()
	req := &task.Request{Service: "dynamodb", Action: "getItem", Parameters: map[string]any{"TableName": "tb1", "Key": map[string]any{"id": map[string]any{"S": "k"}}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
