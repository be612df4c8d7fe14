package awsproto

// NameOK says whether s is min to max bytes long and made of ASCII letters, digits and the
// bytes in extra: the shape of most AWS resource names (`^[A-Za-z0-9_-]{1,255}$`). It stands
// in for such counted regular expressions, which compile to one copy of the class per count
// (about 0.4 ms for {1,255}, paid at start-up where a default cluster or queue is created).
func NameOK(s string, min, max int, extra string) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !alnum(s[i]) && !inSet(s[i], extra) {
			return false
		}
	}
	return true
}

// StartsAlnum says whether s begins with an ASCII letter or digit.
func StartsAlnum(s string) bool { return s != "" && alnum(s[0]) }

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func inSet(c byte, set string) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}
