package batch

import (
	"time"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// backendCheckTimeout bounds how long SubmitJob waits for a backend to say whether it can run jobs.
const backendCheckTimeout = 5 * time.Second

// backend resolves a compute environment's backend: the tag's value, else Config.Backend,
// else Docker.
func (s *Service) backend(tag string) (string, ContainerRunner, error) {
	name := tag
	if name == "" {
		name = s.cfg.Backend
	}
	if name == "" || name == BackendDocker {
		return BackendDocker, s.cfg.Runner, nil
	}
	if r, ok := s.cfg.Backends[name]; ok && r != nil {
		return name, r, nil
	}
	if tag != "" {
		return "", nil, clientErrorf("Tag %s=%s names a backend this sfnlocal server does not have: use %s or %s", TagBackend, tag, BackendDocker, BackendSwarm)
	}
	return "", nil, clientErrorf("Backend %s is not configured on this sfnlocal server", name)
}

// checkBackends fails with a ClientException when a compute environment of the queue runs
// its jobs on a backend that reports it cannot (a swarm that cannot be reached).
func (s *Service) checkBackends(queue string) error {
	type check struct {
		ce, backend string
		c           Checker
	}
	var checks []check
	s.mu.Lock()
	if q, err := s.queueLocked(queue); err == nil {
		for _, o := range q.d.ComputeEnvironmentOrder {
			ce, ok := s.ces[s.nameFromRef("compute-environment", o.ComputeEnvironment)]
			if !ok {
				continue
			}
			if c, ok := ce.runner.(Checker); ok {
				checks = append(checks, check{ce.d.ComputeEnvironmentName, ce.backend, c})
			}
		}
	}
	s.mu.Unlock()
	for _, k := range checks {
		ctx, cancel := clock.WithTimeout(s.ctx, clock.Real(), backendCheckTimeout, nil)
		err := k.c.Check(ctx)
		cancel()
		if err != nil {
			return clientErrorf("Compute environment %s cannot run jobs on its %s backend: %v", k.ce, k.backend, err)
		}
	}
	return nil
}
