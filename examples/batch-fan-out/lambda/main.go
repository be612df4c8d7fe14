// Command lambda is the "Generate batch job input" function of AWS's "Fan out batch jobs"
// sample: it returns the array the Map state fans out over, one Batch job per item. The
// event's "count" (default 3) sets its length.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func handler(_ context.Context, event map[string]any) ([]int, error) {
	n := 3
	if c, ok := event["count"].(float64); ok && c >= 0 && c <= 100 {
		n = int(c)
	}
	items := make([]int, n)
	for i := range items {
		items[i] = i + 1
	}
	return items, nil
}

func main() { lambda.Start(handler) }
