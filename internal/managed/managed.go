// Package managed names the labels sfnlocal puts on every container it starts (Batch jobs and
// image Lambda functions alike), so that one reaper at start-up finds the leftovers of a
// crashed run whichever service started them.
package managed

import (
	"os"
	"strconv"
	"sync"
)

// Container labels.
const (
	// LabelManaged is "true" on every container sfnlocal starts.
	LabelManaged = "sfnlocal.managed"
	// LabelPID is the pid of the sfnlocal process that started the container.
	LabelPID = "sfnlocal.pid"
	// LabelHost is the host name of the machine that process runs on.
	LabelHost = "sfnlocal.host"
)

var host = sync.OnceValue(func() string { h, _ := os.Hostname(); return h })

// Labels returns the labels of a container this process starts, plus extra.
func Labels(extra map[string]string) map[string]string {
	l := map[string]string{LabelManaged: "true", LabelPID: strconv.Itoa(os.Getpid()), LabelHost: host()}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// Host is the host name LabelHost carries for this process.
func Host() string { return host() }
