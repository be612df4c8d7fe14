package dynamodb_test

import (
	"fmt"

	"github.com/sfnlocal/sfnlocal/services/dynamodb"
)

// A table is created and used through the Go API with the same JSON shapes as the wire.
func ExampleService_Do() {
	s := dynamodb.New(dynamodb.Config{})
	_, _ = s.Do("CreateTable", map[string]any{
		"TableName":            "counters",
		"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
		"BillingMode":          "PAY_PER_REQUEST",
	})
	out, err := s.Do("UpdateItem", map[string]any{
		"TableName":                 "counters",
		"Key":                       map[string]any{"id": map[string]any{"S": "visits"}},
		"UpdateExpression":          "SET n = if_not_exists(n, :zero) + :one",
		"ExpressionAttributeValues": map[string]any{":zero": map[string]any{"N": "0"}, ":one": map[string]any{"N": "1"}},
		"ReturnValues":              "UPDATED_NEW",
	})
	fmt.Println(out, err)
	// Output: map[Attributes:map[n:map[N:1]]] <nil>
}
