package interpreter

import "unicode/utf8"

// quotedLen is the length in bytes of s as a JSON string in the payloads AWS measures against
// the 256 KiB limit: UTF-8, quotes and escapes included (as task.Encode, value.AppendString,
// writes it: no HTML escaping, U+2028 and U+2029 as they are, as Jackson does; \u escapes for
// the other controls and invalid bytes).
func quotedLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}
