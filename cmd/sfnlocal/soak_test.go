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

// TestSoakBoundedMemory runs 100,000 executions of a 10-state Pass chain from 8 concurrent
// clients against the built binary, twice:
//   - with the default --max-executions (100,000: every execution is kept), the server's peak
//     RSS stays under 300 MB;
//   - keeping the last 10,000, evicting keeps memory where it was once the limit was reached
//     (the second half leaves the live heap where the first did), the peak stays under 300
//     MB, and once the load stops the evicted executions' memory goes back to the OS: the RSS
//     returns to within 60 MB of its start (the kept executions take about 1 KB each).
//
// SFNLOCAL_SOAK_EXECUTIONS sets another count.
func TestSoakBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	n := 100000
	if v := os.Getenv("SFNLOCAL_SOAK_EXECUTIONS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	const limitMB = 300
	// nearMB is how close to its start the RSS must come back once idle.
	const nearMB = 60
	t.Run("default limit", func(t *testing.T) {
		s := newSoak(t)
		s.round(n)
		loaded := s.rss("VmRSS")
		idle, live := s.settle(n)
		peak := s.rss("VmHWM")
		t.Logf("RSS (MB): %d at start; after %d executions, all kept: %d, %d once idle (live heap %d); peak %d",
			s.start>>10, n, loaded>>10, idle>>10, live, peak>>10)
		require.Less(t, peak>>10, int64(limitMB), "peak RSS")
	})
	t.Run("evicting", func(t *testing.T) {
		s := newSoak(t, "--max-executions", strconv.Itoa(n/10))
		s.round(n / 2)
		loaded1 := s.rss("VmRSS")
		idle1, live1 := s.settle(n / 2)
		s.round(n / 2)
		loaded2 := s.rss("VmRSS")
		idle2, live2 := s.settle(n)
		peak := s.rss("VmHWM")
		t.Logf("RSS (MB): %d at start; after %d executions keeping %d: %d, %d once idle (live heap %d); after %d more: %d, %d once idle (live heap %d); peak %d",
			s.start>>10, n/2, n/10, loaded1>>10, idle1>>10, live1, n/2, loaded2>>10, idle2>>10, live2, peak>>10)
		require.Less(t, peak>>10, int64(limitMB), "peak RSS")
		// Evicting keeps the live heap where it was once the limit was reached (a leak of 100
		// bytes per execution would add 5 MB).
		require.LessOrEqual(t, live2, live1+4, "live heap grew after evicting")
		require.Less(t, idle2>>10, s.start>>10+nearMB, "RSS once idle, against %d MB at start", s.start>>10)
	})
}

// soak drives one server with concurrent clients.
type soak struct {
	t     *testing.T
	p     *proc
	hc    *http.Client
	smArn string
	start int64 // RSS at start, KB
}

const soakClients = 8

func newSoak(t *testing.T, args ...string) *soak {
	p := startProc(t, nil, append([]string{"--time", "instant"}, args...)...)
	s := &soak{t: t, p: p, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: soakClients}}}
	s.start = s.rss("VmRSS")
	def, _ := json.Marshal(chainDefinition(10))
	var sm struct{ StateMachineArn string }
	p.sfn(t, "CreateStateMachine", `{"name":"soak","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`, &sm)
	s.smArn = sm.StateMachineArn
	return s
}

func (s *soak) post(op, body string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.p.addr+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := s.hc.Do(req)
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

// round starts n executions from the clients and waits until each client's last one has
// ended (one started earlier may still be running: settle waits for all of them).
func (s *soak) round(n int) {
	t := s.t
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, soakClients)
	last := make([]string, soakClients)
	for c := range soakClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"stateMachineArn":"` + s.smArn + `","input":"{\"order\":12345,\"items\":[1,2,3]}"}`
			for range n / soakClients {
				raw, err := s.post("StartExecution", body)
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
		require.NoError(t, err)
	}
	for _, raw := range last {
		var st struct{ ExecutionArn string }
		require.NoError(t, json.Unmarshal([]byte(raw), &st))
		require.Equal(t, "SUCCEEDED", s.p.waitEnd(t, st.ExecutionArn))
	}
}

// settle waits until the server has returned the freed memory: it does so once the executions
// have all ended and it has been idle a while, and logs when, with the count of executions
// ended by then and the live heap after a full collection. It returns the RSS then (KB) and
// that live heap (MB).
func (s *soak) settle(ended int) (rssKB int64, liveMB int) {
	t := s.t
	t.Helper()
	line := s.p.waitLog(t, "returned freed memory to the OS", fmt.Sprintf(`"executions_ended": %d,`, ended))
	var fields struct {
		HeapLiveMB int `json:"heap_live_mb"`
	}
	require.NoError(t, json.Unmarshal([]byte(line[strings.Index(line, "{"):]), &fields), line)
	return s.rss("VmRSS"), fields.HeapLiveMB
}

func (s *soak) rss(field string) int64 { return rss(s.t, s.p.cmd.Process.Pid, field) }

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
