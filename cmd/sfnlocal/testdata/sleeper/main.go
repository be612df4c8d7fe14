// Command sleeper sleeps for the duration given as its argument (an hour by default): the
// process of the image function and Batch jobs the crash, fault and load tests run.
package main

import (
	"os"
	"time"
)

func main() {
	d := time.Hour
	if len(os.Args) > 1 {
		if v, err := time.ParseDuration(os.Args[1]); err == nil {
			d = v
		}
	}
	time.Sleep(d)
}
