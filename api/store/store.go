// Package store holds the Step Functions API's resources: state machines with their versions
// and aliases, executions, activities and tags.
//
// The API server talks to it only through the Store interface so that a durable
// implementation can replace the in-memory one (NewMemory) without touching the protocol
// code. Records are plain values: a Get returns a copy, and a caller changes a record by
// putting it back, so no caller ever shares memory with the store.
package store

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// StateMachine is a state machine's latest revision.
type StateMachine struct {
	Arn, Name, Type, RoleArn, Definition string
	// Logging, Tracing and Encryption are the configurations as JSON text ("" when unset).
	Logging, Tracing, Encryption string
	CreationDate                 time.Time
	// UpdateDate is set by UpdateStateMachine; RevisionID names the current revision ("" for
	// the first one, as AWS reports none until an update).
	UpdateDate time.Time
	RevisionID string
	Deleting   bool
	// NextVersion is the number the next published version gets (versions start at 1 and
	// are never reused).
	NextVersion int
	// VariableReferences is the definition's variable usage per state, for Describe.
	VariableReferences map[string][]string
}

// Version is a published, immutable state machine version.
type Version struct {
	Arn, StateMachineArn string
	Number               int
	Definition, RoleArn  string
	Type                 string
	Logging, Tracing     string
	Encryption           string
	Description          string
	RevisionID           string
	// ShowRevision: AWS reports a version's revisionId only when the state machine had been
	// updated before it was published.
	ShowRevision       bool
	CreationDate       time.Time
	VariableReferences map[string][]string
}

// Route is one alias routing entry.
type Route struct {
	VersionArn string
	Weight     int
}

// Alias points at one or two versions.
type Alias struct {
	Arn, StateMachineArn, Name, Description string
	Routing                                 []Route
	CreationDate, UpdateDate                time.Time
}

// Execution is a Standard or Express execution's record. While it runs, Status is RUNNING
// and the terminal members are empty.
type Execution struct {
	Arn, StateMachineArn, Name string
	VersionArn, AliasArn       string
	Express                    bool
	Input, TraceHeader         string
	StartDate                  time.Time
	Status                     string
	StopDate                   time.Time
	Output                     string
	HasOutput                  bool
	Error, Cause               string
	HasError, HasCause         bool
	RedriveCount               int
	RedriveDate                time.Time
	// RedriveTokens are the clientTokens of the last RedriveExecution calls, for their
	// idempotency.
	RedriveTokens []RedriveToken `json:",omitempty"`
	// The state machine revision the execution runs, for DescribeStateMachineForExecution.
	Definition, RoleArn, Logging, Tracing, Encryption, RevisionID string
	DefinitionDate                                                time.Time
	VariableReferences                                            map[string][]string
	// Seq orders executions by start (newer is larger).
	Seq uint64
	// History is a finished execution's history in the engine's compact form (opaque to the
	// store; nil while it runs).
	History []byte
	// Finished numbers the execution's end among all ends (0 while it runs): the oldest
	// finished executions are evicted first.
	Finished uint64
}

// RedriveToken is the clientToken of a RedriveExecution call: the redrive's date, as
// answered, and the token's first use on the service clock.
type RedriveToken struct {
	Token      string
	Date, Used time.Time
}

// Activity is an activity.
type Activity struct {
	Arn, Name    string
	Encryption   string
	CreationDate time.Time
}

// Tag is one resource tag.
type Tag struct{ Key, Value string }

// Store is the API's persistence. Every method is safe for concurrent use. List methods
// return records in the order the API lists them.
type Store interface {
	PutStateMachine(StateMachine)
	GetStateMachine(arn string) (StateMachine, bool)
	DeleteStateMachine(arn string)
	// ListStateMachines returns state machines oldest first, as AWS lists them.
	ListStateMachines() []StateMachine

	PutVersion(Version)
	GetVersion(arn string) (Version, bool)
	DeleteVersion(arn string)
	// ListVersions returns a state machine's versions, newest first.
	ListVersions(stateMachineArn string) []Version

	PutAlias(Alias)
	GetAlias(arn string) (Alias, bool)
	DeleteAlias(arn string)
	// ListAliases returns a state machine's aliases sorted by name.
	ListAliases(stateMachineArn string) []Alias

	PutExecution(Execution)
	GetExecution(arn string) (Execution, bool)
	// DeleteExecution forgets an execution (retention ended).
	DeleteExecution(arn string)
	// ListExecutions returns a state machine's executions, newest first.
	ListExecutions(stateMachineArn string) []Execution

	PutActivity(Activity)
	GetActivity(arn string) (Activity, bool)
	DeleteActivity(arn string)
	// ListActivities returns activities oldest first, as AWS lists them.
	ListActivities() []Activity

	Tags(arn string) []Tag
	SetTags(arn string, tags []Tag)
}

// Memory is the in-memory Store.
type Memory struct {
	mu         sync.RWMutex
	sms        map[string]StateMachine
	versions   map[string]Version
	aliases    map[string]Alias
	executions map[string]Execution
	// bySM indexes executions per state machine in start order. Deleted executions leave
	// their entry behind (skipped when listing, by Seq) until a quarter of the entries are
	// stale; then the index is compacted.
	bySM       map[string][]execRef
	stale      map[string]int
	activities map[string]Activity
	tags       map[string][]Tag
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{
		sms:        map[string]StateMachine{},
		versions:   map[string]Version{},
		aliases:    map[string]Alias{},
		executions: map[string]Execution{},
		bySM:       map[string][]execRef{},
		stale:      map[string]int{},
		activities: map[string]Activity{},
		tags:       map[string][]Tag{},
	}
}

