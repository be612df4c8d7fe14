//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSoakBoundedMemory runs 100,000 executions of a 10-state Pass chain from concurrent
// clients against the built binary and checks that the server's peak RSS stays under 300 MB,
// and that once the oldest finished executions are evicted (--max-executions, half of them
// here) memory stops growing: the second half leaves the RSS where the first did. Under the
// race detector (which slows the clients, not the server) it runs a fifth as many.
func TestSoakBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	n := 100000
	if raceEnabled {
		n /= 5
	}
	if v := os.Getenv("SFNLOCAL_SOAK_EXECUTIONS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	const clients = 8
	const limitMB = 300
	p := startProc(t, nil, "--time", "instant", "--max-executions", strconv.Itoa(n/2))
	startRSS := rss(t, p.cmd.Process.Pid, "VmRSS")

	def, _ := json.Marshal(chainDefinition(10))
	var sm struct{ StateMachineArn string }
	p.sfn(t, "CreateStateMachine", `{"name":"soak","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`, &sm)

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	post := func(op, body string) ([]byte, error) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: %d %s", op, resp.StatusCode, raw)
		}
		return raw, err
	}
	round := func(tag string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		last := make([]string, clients)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := `{"stateMachineArn":"` + sm.StateMachineArn + `","input":"{\"order\":12345,\"items\":[1,2,3]}"}`
				for range n / 2 / clients {
					raw, err := post("StartExecution", body)
					if err != nil {
						errs <- err
						return
					}
					last[c] = string(raw)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, tag)
		}
		// Each client's last execution has ended (they take microseconds; this is a bounded
		// wait for the stragglers, not a timing).
		for _, raw := range last {
			var st struct{ ExecutionArn string }
			require.NoError(t, json.Unmarshal([]byte(raw), &st))
			for i := 0; ; i++ {
				out, err := post("DescribeExecution", `{"executionArn":"`+st.ExecutionArn+`","includedData":"METADATA_ONLY"}`)
				require.NoError(t, err)
				if !strings.Contains(string(out), `"RUNNING"`) {
					break
				}
				require.Less(t, i, 100000, "execution %s never ended", st.ExecutionArn)
			}
		}
	}
	round("first half")
	full := rss(t, p.cmd.Process.Pid, "VmRSS")
	round("second half, evicting")
	after := rss(t, p.cmd.Process.Pid, "VmRSS")
	peak := rss(t, p.cmd.Process.Pid, "VmHWM")
	t.Logf("RSS: %d MB at start, %d MB with %d finished executions kept, %d MB after %d more (evicting as many), peak %d MB",
		startRSS>>10, full>>10, n/2, after>>10, n/2, peak>>10)
	require.Less(t, peak>>10, int64(limitMB), "peak RSS")
	// Evicting keeps memory where it was once the limit was reached.
	require.Less(t, after, full+full/4, "RSS grew after eviction")
}

// chainDefinition is n Pass states in a row.
func chainDefinition(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","End":true}`, i)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Next":"S%d"}`, i, i+1)
		}
	}
	b.WriteString("}}")
	return b.String()
}

// rss reads a memory figure (in KB) of a process from /proc/<pid>/status.
func rss(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return kb
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
