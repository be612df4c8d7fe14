// Package delivery runs asynchronous deliveries in order per key (an EventBridge rule, an SNS
// subscription): each key's items go out one after another on a goroutine of their own,
// started when the key has work and ended when it has none, so that a slow target never
// holds up another and an enqueue never blocks its caller. It exists because the EventBridge
// and SNS fakes need exactly the same queue; it uses only the standard library.
package delivery

import "sync"

// Queues holds one bounded, ordered queue per key.
type Queues[T any] struct {
	max int
	run func(key string, item T)

	mu       sync.Mutex
	idle     *sync.Cond // broadcast whenever a key's queue drains
	queues   map[string][]T
	closed   bool
	inflight sync.WaitGroup
}

// New returns queues that hold at most max items per key and deliver each with run.
func New[T any](max int, run func(key string, item T)) *Queues[T] {
	q := &Queues[T]{max: max, run: run, queues: map[string][]T{}}
	q.idle = sync.NewCond(&q.mu)
	return q
}

// Add queues item for key without blocking. It reports false, queuing nothing, when the key's
// queue is full or the queues are closed.
func (q *Queues[T]) Add(key string, item T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	items, running := q.queues[key]
	if len(items) >= q.max {
		return false
	}
	q.queues[key] = append(items, item)
	if !running {
		q.inflight.Add(1)
		go q.drain(key)
	}
	return true
}

// drain delivers key's items in order until none is left (or the queues close).
func (q *Queues[T]) drain(key string) {
	defer q.inflight.Done()
	for {
		q.mu.Lock()
		items := q.queues[key]
		if len(items) == 0 || q.closed {
			delete(q.queues, key)
			q.idle.Broadcast()
			q.mu.Unlock()
			return
		}
		item := items[0]
		var zero T
		items[0] = zero
		q.queues[key] = items[1:]
		q.mu.Unlock()
		q.run(key, item)
	}
}

// Flush waits until every item queued so far has been delivered (deliveries that run queues
// again later, such as retries waiting on a clock, are not waited for).
func (q *Queues[T]) Flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.queues) > 0 {
		q.idle.Wait()
	}
}

// Close stops accepting items and drops those still queued; Wait then waits for the
// deliveries in flight.
func (q *Queues[T]) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

// Wait waits for the deliveries in flight to return.
func (q *Queues[T]) Wait() { q.inflight.Wait() }
