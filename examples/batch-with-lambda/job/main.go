// Command job is the Batch job of the batch-with-lambda example: it prints what it was given
// (its arguments, which Batch filled from the job's Parameters, and the AWS_BATCH_* variables)
// and exits with the code it was asked for. It is built as a static binary into a FROM scratch
// image, since no registry is reachable.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	message := flag.String("message", "", "message to print")
	exitCode := flag.Int("exit-code", 0, "exit status")
	flag.Parse()
	fmt.Printf("job %s (attempt %s) on queue %s: %s\n",
		os.Getenv("AWS_BATCH_JOB_ID"), os.Getenv("AWS_BATCH_JOB_ATTEMPT"), os.Getenv("AWS_BATCH_JQ_NAME"), *message)
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_BATCH_") || strings.HasPrefix(kv, "MANAGED_BY_AWS") {
			env = append(env, kv)
		}
	}
	sort.Strings(env)
	for _, kv := range env {
		fmt.Println(kv)
	}
	if *exitCode != 0 {
		fmt.Fprintf(os.Stderr, "failing on purpose with exit code %d\n", *exitCode)
	}
	os.Exit(*exitCode)
}
