// Command task is the container of the ecs-container-task example: it prints its message and
// the ECS variables it was given, and exits with the code it was asked for. It is built as a
// static binary into a FROM scratch image, since no registry is reachable.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	message := flag.String("message", "hello from an ECS task", "message to print")
	exitCode := flag.Int("exit-code", 0, "exit status")
	flag.Parse()
	fmt.Println(*message)
	fmt.Println("AWS_EXECUTION_ENV=" + os.Getenv("AWS_EXECUTION_ENV"))
	if *exitCode != 0 {
		fmt.Fprintf(os.Stderr, "failing on purpose with exit code %d\n", *exitCode)
	}
	os.Exit(*exitCode)
}
