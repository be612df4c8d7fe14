package sts

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func durableSTS(t *testing.T, db *storage.DB, c clock.Clock) *Service {
	t.Helper()
	s := New(Config{Clock: c, Logger: zaptest.NewLogger(t), DB: db})
	require.NoError(t, s.LoadError())
	return s
}

var accessKey = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`)

// assume calls AssumeRole and returns the access key id it issued.
func assume(t *testing.T, s *Service, role, name, seconds string) string {
	t.Helper()
	code, body := call(t, s, "", "", "Action", "AssumeRole", "RoleArn", "arn:aws:iam::123456789012:role/"+role,
		"RoleSessionName", name, "DurationSeconds", seconds)
	require.Equal(t, 200, code, body)
	m := accessKey.FindStringSubmatch(body)
	require.NotNil(t, m, body)
	return m[1]
}

// whoAmI is the caller ARN GetCallerIdentity answers for akid.
func whoAmI(t *testing.T, s *Service, akid string) string {
	t.Helper()
	code, body := call(t, s, akid, "us-east-1", "Action", "GetCallerIdentity")
	require.Equal(t, 200, code, body)
	m := regexp.MustCompile(`<Arn>([^<]+)</Arn>`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	return m[1]
}

// TestDurableRestart: assumed-role sessions outlive a restart, clean or not, until their
// credentials expire; expired ones are dropped from the store.
func TestDurableRestart(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name  string
		crash bool
	}{
		{"clean close", false},
		{"crash", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storagetest.Open(t)
			s := durableSTS(t, db, clock.NewFake(start))
			short := assume(t, s, "deploy", "ci", "900")
			long := assume(t, s, "exec", "app", "3600")
			require.Equal(t, "arn:aws:sts::123456789012:assumed-role/exec/app", whoAmI(t, s, long))
			if tc.crash {
				db = storagetest.CrashCopy(t, db)
			} else {
				db = storagetest.Reopen(t, db)
			}
			s2 := durableSTS(t, db, clock.NewFake(start.Add(1000*time.Second)))
			require.Equal(t, "arn:aws:sts::123456789012:assumed-role/exec/app", whoAmI(t, s2, long))
			require.Equal(t, "arn:aws:iam::123456789012:root", whoAmI(t, s2, short), "expired credentials")
			gone, err := db.Bucket(bucketSessions).Get(short)
			require.NoError(t, err)
			require.Nil(t, gone, "an expired session is dropped from the store")
			kept, err := db.Bucket(bucketSessions).Get(long)
			require.NoError(t, err)
			require.NotNil(t, kept)
		})
	}
}

// TestMemoryModeWritesNothing: without a DB the service keeps no journal.
func TestMemoryModeWritesNothing(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	require.Nil(t, s.j)
	require.NoError(t, s.LoadError())
	assume(t, s, "r", "session", "900")
}
