package swarm

import (
	"context"
	"errors"
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
// waiters after each list.
type poller struct {
	api   engine
	log   *zap.Logger
	clk   clock.Clock
	label string

	mu      sync.Mutex
	waiters int
	running bool
	tasks   map[string]swarm.Task // newest task by service id
	seen    map[string]bool       // services listed at least once
	missed  map[string]int        // polls in a row a seen service was missing from
	changed chan struct{}         // closed and replaced after every poll
}

func newPoller(api engine, log *zap.Logger, clk clock.Clock, runnerID string) *poller {
	return &poller{
		api: api, log: log, clk: clk, label: LabelRunner + "=" + runnerID,
		tasks: map[string]swarm.Task{}, seen: map[string]bool{}, missed: map[string]int{},
		changed: make(chan struct{}),
	}
}

// wait blocks until the task of service id satisfies done, the service is gone (errGone),
// or ctx ends.
func (p *poller) wait(ctx context.Context, id string, done func(swarm.Task) bool) (swarm.Task, error) {
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
		if ok && done(t) {
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
}

func (p *poller) loop() {
	ctx := context.Background()
	failing := false
	for {
		p.mu.Lock()
		if p.waiters == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		list, err := p.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("label", p.label))})
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
		}
	}
	for id, t := range newest {
		p.tasks[id] = t
		p.seen[id] = true
	}
	close(p.changed)
	p.changed = make(chan struct{})
}
