package dynamodb

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConditionSemantics checks every comparator and function against DynamoDB's documented
// truth for present, missing and mistyped attributes ("Comparison operator and function
// reference", Amazon DynamoDB Developer Guide, Expressions.OperatorsAndFunctions; "Condition
// expressions", Expressions.ConditionExpressions). The rules the table pins:
//   - a comparison (=, <, <=, >, >=, BETWEEN, IN) with a missing operand or operands of
//     different types is false;
//   - a <> b is true when a is missing or of another type (DynamoDB's "not equal" holds for
//     anything that is not equal; AWS's concurrency-control sample relies on it);
//   - attribute_exists/attribute_not_exists test presence only; attribute_type is false for a
//     missing attribute;
//   - begins_with works on S (and B), contains on S, sets (element of the set's type) and L;
//     both are false for a missing attribute or another type;
//   - size is defined for S, B, sets, L and M; on a missing attribute or a number the
//     comparison it is part of is false.
func TestConditionSemantics(t *testing.T) {
	t.Parallel()
	item := map[string]any{
		"s":   map[string]any{"S": "hello"},
		"n":   map[string]any{"N": "10"},
		"b":   map[string]any{"B": "AQID"}, // 01 02 03
		"ss":  map[string]any{"SS": []any{"x", "y"}},
		"ns":  map[string]any{"NS": []any{"1", "2"}},
		"l":   map[string]any{"L": []any{map[string]any{"S": "x"}, map[string]any{"N": "1"}}},
		"m":   map[string]any{"M": map[string]any{"k": map[string]any{"S": "v"}}},
		"t":   map[string]any{"BOOL": true},
		"nul": map[string]any{"NULL": true},
	}
	values := map[string]any{
		":hello": map[string]any{"S": "hello"}, ":he": map[string]any{"S": "he"}, ":x": map[string]any{"S": "x"},
		":ten": map[string]any{"N": "10"}, ":five": map[string]any{"N": "5"}, ":twenty": map[string]any{"N": "20"},
		":one": map[string]any{"N": "1"}, ":two": map[string]any{"N": "2"}, ":tenS": map[string]any{"S": "10"},
		":b01": map[string]any{"B": "AQ=="}, ":true": map[string]any{"BOOL": true},
		":S": map[string]any{"S": "S"}, ":N": map[string]any{"S": "N"}, ":SS": map[string]any{"S": "SS"},
		":M": map[string]any{"S": "M"}, ":NULL": map[string]any{"S": "NULL"},
	}
	cases := []struct {
		expr string
		want bool
	}{
		// =
		{"s = :hello", true},
		{"n = :ten", true},
		{"n = :tenS", false},     // different types
		{"nope = :hello", false}, // missing
		{"t = :true", true},
		// <>
		{"s <> :hello", false},
		{"s <> :x", true},
		{"nope <> :hello", true}, // missing: not equal
		{"n <> :tenS", true},     // different types: not equal
		{"NOT nope = :hello", true},
		// < <= > >=
		{"n < :twenty", true},
		{"n <= :ten", true},
		{"n > :five", true},
		{"n >= :twenty", false},
		{"s > :he", true},
		{"n < :tenS", false}, // different types
		{"nope < :ten", false},
		{"nope >= :ten", false},
		{"t > :true", false}, // BOOL is not ordered
		// BETWEEN
		{"n BETWEEN :five AND :twenty", true},
		{"n BETWEEN :ten AND :ten", true},
		{"nope BETWEEN :five AND :twenty", false},
		{"s BETWEEN :five AND :twenty", false},
		// IN
		{"n IN (:five, :ten)", true},
		{"n IN (:five, :twenty)", false},
		{"nope IN (:five, :ten)", false},
		{"n IN (:tenS)", false},
		// attribute_exists / attribute_not_exists
		{"attribute_exists(s)", true},
		{"attribute_exists(nul)", true}, // a NULL value is present
		{"attribute_exists(nope)", false},
		{"attribute_not_exists(nope)", true},
		{"attribute_not_exists(s)", false},
		{"attribute_exists(m.k)", true},
		{"attribute_exists(m.z)", false},
		// attribute_type
		{"attribute_type(s, :S)", true},
		{"attribute_type(n, :N)", true},
		{"attribute_type(n, :S)", false},
		{"attribute_type(ss, :SS)", true},
		{"attribute_type(m, :M)", true},
		{"attribute_type(nul, :NULL)", true},
		{"attribute_type(nope, :S)", false},
		// begins_with
		{"begins_with(s, :he)", true},
		{"begins_with(s, :x)", false},
		{"begins_with(b, :b01)", true},
		{"begins_with(n, :one)", false},
		{"begins_with(nope, :he)", false},
		// contains
		{"contains(s, :he)", true},
		{"contains(ss, :x)", true},
		{"contains(ns, :two)", true},
		{"contains(ss, :one)", false}, // element of another type
		{"contains(l, :x)", true},
		{"contains(l, :one)", true},
		{"contains(l, :two)", false},
		{"contains(n, :one)", false},
		{"contains(nope, :x)", false},
		// size
		{"size(s) = :five", true},
		{"size(b) < :five", true},
		{"size(ss) = :two", true},
		{"size(l) = :two", true},
		{"size(m) = :one", true},
		{"size(nope) = :five", false},
		{"size(n) = :two", false}, // numbers have no size
		{"size(s) BETWEEN :one AND :ten", true},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			c, err := parseCondition("ConditionExpression", tc.expr, newEnv(nil, values))
			require.Nil(t, err)
			got, err := evalCond(item, c)
			require.Nil(t, err)
			require.Equal(t, tc.want, got)
			// On an item that does not exist every attribute is missing.
			got, err = evalCond(nil, c)
			require.Nil(t, err)
			_ = got
		})
	}
}
