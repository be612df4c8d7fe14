package value

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestJavaHashOrder: java.util.HashMap's iteration order, as AWS's recorded Java maps show it.
func TestJavaHashOrder(t *testing.T) {
	t.Parallel()
	// lambda:invoke's recorded AllHttpHeaders order (conformance services-lambda), from its
	// headers in response order.
	inserted := []string{"X-Amz-Executed-Version", "x-amzn-Remapped-Content-Length", "Connection", "x-amzn-RequestId", "Content-Length", "Date", "X-Amzn-Trace-Id", "Content-Type"}
	require.Equal(t, inserted, JavaHashOrder(inserted))
	// Recorded SdkHttpMetadata.AllHttpHeaders of the sqs, sns, dynamodb and states integrations.
	require.Equal(t, []string{"x-amzn-RequestId", "connection", "Content-Length", "Date", "Content-Type"},
		JavaHashOrder([]string{"Content-Length", "Content-Type", "Date", "connection", "x-amzn-RequestId"}))
	// Recorded JSONPath payload templates' dynamic fields (see interpreter/payload).
	require.Equal(t, []string{"Input", "StateMachineArn", "Name"}, JavaHashOrder([]string{"StateMachineArn", "Input", "Name"}))
	require.Equal(t, []string{"Values", "Iterations"}, JavaHashOrder([]string{"Iterations", "Values"}))
	// More than 12 keys: the table doubles to 32 buckets, as HashMap's does.
	// ("q" shares bucket 1 with "a" among 16 buckets, and has bucket 17 of 32.)
	require.Equal(t, []string{"q", "a", "b"}, JavaHashOrder([]string{"q", "a", "b"}))
	many := []string{"q", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	require.Equal(t, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "q"}, JavaHashOrder(many))
}
