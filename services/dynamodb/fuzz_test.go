package dynamodb

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var fuzzOps = []string{"CreateTable", "DescribeTable", "ListTables", "DeleteTable", "PutItem", "GetItem",
	"DeleteItem", "UpdateItem", "Query", "Scan", "BatchWriteItem", "BatchGetItem", "Bogus"}

// FuzzHandler sends arbitrary bodies to every operation against a table holding one item:
// answers must be 200 with JSON or a well-formed 4xx error, never a 5xx or a panic.
func FuzzHandler(f *testing.F) {
	f.Add(uint8(0), createRange)
	f.Add(uint8(4), `{"TableName":"tb2","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"m":{"M":{"l":{"L":[{"NS":["1","2"]}]}}}},"ConditionExpression":"attribute_not_exists(pk) OR size(m.l) > :n","ExpressionAttributeValues":{":n":{"N":"0"}}}`)
	f.Add(uint8(5), `{"TableName":"tb2","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ProjectionExpression":"m.l[0], #x","ExpressionAttributeNames":{"#x":"x"}}`)
	f.Add(uint8(7), `{"TableName":"tb2","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"UpdateExpression":"SET c = if_not_exists(c, :z) + :z, l = list_append(:l, :l) REMOVE m.l[0] ADD s :s DELETE t :s","ExpressionAttributeValues":{":z":{"N":"1e3"},":l":{"L":[]},":s":{"SS":["x"]}},"ReturnValues":"UPDATED_OLD"}`)
	f.Add(uint8(8), `{"TableName":"tb2","KeyConditionExpression":"pk = :p AND begins_with(sk, :p)","ExpressionAttributeValues":{":p":{"S":"a"}},"Limit":1,"ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"0"}}}`)
	f.Add(uint8(9), `{"TableName":"tb2","FilterExpression":"NOT (a IN (:a, :b)) AND b BETWEEN :a AND :b","ExpressionAttributeValues":{":a":{"B":"AA=="},":b":{"BS":["AA=="]}},"Select":"COUNT"}`)
	f.Add(uint8(2), `{"Limit":0}`)
	f.Add(uint8(10), `{"RequestItems":{"tb2":[{"PutRequest":{"Item":{"pk":{"S":"b"},"sk":{"N":"2"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}}]}}`)
	f.Add(uint8(11), `{"RequestItems":{"tb2":{"Keys":[{"pk":{"S":"a"},"sk":{"N":"1"}}],"ProjectionExpression":"#m","ExpressionAttributeNames":{"#m":"m"}}}}`)
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		s := New(Config{})
		if _, err := s.Do("CreateTable", decodeMap(t, createRange)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Do("PutItem", decodeMap(t, `{"TableName":"tb2","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"m":{"M":{"l":{"L":[{"S":"x"}]}}}}}`)); err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", targetPrefix+fuzzOps[int(op)%len(fuzzOps)])
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK:
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("invalid JSON response %q", rec.Body.String())
			}
		case rec.Code == http.StatusBadRequest:
			var e struct {
				Type string `json:"__type"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Type, "#") {
				t.Fatalf("malformed error %q", rec.Body.String())
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
	})
}

// FuzzExpressions parses arbitrary condition, update and projection expressions: each must
// parse or fail with a ValidationException, and parsed ones must evaluate without panicking.
func FuzzExpressions(f *testing.F) {
	for _, s := range []string{
		"attribute_exists(a) AND (b.c[1] < :v OR NOT contains(#n, :v))",
		"size(a) BETWEEN :v AND :v",
		"a IN (:v, :v, :v)",
		"SET a = a + :v, b = list_append(if_not_exists(b, :v), :v) REMOVE c[2] ADD d :v DELETE e :v",
		"a.b.c, #n[3]",
		"((((a = :v))))",
		"begins_with(a, :v) AND attribute_type(a, :v)",
	} {
		f.Add(s)
	}
	item := map[string]any{
		"a": map[string]any{"N": "3"},
		"b": map[string]any{"M": map[string]any{"c": map[string]any{"L": []any{map[string]any{"S": "x"}, map[string]any{"N": "2"}}}}},
		"d": map[string]any{"SS": []any{"x"}},
		"e": map[string]any{"L": []any{}},
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, v := range []map[string]any{{"N": "1"}, {"S": "N"}, {"L": []any{}}, {"SS": []any{"x"}}} {
			names := map[string]any{"#n": "a"}
			values := map[string]any{":v": v}
			if c, err := parseCondition("ConditionExpression", src, newEnv(names, values)); err == nil {
				_, _ = evalCond(item, c)
				_, _ = evalCond(nil, c)
			} else if err.Code != "ValidationException" {
				t.Fatalf("unexpected error %v", err)
			}
			if u, err := parseUpdate(src, newEnv(names, values)); err == nil {
				_, _ = applyUpdate(item, u)
			} else if err.Code != "ValidationException" {
				t.Fatalf("unexpected error %v", err)
			}
			if p, err := parseProjection(src, newEnv(names, values)); err == nil {
				_ = project(item, p)
			}
		}
	})
}
