package swarm

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// errGone reports a service whose task was listed once and is no longer: it was removed.
var errGone = errors.New("swarm service is gone")

// goneAfter is how many polls in a row must miss a task that was seen before it counts as
// gone (a removal in progress can briefly hide it).
const goneAfter = 3

// forgetAfter is how many polls in a row a service may be missing before it is forgotten.
const forgetAfter = 100

// poller lists the tasks of the runner's services while anyone waits for one, and wakes the
// waiters after each list. Its own services are listed by the runner's label; services that
// an earlier sfnlocal process made, which the runner adopted (FindAttempt), by the label of
// the runner that made them, keeping only the adopted ones: one more TaskList per tick for
// each earlier runner, whatever the number of its services.
type poller struct {
	api   engine
	log   *zap.Logger
	clk   clock.Clock
	label string // the runner's own label filter (LabelRunner=<id>)

	mu      sync.Mutex
	waiters int
	running bool
	tasks   map[string]swarm.Task // newest task by service id
	seen    map[string]bool       // services listed at least once
	missed  map[string]int        // polls in a row a seen service was missing from
	changed chan struct{}         // closed and replaced after every poll
	// lost holds the nodes found down, disconnected or gone from the swarm in the last node
	// list; a task on one of them that has not ended is lost with its node.
	lost map[string]bool
	// adopted maps each adopted service to the label filter that lists its tasks.
	adopted map[string]string
}

func newPoller(api engine, log *zap.Logger, clk clock.Clock, runnerID string) *poller {
	return &poller{
		api: api, log: log, clk: clk, label: LabelRunner + "=" + runnerID,
		tasks: map[string]swarm.Task{}, seen: map[string]bool{}, missed: map[string]int{},
		changed: make(chan struct{}), lost: map[string]bool{}, adopted: map[string]string{},
	}
}

// adopt makes the poller follow service id, which another runner made: its tasks are listed
// by label (key=value; that runner's LabelRunner). t, when not nil, is its newest task as
// the caller just listed it. The service counts as seen, so that it is gone (errGone) if
// no poll lists it.
func (p *poller) adopt(id, label string, t *swarm.Task) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if label != p.label {
		p.adopted[id] = label
	}
	if t != nil {
		p.tasks[id] = *t
	}
	p.seen[id] = true
	delete(p.missed, id)
}

// labelsLocked returns the label filters of one poll: the runner's own, then those of the
// adopted services, each once.
func (p *poller) labelsLocked() []string {
	out := []string{p.label}
	for _, l := range p.adopted {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// list lists the tasks of the runner's services and of the adopted ones: one TaskList per
// label filter. It fails when any of them does (a partial list would count services as
// missing).
func (p *poller) list(ctx context.Context) ([]swarm.Task, error) {
	p.mu.Lock()
	labels := p.labelsLocked()
	p.mu.Unlock()
	var out []swarm.Task
	for i, l := range labels {
		list, err := p.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("label", l))})
		if err != nil {
			return nil, err
		}
		if i == 0 {
			out = append(out, list...)
			continue
		}
		// Another runner's label: its other services are not this runner's business.
		p.mu.Lock()
		for _, t := range list {
			if p.adopted[t.ServiceID] == l {
				out = append(out, t)
			}
		}
		p.mu.Unlock()
	}
	return out, nil
}

// wait blocks until the task of service id satisfies done, the service is gone (errGone),
// or ctx ends. done hears whether the task's node has left the swarm (lost) too.
func (p *poller) wait(ctx context.Context, id string, done func(t swarm.Task, lost bool) bool) (swarm.Task, error) {
	p.mu.Lock()
	p.waiters++
	if !p.running {
		p.running = true
		go p.loop()
	}
	defer func() {
		p.mu.Lock()
		p.waiters--
		p.mu.Unlock()
	}()
	for {
		t, ok := p.tasks[id]
		if ok && done(t, p.lostLocked(t)) {
			p.mu.Unlock()
			return t, nil
		}
		if p.missed[id] >= goneAfter {
			p.mu.Unlock()
			return swarm.Task{}, errGone
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return swarm.Task{}, context.Cause(ctx)
		}
		p.mu.Lock()
	}
}

// lostLocked tells whether t has not ended and its node has left the swarm.
func (p *poller) lostLocked(t swarm.Task) bool {
	return t.NodeID != "" && p.lost[t.NodeID] && !ended(t)
}

// isLost tells whether the newest task of service id is lost with its node.
func (p *poller) isLost(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tasks[id]
	return ok && p.lostLocked(t)
}

// latest returns the newest task seen for service id.
func (p *poller) latest(id string) (swarm.Task, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tasks[id]
	return t, ok
}

// forget drops what is known of service id (it is being removed).
func (p *poller) forget(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.tasks, id)
	delete(p.seen, id)
	delete(p.missed, id)
	delete(p.adopted, id)
}

func (p *poller) loop() {
	ctx := context.Background()
	failing := false
	for tick := 0; ; tick++ {
		p.mu.Lock()
		if p.waiters == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		placed := p.placedLocked()
		p.mu.Unlock()
		if placed && tick%nodeEvery == 0 {
			// Nodes change slowly (the swarm takes seconds to call one down): list them
			// only every nodeEvery polls, and only while a placed task has not ended.
			if nodes, err := p.api.NodeList(ctx, swarm.NodeListOptions{}); err == nil {
				p.updateNodes(nodes)
			} else {
				p.log.Debug("listing swarm nodes failed", zap.Error(err))
			}
		}
		list, err := p.list(ctx)
		switch {
		case err != nil && !failing:
			p.log.Warn("listing swarm tasks failed", zap.Error(err))
			failing = true
		case err == nil:
			failing = false
			p.update(list)
		}
		_ = clock.Sleep(ctx, p.clk, pollInterval)
	}
}

// nodeEvery is how many task polls go by between two node lists.
const nodeEvery = 10

// placedLocked tells whether a task the poller knows is on a node and has not ended.
func (p *poller) placedLocked() bool {
	for _, t := range p.tasks {
		if t.NodeID != "" && !ended(t) {
			return true
		}
	}
	return false
}

// updateNodes records which nodes have left: down, disconnected, or no longer listed.
func (p *poller) updateNodes(nodes []swarm.Node) {
	listed := make(map[string]bool, len(nodes))
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.lost)
	for _, n := range nodes {
		listed[n.ID] = true
		if n.Status.State == swarm.NodeStateDown || n.Status.State == swarm.NodeStateDisconnected {
			p.lost[n.ID] = true
		}
	}
	for _, t := range p.tasks {
		if t.NodeID != "" && !listed[t.NodeID] {
			p.lost[t.NodeID] = true
		}
	}
}

func (p *poller) update(list []swarm.Task) {
	newest := make(map[string]swarm.Task, len(list))
	for _, t := range list {
		if o, ok := newest[t.ServiceID]; !ok || t.CreatedAt.After(o.CreatedAt) {
			newest[t.ServiceID] = t
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for id := range p.seen {
		if _, ok := newest[id]; ok {
			delete(p.missed, id)
		} else if p.missed[id]++; p.missed[id] > forgetAfter {
			// Long gone, and nobody asked: a service removed while a poll was in flight.
			delete(p.tasks, id)
			delete(p.seen, id)
			delete(p.missed, id)
			delete(p.adopted, id)
		}
	}
	for id, t := range newest {
		p.tasks[id] = t
		p.seen[id] = true
	}
	close(p.changed)
	p.changed = make(chan struct{})
}
