package sts

import (
	"fmt"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Each session AssumeRole opens is queued on the service's
// journal under s.mu and made durable before its credentials are returned. Records:
//
//	sts.sessions  access key id  → sessionRecord
//
// Sessions whose credentials have expired are dropped when the store is loaded, so the bucket
// holds at most the sessions of the last 12 hours (the longest DurationSeconds) before a
// start.
const bucketSessions = "sts.sessions"

// sessionRecord is an assumed-role session as stored.
type sessionRecord struct {
	Arn     string    `json:"arn"`
	ID      string    `json:"id"`
	Expires time.Time `json:"expires"`
}

// persistSession queues the session of access key akid. s.mu is held.
func (s *Service) persistSession(akid, arn, id string, expires time.Time) {
	if s.j.On() {
		s.j.PutJSON(bucketSessions, akid, sessionRecord{Arn: arn, ID: id, Expires: expires})
	}
}

// load rebuilds the sessions whose credentials are still valid and removes the others from
// the store. A store written before STS was durable has no bucket and loads empty.
func (s *Service) load(db *storage.DB) error {
	now := s.cfg.Clock.Now()
	var expired []string
	if err := journal.Load(db, bucketSessions, func(akid string, r sessionRecord) error {
		if !now.Before(r.Expires) {
			expired = append(expired, akid)
			return nil
		}
		s.sessions[akid] = session{arn: r.Arn, id: r.ID}
		return nil
	}); err != nil {
		return fmt.Errorf("sts: %s: %w", bucketSessions, err)
	}
	if len(expired) == 0 {
		return nil
	}
	for _, akid := range expired {
		s.j.Delete(bucketSessions, akid)
	}
	return s.j.Sync()
}
