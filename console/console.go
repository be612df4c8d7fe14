package console

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

//go:embed assets
var files embed.FS

// Prefix is the path the console is served under.
const Prefix = "/ui/"

// BatchJobs is what the console reads of the Batch simulator: a job's detail and its log
// stream's events.
type BatchJobs interface {
	DescribeJobs(ids []string) ([]batch.JobDetail, error)
	Events(stream string) []batch.LogEvent
}

// LambdaLogs is what the console reads of the Lambda simulator: a function's last logs.
type LambdaLogs interface {
	Logs(name string) []string
}

// Config configures a Console. Batch and Lambda may be nil.
type Config struct {
	Batch  BatchJobs
	Lambda LambdaLogs
	Logger *zap.Logger
	// Tick is how often a live stream checks a running execution's history; 0 means 250 ms.
	Tick time.Duration
}

// Console serves the web console. Create it with New, pass Observer to api.Options, then
// Configure it with the api.Service before serving Handler.
type Console struct {
	cfg Config
	log *zap.Logger
	svc *api.Service
	mux func() *http.ServeMux // built on first use

	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{} // execution ARN -> wake-up channels
}

// New returns a Console.
func New(cfg Config) *Console {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	c := &Console{cfg: cfg, log: cfg.Logger, subs: map[string]map[chan struct{}]struct{}{}}
	// The routes are registered on the first request: most servers are never browsed, and
	// registering them costs start-up time.
	c.mux = sync.OnceValue(c.routes)
	return c
}

// routes is the console's router.
func (c *Console) routes() *http.ServeMux {
	assets, _ := fs.Sub(files, "assets")
	m := http.NewServeMux()
	m.Handle("GET /ui/assets/", http.StripPrefix("/ui/assets/", cacheAssets(http.FileServerFS(assets))))
	m.HandleFunc("GET /ui/{$}", c.index)
	m.HandleFunc("GET /ui/statemachine", c.stateMachine)
	m.HandleFunc("GET /ui/execution", c.execution)
	m.HandleFunc("GET /ui/state", c.statePanel)
	m.HandleFunc("GET /ui/event", c.event)
	m.HandleFunc("GET /ui/stream", c.stream)
	m.HandleFunc("GET /ui/joblogs", c.jobLogs)
	m.HandleFunc("GET /ui/validate", c.validate)
	m.HandleFunc("POST /ui/validate", c.validate)
	m.HandleFunc("POST /ui/start", c.start)
	m.HandleFunc("POST /ui/stop", c.stop)
	m.HandleFunc("POST /ui/redrive", c.redrive)
	m.HandleFunc("GET /ui", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, Prefix, http.StatusFound) })
	return m
}

// Configure binds the Step Functions service and the simulators whose jobs and logs the
// console shows (either may be nil), before the console is served.
func (c *Console) Configure(svc *api.Service, jobs BatchJobs, logs LambdaLogs) {
	c.svc = svc
	if jobs != nil {
		c.cfg.Batch = jobs
	}
	if logs != nil {
		c.cfg.Lambda = logs
	}
}

// Observer wakes the live streams of an execution when its status changes.
func (c *Console) Observer() api.Observer {
	return api.ObserverFunc(func(e api.ExecutionStatus) {
		c.mu.Lock()
		defer c.mu.Unlock()
		for ch := range c.subs[e.ExecutionArn] {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	})
}

func (c *Console) subscribe(arn string) (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	if c.subs[arn] == nil {
		c.subs[arn] = map[chan struct{}]struct{}{}
	}
	c.subs[arn][ch] = struct{}{}
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		delete(c.subs[arn], ch)
		if len(c.subs[arn]) == 0 {
			delete(c.subs, arn)
		}
		c.mu.Unlock()
	}
}

// Handler serves the console's pages under /ui/.
func (c *Console) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				c.log.Error("console panic", zap.Any("panic", p), zap.String("path", r.URL.Path))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		if c.svc == nil {
			http.Error(w, "console not configured", http.StatusServiceUnavailable)
			return
		}
		if r.Method == http.MethodPost && !sameOrigin(r) {
			http.Error(w, "cross-origin request refused", http.StatusForbidden)
			return
		}
		c.mux().ServeHTTP(w, r)
	})
}

// WantsConsole reports whether r is a browser asking for the root page, which is redirected
// to the console.
func WantsConsole(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path == "/" && r.URL.RawQuery == "" &&
		strings.Contains(r.Header.Get("Accept"), "text/html")
}

// sameOrigin refuses form posts from other sites (a page elsewhere posting to localhost).
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func cacheAssets(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		h.ServeHTTP(w, r)
	})
}

