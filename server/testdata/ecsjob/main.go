// Command ecsjob is the container the ECS end-to-end tests run: it prints its arguments one a
// line, then $GREETING when set, and exits with the code of an "exit=N" argument; "sleep=D"
// sleeps for the duration D first.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	code := 0
	for _, a := range os.Args[1:] {
		switch {
		case strings.HasPrefix(a, "exit="):
			code, _ = strconv.Atoi(strings.TrimPrefix(a, "exit="))
		case strings.HasPrefix(a, "sleep="):
			d, _ := time.ParseDuration(strings.TrimPrefix(a, "sleep="))
			time.Sleep(d)
		default:
			fmt.Println(a)
		}
	}
	if g := os.Getenv("GREETING"); g != "" {
		fmt.Println(g)
	}
	os.Exit(code)
}
