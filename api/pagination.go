package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// Pagination tokens are opaque to clients: base64 of "<scope>\x00<offset>\x00<last key>"
// plus an HMAC under a per-process key, so a token from another list, another scope or a
// client's imagination is InvalidToken. The last key keeps pages stable when items before
// the position come or go.

const defaultPageSize = 100

func (s *Service) tokenKey() []byte { return s.pageKey[:] }

func (s *Service) makeToken(scope string, offset int, lastKey string) string {
	payload := scope + "\x00" + strconv.Itoa(offset) + "\x00" + lastKey
	mac := hmac.New(sha256.New, s.tokenKey())
	mac.Write([]byte(payload))
	sum := mac.Sum(nil)[:12]
	return base64.RawURLEncoding.EncodeToString(append(sum, payload...))
}

func (s *Service) readToken(scope, token string) (offset int, lastKey string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 12 {
		return 0, "", false
	}
	sum, payload := raw[:12], raw[12:]
	mac := hmac.New(sha256.New, s.tokenKey())
	mac.Write(payload)
	if !hmac.Equal(sum, mac.Sum(nil)[:12]) {
		return 0, "", false
	}
	f := strings.SplitN(string(payload), "\x00", 3)
	if len(f) != 3 || f[0] != scope {
		return 0, "", false
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 0 {
		return 0, "", false
	}
	return n, f[2], true
}

// paginate returns one page of items (already in list order) and the next token. key gives
// an item's unique sort key.
func paginate[T any](s *Service, scope string, items []T, key func(T) string, maxResults *int64, nextToken *string) ([]T, string, error) {
	size := defaultPageSize
	if maxResults != nil && *maxResults > 0 {
		size = int(*maxResults)
	}
	start := 0
	if nextToken != nil {
		off, last, ok := s.readToken(scope, *nextToken)
		if !ok {
			return nil, "", errInvalidPageToken()
		}
		start = off
		switch {
		case off > 0 && off <= len(items) && key(items[off-1]) == last:
		default:
			// The list changed: resume after the last item returned, wherever it is now.
			for i, it := range items {
				if key(it) == last {
					start = i + 1
					break
				}
			}
			if start > len(items) {
				start = len(items)
			}
		}
	}
	end := min(start+size, len(items))
	page := items[start:end]
	if end < len(items) && end > start {
		return page, s.makeToken(scope, end, key(items[end-1])), nil
	}
	return page, "", nil
}
