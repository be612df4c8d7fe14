package kms

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func durableKMS(t *testing.T, db *storage.DB, c clock.Clock) *Service {
	t.Helper()
	s := New(Config{Clock: c, Logger: zaptest.NewLogger(t), DB: db})
	require.NoError(t, s.LoadError())
	return s
}

// kmsOK calls the handler and requires a 200.
func kmsOK(t *testing.T, s *Service, region, op, body string) map[string]any {
	t.Helper()
	code, out := call(t, s, region, op, body)
	require.Equal(t, 200, code, "%s: %v", op, out)
	return out
}

var regions = []string{"eu-west-1", "us-east-1"}

// kmsSnapshot is every read-only answer of the API about the keys and aliases.
func kmsSnapshot(t *testing.T, s *Service) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, region := range regions {
		keys := kmsOK(t, s, region, "ListKeys", `{}`)
		out[region+" keys"] = keys
		out[region+" aliases"] = kmsOK(t, s, region, "ListAliases", `{}`)
		for _, k := range keys["Keys"].([]any) {
			id := k.(map[string]any)["KeyId"].(string)
			out[id] = kmsOK(t, s, region, "DescribeKey", `{"KeyId":"`+id+`"}`)
		}
	}
	return out
}

// TestDurableRestart: keys come back after a restart, clean or not, with their material (a
// ciphertext made before decrypts after), state, deletion date and aliases, per region.
func TestDurableRestart(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	plain := base64.StdEncoding.EncodeToString([]byte("secret"))
	cases := []struct {
		name string
		// build creates state and returns a check to run on the restarted service.
		build func(t *testing.T, s *Service, db *storage.DB, c *clock.Fake) func(t *testing.T, s *Service)
	}{
		{"keys, aliases and ciphertexts", func(t *testing.T, s *Service, _ *storage.DB, c *clock.Fake) func(*testing.T, *Service) {
			md := kmsOK(t, s, "eu-west-1", "CreateKey", `{"Description":"state machine data"}`)["KeyMetadata"].(map[string]any)
			app, appArn := md["KeyId"].(string), md["Arn"].(string)
			kmsOK(t, s, "eu-west-1", "CreateAlias", `{"AliasName":"alias/app","TargetKeyId":"`+app+`"}`)
			kmsOK(t, s, "eu-west-1", "CreateAlias", `{"AliasName":"alias/tmp","TargetKeyId":"`+app+`"}`)
			kmsOK(t, s, "eu-west-1", "DeleteAlias", `{"AliasName":"alias/tmp"}`)
			blob := kmsOK(t, s, "eu-west-1", "Encrypt", `{"KeyId":"alias/app","Plaintext":"`+plain+`","EncryptionContext":{"k":"v"}}`)["CiphertextBlob"].(string)
			dk := kmsOK(t, s, "eu-west-1", "GenerateDataKey", `{"KeyId":"`+appArn+`","KeySpec":"AES_256"}`)
			c.Advance(time.Hour)
			other := kmsOK(t, s, "us-east-1", "CreateKey", `{}`)["KeyMetadata"].(map[string]any)["KeyId"].(string)
			kmsOK(t, s, "us-east-1", "CreateAlias", `{"AliasName":"alias/app","TargetKeyId":"`+other+`"}`)
			return func(t *testing.T, s *Service) {
				out := kmsOK(t, s, "eu-west-1", "Decrypt", `{"CiphertextBlob":"`+blob+`","EncryptionContext":{"k":"v"}}`)
				require.Equal(t, plain, out["Plaintext"])
				require.Equal(t, appArn, out["KeyId"])
				out = kmsOK(t, s, "eu-west-1", "Decrypt", `{"CiphertextBlob":"`+dk["CiphertextBlob"].(string)+`","KeyId":"alias/app"}`)
				require.Equal(t, dk["Plaintext"], out["Plaintext"])
				_, out = call(t, s, "eu-west-1", "Decrypt", `{"CiphertextBlob":"`+blob+`"}`)
				require.Equal(t, "InvalidCiphertextException", out["__type"], "the encryption context is still authenticated")
				arn, state, ok := s.KeyInfo("eu-west-1", "alias/app")
				require.True(t, ok)
				require.Equal(t, appArn, arn)
				require.Equal(t, "Enabled", state)
				_, _, ok = s.KeyInfo("eu-west-1", "alias/tmp")
				require.False(t, ok, "a deleted alias stays deleted")
				arn, _, ok = s.KeyInfo("us-east-1", "alias/app")
				require.True(t, ok)
				require.Equal(t, "arn:aws:kms:us-east-1:123456789012:key/"+other, arn, "aliases are per region")
				md := kmsOK(t, s, "eu-west-1", "DescribeKey", `{"KeyId":"`+app+`"}`)["KeyMetadata"].(map[string]any)
				require.Equal(t, float64(start.Unix()), md["CreationDate"])
				// Keys made after the restart still work beside the old ones.
				kmsOK(t, s, "eu-west-1", "CreateKey", `{}`)
				_, out = call(t, s, "eu-west-1", "CreateAlias", `{"AliasName":"alias/app","TargetKeyId":"`+app+`"}`)
				require.Equal(t, "AlreadyExistsException", out["__type"])
			}
		}},
		{"disabled and pending deletion", func(t *testing.T, s *Service, _ *storage.DB, c *clock.Fake) func(*testing.T, *Service) {
			id := func() string {
				return kmsOK(t, s, "eu-west-1", "CreateKey", `{}`)["KeyMetadata"].(map[string]any)["KeyId"].(string)
			}
			disabled, reenabled, doomed := id(), id(), id()
			blob := kmsOK(t, s, "eu-west-1", "Encrypt", `{"KeyId":"`+disabled+`","Plaintext":"`+plain+`"}`)["CiphertextBlob"].(string)
			kmsOK(t, s, "eu-west-1", "DisableKey", `{"KeyId":"`+disabled+`"}`)
			kmsOK(t, s, "eu-west-1", "DisableKey", `{"KeyId":"`+reenabled+`"}`)
			kmsOK(t, s, "eu-west-1", "EnableKey", `{"KeyId":"`+reenabled+`"}`)
			c.Advance(time.Minute)
			kmsOK(t, s, "eu-west-1", "ScheduleKeyDeletion", `{"KeyId":"`+doomed+`","PendingWindowInDays":7}`)
			return func(t *testing.T, s *Service) {
				_, out := call(t, s, "eu-west-1", "Decrypt", `{"CiphertextBlob":"`+blob+`"}`)
				require.Equal(t, "DisabledException", out["__type"])
				_, state, _ := s.KeyInfo("eu-west-1", reenabled)
				require.Equal(t, "Enabled", state)
				md := kmsOK(t, s, "eu-west-1", "DescribeKey", `{"KeyId":"`+doomed+`"}`)["KeyMetadata"].(map[string]any)
				require.Equal(t, "PendingDeletion", md["KeyState"])
				require.Equal(t, float64(start.Add(time.Minute+7*24*time.Hour).Unix()), md["DeletionDate"])
				_, out = call(t, s, "eu-west-1", "EnableKey", `{"KeyId":"`+doomed+`"}`)
				require.Equal(t, "KMSInvalidStateException", out["__type"])
				// The disabled key's material survived too.
				kmsOK(t, s, "eu-west-1", "EnableKey", `{"KeyId":"`+disabled+`"}`)
				require.Equal(t, plain, kmsOK(t, s, "eu-west-1", "Decrypt", `{"CiphertextBlob":"`+blob+`"}`)["Plaintext"])
			}
		}},
		{"a store from before KMS was durable opens empty", func(t *testing.T, _ *Service, db *storage.DB, _ *clock.Fake) func(*testing.T, *Service) {
			require.NoError(t, db.Bucket("sqs.queues").PutJSON("us-east-1|q", map[string]string{"name": "q"}))
			return func(t *testing.T, s *Service) {
				require.Empty(t, kmsOK(t, s, "eu-west-1", "ListKeys", `{}`)["Keys"])
			}
		}},
	}
	for _, tc := range cases {
		for _, crash := range []bool{false, true} {
			name := tc.name + "/clean close"
			if crash {
				name = tc.name + "/crash"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c := clock.NewFake(start)
				db := storagetest.Open(t)
				s := durableKMS(t, db, c)
				check := tc.build(t, s, db, c)
				before := kmsSnapshot(t, s)
				if crash {
					db = storagetest.CrashCopy(t, db)
				} else {
					db = storagetest.Reopen(t, db)
				}
				s2 := durableKMS(t, db, clock.NewFake(start.Add(30*24*time.Hour)))
				require.Equal(t, before, kmsSnapshot(t, s2))
				check(t, s2)
			})
		}
	}
}

// TestLoadRefusesDamagedKey: a key record without usable material is a load error, not a key
// that would panic at its first Encrypt.
func TestLoadRefusesDamagedKey(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	arn := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	require.NoError(t, db.Bucket(bucketKeys).PutJSON(arn, keyRecord{Region: "us-east-1", ID: "1234abcd-12ab-34cd-56ef-1234567890ab",
		State: "Enabled", Material: []byte("short")}))
	s := New(Config{Logger: zaptest.NewLogger(t), DB: db})
	require.ErrorContains(t, s.LoadError(), "unusable record")
}

// TestMemoryModeWritesNothing: without a DB the service keeps no journal.
func TestMemoryModeWritesNothing(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	require.Nil(t, s.j)
	require.NoError(t, s.LoadError())
	kmsOK(t, s, "", "CreateKey", `{}`)
}