// fail shows an error page: the API's error for a bad ARN, 500 for bugs.
func (c *Console) fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var ae *api.Error
	if errors.As(err, &ae) {
		status = http.StatusBadRequest
		if strings.Contains(ae.Code, "DoesNotExist") || strings.Contains(ae.Code, "NotFound") {
			status = http.StatusNotFound
		}
	}
	send(w, status, first(errorPage(status, err.Error())))
}

func first(b *hw, _ int) *hw { return b }

// smSummary is a state machine row of the index page.
type smSummary struct {
	Arn, Name, Type string
	Created         time.Time
	Versions        int
	Aliases         []string
	Executions      int
}

// execSummary is an execution row.
type execSummary struct {
	Arn, Name, StateMachine, StateMachineArn, Status string
	Start, Stop                                      time.Time
	RedriveCount                                     int
}

func (c *Console) stateMachines(ctx context.Context) ([]smSummary, error) {
	var out []smSummary
	var next *string
	for {
		page, err := c.svc.ListStateMachines(ctx, &api.ListStateMachinesInput{MaxResults: ptr[int64](1000), NextToken: next})
		if err != nil {
			return nil, err
		}
		for _, it := range page.StateMachines {
			s := smSummary{Arn: it.StateMachineArn, Name: it.Name, Type: it.Type}
			if it.CreationDate != nil {
				s.Created = time.Time(*it.CreationDate)
			}
			if v, err := c.svc.ListStateMachineVersions(ctx, &api.ListStateMachineVersionsInput{StateMachineArn: &it.StateMachineArn, MaxResults: ptr[int64](1000)}); err == nil {
				s.Versions = len(v.StateMachineVersions)
			}
			if a, err := c.svc.ListStateMachineAliases(ctx, &api.ListStateMachineAliasesInput{StateMachineArn: &it.StateMachineArn, MaxResults: ptr[int64](100)}); err == nil {
				for _, al := range a.StateMachineAliases {
					s.Aliases = append(s.Aliases, al.StateMachineAliasArn[strings.LastIndexByte(al.StateMachineAliasArn, ':')+1:])
				}
			}
			out = append(out, s)
		}
		if page.NextToken == "" {
			return out, nil
		}
		next = &page.NextToken
	}
}

func (c *Console) executions(ctx context.Context, smArn, status string) ([]execSummary, error) {
	var out []execSummary
	var next *string
	var filter *string
	if status != "" {
		filter = &status
	}
	for {
		page, err := c.svc.ListExecutions(ctx, &api.ListExecutionsInput{StateMachineArn: &smArn, StatusFilter: filter, MaxResults: ptr[int64](1000), NextToken: next})
		if err != nil {
			return nil, err
		}
		for _, it := range page.Executions {
			e := execSummary{Arn: it.ExecutionArn, Name: it.Name, StateMachineArn: it.StateMachineArn, Status: it.Status, RedriveCount: it.RedriveCount}
			e.StateMachine = it.StateMachineArn[strings.LastIndexByte(it.StateMachineArn, ':')+1:]
			if it.StartDate != nil {
				e.Start = time.Time(*it.StartDate)
			}
			if it.StopDate != nil {
				e.Stop = time.Time(*it.StopDate)
			}
			out = append(out, e)
		}
		if page.NextToken == "" {
			return out, nil
		}
		next = &page.NextToken
	}
}

var statuses = []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}

// maxListed bounds the executions the index page lists.
const maxListed = 500

func (c *Console) index(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	status := r.URL.Query().Get("status")
	if status != "" && !contains(statuses, status) {
		status = ""
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	sms, err := c.stateMachines(ctx)
	if err != nil {
		c.fail(w, err)
		return
	}
	var execs []execSummary
	for i, sm := range sms {
		if sm.Type != "STANDARD" {
			continue
		}
		all, err := c.executions(ctx, sm.Arn, "")
		if err != nil {
			continue
		}
		sms[i].Executions = len(all)
		for _, e := range all {
			if status != "" && e.Status != status {
				continue
			}
			if q != "" && !strings.Contains(strings.ToLower(e.Name+" "+e.StateMachine+" "+e.Arn), strings.ToLower(q)) {
				continue
			}
			execs = append(execs, e)
		}
	}
	if q != "" {
		kept := sms[:0]
		for _, sm := range sms {
			if strings.Contains(strings.ToLower(sm.Name), strings.ToLower(q)) || sm.Executions > 0 {
				kept = append(kept, sm)
			}
		}
		sms = kept
	}
	sort.SliceStable(execs, func(i, j int) bool { return execs[i].Start.After(execs[j].Start) })
	more := 0
	if len(execs) > maxListed {
		more = len(execs) - maxListed
		execs = execs[:maxListed]
	}
	send(w, http.StatusOK, indexPage(indexData{StateMachines: sms, Executions: execs, More: more, Status: status, Q: q}))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
