// Command sleeper sleeps for an hour: the process of the image function and Batch job that
// the crash test leaves running when it kills sfnlocal.
package main

import "time"

func main() { time.Sleep(time.Hour) }
