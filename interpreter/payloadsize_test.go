package interpreter

import (
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestPayloadSizeCountsUTF8Bytes: the 256 KiB limit counts the bytes of the JSON text (UTF-8,
// escapes included), not characters (issue 17).
func TestPayloadSizeCountsUTF8Bytes(t *testing.T) {
	t.Parallel()
	for _, v := range []any{
		"plain", "é€😀", `quote " and \ backslash`, "\n\t\x01\x1f", "\u2028\u2029", "bad \xff byte",
		map[string]any{"ké€y": []any{"v", nil, true, map[string]any{"\"": "x"}}},
		value.ObjectOf("ké€y", []any{"v", nil, true, value.ObjectOf("\"", "x", "b", value.NewObject(0))}),
		[]any{strings.Repeat("€", 1000), strings.Repeat("\x00", 10)},
	} {
		b, err := task.Encode(v)
		require.NoError(t, err)
		require.Equal(t, len(b), payloadSize(v, 1<<30), "%q", b)
	}
	// 100,000 three-byte characters: 100,000 characters, 300,002 bytes: over the limit
	require.Greater(t, payloadSize(strings.Repeat("€", 100_000), maxPayloadBytes), maxPayloadBytes)
}
