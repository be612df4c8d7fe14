package logs

import (
	"fmt"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Log groups, streams and events are written through the
// service's journal under s.mu, in order. API calls answer once their change is durable;
// Append, which producers call under their own locks (Step Functions' log shipping), does not
// wait for the disk: its events become durable in the background within a commit or two, and
// Sync waits for them. Records:
//
//	logs.groups   region "\x00" group                          → creation time (ms)
//	logs.streams  region "\x00" group "\x00" stream             → creation time (ms)
//	logs.events   region "\x00" group "\x00" stream "\x00" %010d → Event
const (
	bucketGroups  = "logs.groups"
	bucketStreams = "logs.streams"
	bucketEvents  = "logs.events"
)

func groupKey(g *group) string { return g.region + "\x00" + g.name }

func streamKey(g *group, stream string) string { return groupKey(g) + "\x00" + stream }

func (s *Service) persistGroup(g *group) {
	if s.j.On() {
		s.j.PutJSON(bucketGroups, groupKey(g), g.created)
	}
}

func (s *Service) forgetGroup(g *group) {
	if s.j.On() {
		s.j.Delete(bucketGroups, groupKey(g))
		s.j.DeletePrefix(bucketStreams, groupKey(g)+"\x00")
		s.j.DeletePrefix(bucketEvents, groupKey(g)+"\x00")
	}
}

func (s *Service) persistStream(g *group, st *stream) {
	if s.j.On() {
		s.j.PutJSON(bucketStreams, streamKey(g, st.name), st.created)
	}
}

func (s *Service) forgetStream(g *group, name string) {
	if s.j.On() {
		s.j.Delete(bucketStreams, streamKey(g, name))
		s.j.DeletePrefix(bucketEvents, streamKey(g, name)+"\x00")
	}
}

// persistEvent writes the stream's last event.
func (s *Service) persistEvent(g *group, st *stream) {
	if s.j.On() {
		n := len(st.events) - 1
		s.j.PutJSON(bucketEvents, fmt.Sprintf("%s\x00%010d", streamKey(g, st.name), n), st.events[n])
	}
}

// Sync returns once every change so far is durable (nil in memory mode): for a server that
// shuts down.
func (s *Service) Sync() error { return s.j.Sync() }

func (s *Service) load(db *storage.DB) error {
	if err := journal.Load(db, bucketGroups, func(key string, created int64) error {
		region, name, _ := strings.Cut(key, "\x00")
		s.groups[key] = &group{name: name, region: region, created: created, streams: map[string]*stream{}}
		return nil
	}); err != nil {
		return err
	}
	split := func(key string) (*group, string) {
		region, rest, _ := strings.Cut(key, "\x00")
		name, stream, _ := strings.Cut(rest, "\x00")
		return s.groups[region+"\x00"+name], stream
	}
	if err := journal.Load(db, bucketStreams, func(key string, created int64) error {
		if g, name := split(key); g != nil {
			g.streams[name] = &stream{name: name, created: created}
		}
		return nil
	}); err != nil {
		return err
	}
	return journal.Load(db, bucketEvents, func(key string, e Event) error {
		g, rest := split(key)
		i := strings.LastIndexByte(rest, 0)
		if g == nil || i < 0 {
			return nil
		}
		st := g.streams[rest[:i]]
		if st == nil {
			return nil
		}
		st.events = append(st.events, e)
		st.bytes += int64(len(e.Message))
		var id int64
		if _, err := fmt.Sscan(e.EventID, &id); err == nil {
			s.seq = max(s.seq, id)
		}
		return nil
	})
}