var _ Store = (*Memory)(nil)

func (m *Memory) PutStateMachine(sm StateMachine) {
	m.mu.Lock()
	m.sms[sm.Arn] = sm
	m.mu.Unlock()
}

func (m *Memory) GetStateMachine(arn string) (StateMachine, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	sm, ok := m.sms[arn]
	return sm, ok
}

func (m *Memory) DeleteStateMachine(arn string) {
	m.mu.Lock()
	delete(m.sms, arn)
	delete(m.tags, arn)
	m.mu.Unlock()
}

func (m *Memory) ListStateMachines() []StateMachine {
	m.mu.RLock()
	out := make([]StateMachine, 0, len(m.sms))
	for _, sm := range m.sms {
		out = append(out, sm)
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreationDate.Equal(out[j].CreationDate) {
			return out[i].CreationDate.Before(out[j].CreationDate)
		}
		return out[i].Arn < out[j].Arn
	})
	return out
}

func (m *Memory) PutVersion(v Version) {
	m.mu.Lock()
	m.versions[v.Arn] = v
	m.mu.Unlock()
}

func (m *Memory) GetVersion(arn string) (Version, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.versions[arn]
	return v, ok
}

func (m *Memory) DeleteVersion(arn string) {
	m.mu.Lock()
	delete(m.versions, arn)
	delete(m.tags, arn)
	m.mu.Unlock()
}

func (m *Memory) ListVersions(smArn string) []Version {
	m.mu.RLock()
	var out []Version
	for _, v := range m.versions {
		if v.StateMachineArn == smArn {
			out = append(out, v)
		}
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Number > out[j].Number })
	return out
}

func (m *Memory) PutAlias(a Alias) {
	m.mu.Lock()
	a.Routing = append([]Route(nil), a.Routing...)
	m.aliases[a.Arn] = a
	m.mu.Unlock()
}

func (m *Memory) GetAlias(arn string) (Alias, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	a, ok := m.aliases[arn]
	a.Routing = append([]Route(nil), a.Routing...)
	return a, ok
}

func (m *Memory) DeleteAlias(arn string) {
	m.mu.Lock()
	delete(m.aliases, arn)
	delete(m.tags, arn)
	m.mu.Unlock()
}

func (m *Memory) ListAliases(smArn string) []Alias {
	m.mu.RLock()
	var out []Alias
	for _, a := range m.aliases {
		if a.StateMachineArn == smArn {
			a.Routing = append([]Route(nil), a.Routing...)
			out = append(out, a)
		}
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// execRef is one bySM entry: an ARN and the Seq of the execution that had it then (a name
// can be reused once its execution has been deleted).
type execRef struct {
	arn string
	seq uint64
}

func (m *Memory) PutExecution(e Execution) {
	m.mu.Lock()
	if _, ok := m.executions[e.Arn]; !ok {
		m.bySM[e.StateMachineArn] = append(m.bySM[e.StateMachineArn], execRef{e.Arn, e.Seq})
	}
	m.executions[e.Arn] = e
	m.mu.Unlock()
}

func (m *Memory) GetExecution(arn string) (Execution, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.executions[arn]
	return e, ok
}

func (m *Memory) DeleteExecution(arn string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.executions[arn]
	if !ok {
		return
	}
	delete(m.executions, arn)
	sm := e.StateMachineArn
	m.stale[sm]++
	refs := m.bySM[sm]
	if m.stale[sm] < 64 || m.stale[sm]*4 < len(refs) {
		return
	}
	live := make([]execRef, 0, len(refs)-m.stale[sm])
	for _, r := range refs {
		if x, ok := m.executions[r.arn]; ok && x.Seq == r.seq {
			live = append(live, r)
		}
	}
	delete(m.stale, sm)
	if len(live) == 0 {
		delete(m.bySM, sm)
		return
	}
	m.bySM[sm] = live
}

func (m *Memory) ListExecutions(smArn string) []Execution {
	m.mu.RLock()
	refs := m.bySM[smArn]
	out := make([]Execution, 0, len(refs))
	for i := len(refs) - 1; i >= 0; i-- {
		if e, ok := m.executions[refs[i].arn]; ok && e.Seq == refs[i].seq {
			out = append(out, e)
		}
	}
	m.mu.RUnlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out
}

func (m *Memory) PutActivity(a Activity) {
	m.mu.Lock()
	m.activities[a.Arn] = a
	m.mu.Unlock()
}

func (m *Memory) GetActivity(arn string) (Activity, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	a, ok := m.activities[arn]
	return a, ok
}

func (m *Memory) DeleteActivity(arn string) {
	m.mu.Lock()
	delete(m.activities, arn)
	delete(m.tags, arn)
	m.mu.Unlock()
}

func (m *Memory) ListActivities() []Activity {
	m.mu.RLock()
	out := make([]Activity, 0, len(m.activities))
	for _, a := range m.activities {
		out = append(out, a)
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreationDate.Equal(out[j].CreationDate) {
			return out[i].CreationDate.Before(out[j].CreationDate)
		}
		return strings.Compare(out[i].Arn, out[j].Arn) < 0
	})
	return out
}

func (m *Memory) Tags(arn string) []Tag {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]Tag(nil), m.tags[arn]...)
}

func (m *Memory) SetTags(arn string, tags []Tag) {
	m.mu.Lock()
	if len(tags) == 0 {
		delete(m.tags, arn)
	} else {
		m.tags[arn] = append([]Tag(nil), tags...)
	}
	m.mu.Unlock()
}
