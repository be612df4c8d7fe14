package batch

import (
	"errors"
	"fmt"
)

// Status is an AWS Batch job status.
type Status string

// Job statuses (BOTO-BATCH JobStatus).
const (
	StatusSubmitted Status = "SUBMITTED"
	StatusPending   Status = "PENDING"
	StatusRunnable  Status = "RUNNABLE"
	StatusStarting  Status = "STARTING"
	StatusRunning   Status = "RUNNING"
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
)

// ErrInvalidTransition is returned (wrapped) for a status move not in the transition table.
var ErrInvalidTransition = errors.New("invalid job status transition")

// transitions is the complete table of allowed moves.
//
//   - SUBMITTED→RUNNABLE for a job without dependencies, SUBMITTED→PENDING for one with
//     dependencies (it waits there for them) and for an array parent.
//   - PENDING→RUNNABLE once dependencies succeeded; PENDING→FAILED on cancel or a failed
//     dependency; PENDING→SUCCEEDED only for an array parent rolling up its children.
//   - RUNNABLE→STARTING when a compute environment has room (on a cluster runner, a Placer,
//     once a node has taken the container); RUNNABLE→FAILED on cancel, or on cancel or
//     terminate while the cluster has not placed it.
//   - STARTING→RUNNING when the container started; STARTING→FAILED when it could not
//     (CannotPullContainerError) or on terminate.
//   - RUNNING→SUCCEEDED/FAILED on exit; RUNNING→RUNNABLE for a retry.
var transitions = map[Status][]Status{
	StatusSubmitted: {StatusPending, StatusRunnable, StatusFailed},
	StatusPending:   {StatusRunnable, StatusFailed, StatusSucceeded},
	StatusRunnable:  {StatusStarting, StatusFailed},
	StatusStarting:  {StatusRunning, StatusFailed, StatusRunnable},
	StatusRunning:   {StatusSucceeded, StatusFailed, StatusRunnable},
}

// CheckTransition reports whether a job may move from one status to another.
func CheckTransition(from, to Status) error {
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("%w: %s -> %s", ErrInvalidTransition, from, to)
}

// Terminal reports whether s is SUCCEEDED or FAILED.
func (s Status) Terminal() bool { return s == StatusSucceeded || s == StatusFailed }

func validStatus(s string) bool {
	switch Status(s) {
	case StatusSubmitted, StatusPending, StatusRunnable, StatusStarting, StatusRunning, StatusSucceeded, StatusFailed:
		return true
	}
	return false
}
