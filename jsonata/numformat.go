package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Integer and decimal picture formatting after XPath F&O 3.1 §4.6–4.7, as
// the reference implements it for $formatInteger, $parseInteger,
// $formatNumber and the date/time components.

type intPrimary uint8

const (
	fmtDecimal intPrimary = iota
	fmtLetters
	fmtRoman
	fmtWords
	fmtSequence
)

type caseMode uint8

const (
	caseLower caseMode = iota
	caseUpper
	caseTitle
)

type groupSep struct {
	position int
	char     string
}

type intFormat struct {
	primary         intPrimary
	cas             caseMode
	ordinal         bool
	zeroCode        rune
	mandatoryDigits int
	optionalDigits  int
	regular         int // grouping interval when regular
	regularChar     string
	separators      []groupSep // left to right when irregular
	token           string
}

var decimalGroups = []rune{0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10}

func digitZero(r rune) (rune, bool) {
	for _, g := range decimalGroups {
		if r >= g && r <= g+9 {
			return g, true
		}
	}
	return 0, false
}

func analyseIntegerPicture(picture string) (*intFormat, error) {
	f := &intFormat{primary: fmtDecimal, cas: caseLower}
	primary := picture
	if semi := strings.LastIndexByte(picture, ';'); semi >= 0 {
		primary = picture[:semi]
		mod := picture[semi+1:]
		if strings.HasPrefix(mod, "o") {
			f.ordinal = true
		}
	}
	switch primary {
	case "A":
		f.cas = caseUpper
		f.primary = fmtLetters
	case "a":
		f.primary = fmtLetters
	case "I":
		f.cas = caseUpper
		f.primary = fmtRoman
	case "i":
		f.primary = fmtRoman
	case "W":
		f.cas = caseUpper
		f.primary = fmtWords
	case "Ww":
		f.cas = caseTitle
		f.primary = fmtWords
	case "w":
		f.primary = fmtWords
	default:
		rs := []rune(primary)
		pos := 0
		var seps []groupSep
		var zero rune = -1
		for i := len(rs) - 1; i >= 0; i-- {
			r := rs[i]
			if z, ok := digitZero(r); ok {
				f.mandatoryDigits++
				pos++
				if zero < 0 {
					zero = z
				} else if z != zero {
					return nil, &Error{Code: "D3131"}
				}
				continue
			}
			if r == '#' {
				pos++
				f.optionalDigits++
				continue
			}
			seps = append(seps, groupSep{position: pos, char: string(r)})
		}
		if f.mandatoryDigits == 0 {
			f.primary = fmtSequence
			f.token = primary
			return f, nil
		}
		f.zeroCode = zero
		if reg := regularGrouping(seps); reg > 0 {
			f.regular = reg
			f.regularChar = seps[0].char
		} else {
			// left to right
			for i := len(seps) - 1; i >= 0; i-- {
				f.separators = append(f.separators, seps[i])
			}
		}
	}
	return f, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func regularGrouping(seps []groupSep) int {
	if len(seps) == 0 {
		return 0
	}
	for _, s := range seps[1:] {
		if s.char != seps[0].char {
			return 0
		}
	}
	factor := 0
	for _, s := range seps {
		factor = gcd(factor, s.position)
	}
	if factor == 0 {
		return 0
	}
	for i := 1; i <= len(seps); i++ {
		found := false
		for _, s := range seps {
			if s.position == i*factor {
				found = true
			}
		}
		if !found {
			return 0
		}
	}
	return factor
}

func formatIntegerWith(value float64, f *intFormat) (string, error) {
	neg := value < 0
	value = math.Abs(value)
	var s string
	switch f.primary {
	case fmtLetters:
		s = toLetters(int64(value), 'a')
		if f.cas == caseUpper {
			s = strings.ToUpper(s)
		}
	case fmtRoman:
		if value > maxStringBuild {
			return "", &Error{Code: "D1001", Value: value}
		}
		s = toRoman(int64(value))
		if f.cas != caseUpper {
			s = strings.ToLower(s)
		}
	case fmtWords:
		s = numberToWords(value, f.ordinal)
		switch f.cas {
		case caseUpper:
			s = strings.ToUpper(s)
		case caseLower:
			s = strings.ToLower(s)
		}
	case fmtSequence:
		return "", &Error{Code: "D3130", Value: f.token}
	default:
		digits := formatNumberJS(value)
		if strings.ContainsAny(digits, "e.") {
			digits = strconv.FormatFloat(value, 'f', 0, 64)
		}
		if len(digits) < f.mandatoryDigits {
			digits = strings.Repeat("0", f.mandatoryDigits-len(digits)) + digits
		}
		rs := []rune(digits)
		if f.zeroCode != '0' {
			for i, r := range rs {
				rs[i] = r - '0' + f.zeroCode
			}
		}
		out := string(rs)
		n := len(rs)
		if f.regular > 0 {
			var sb strings.Builder
			for i, r := range rs {
				if i > 0 && (n-i)%f.regular == 0 {
					sb.WriteString(f.regularChar)
				}
				sb.WriteRune(r)
			}
			out = sb.String()
		} else if len(f.separators) > 0 {
			cur := []rune(out)
			for _, sep := range f.separators {
				p := len(cur) - sep.position
				if p < 0 || p > len(cur) {
					continue
				}
				cur = append(cur[:p:p], append([]rune(sep.char), cur[p:]...)...)
			}
			out = string(cur)
		}
		if f.ordinal {
			iv := int64(value)
			m100, m10 := iv%100, iv%10
			suffix := "th"
			if m100 < 11 || m100 > 13 {
				switch m10 {
				case 1:
					suffix = "st"
				case 2:
					suffix = "nd"
				case 3:
					suffix = "rd"
				}
			}
			out += suffix
		}
		s = out
	}
	if neg {
		s = "-" + s
	}
	return s, nil
}

func toLetters(v int64, a rune) string {
	var out []rune
	for v > 0 {
		out = append([]rune{rune((v-1)%26) + a}, out...)
		v = (v - 1) / 26
	}
	return string(out)
}

func lettersToDecimal(s string, a rune) float64 {
	v := 0.0
	for _, r := range s {
		v = v*26 + float64(r-a+1)
	}
	return v
}

var romanNumerals = []struct {
	v int64
	s string
}{{1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"}, {50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}}

func toRoman(v int64) string {
	var sb strings.Builder
	for _, rn := range romanNumerals {
		for v >= rn.v {
			sb.WriteString(rn.s)
			v -= rn.v
		}
	}
	return sb.String()
}

func romanToDecimal(s string) float64 {
	vals := map[byte]int{'M': 1000, 'D': 500, 'C': 100, 'L': 50, 'X': 10, 'V': 5, 'I': 1}
	total, max := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		v := vals[s[i]]
		if v < max {
			total -= v
		} else {
			max = v
			total += v
		}
	}
	return float64(total)
}

var fewWords = []string{"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"}
var ordinalWords = []string{"Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"}
var decadeWords = []string{"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"}
var magnitudeWords = []string{"Thousand", "Million", "Billion", "Trillion"}

func numberToWords(v float64, ordinal bool) string {
	var lookup func(num float64, prev, ord bool) string
	lookup = func(num float64, prev, ord bool) string {
		words := ""
		num = math.Floor(num)
		switch {
		case num <= 19:
			if prev {
				words = " and "
			}
			if ord {
				words += ordinalWords[int(num)]
			} else {
				words += fewWords[int(num)]
			}
		case num < 100:
			tens := int(num) / 10
			rem := int(num) % 10
			if prev {
				words = " and "
			}
			words += decadeWords[tens-2]
			if rem > 0 {
				words += "-" + lookup(float64(rem), false, ord)
			} else if ord {
				words = words[:len(words)-1] + "ieth"
			}
		case num < 1000:
			h := int(num) / 100
			rem := int(num) % 100
			if prev {
				words = ", "
			}
			words += fewWords[h] + " Hundred"
			if rem > 0 {
				words += lookup(float64(rem), true, ord)
			} else if ord {
				words += "th"
			}
		default:
			mag := int(math.Floor(math.Log10(num) / 3))
			if mag > len(magnitudeWords) {
				mag = len(magnitudeWords)
			}
			factor := math.Pow(10, float64(mag*3))
			mant := math.Floor(num / factor)
			rem := num - mant*factor
			if prev {
				words = ", "
			}
			words += lookup(mant, false, false) + " " + magnitudeWords[mag-1]
			if rem > 0 {
				words += lookup(rem, true, ord)
			} else if ord {
				words += "th"
			}
		}
		return words
	}
	return lookup(v, false, ordinal)
}

var wordValues = func() map[string]float64 {
	m := map[string]float64{}
	for i, w := range fewWords {
		m[strings.ToLower(w)] = float64(i)
	}
	for i, w := range ordinalWords {
		m[strings.ToLower(w)] = float64(i)
	}
	for i, w := range decadeWords {
		lw := strings.ToLower(w)
		v := float64((i + 2) * 10)
		if i == 8 {
			v = 100
		}
		m[lw] = v
		if i == 8 {
			m[lw+"th"] = v
		} else {
			m[lw[:len(lw)-1]+"ieth"] = v
		}
	}
	for i, w := range magnitudeWords {
		lw := strings.ToLower(w)
		v := math.Pow(10, float64((i+1)*3))
		m[lw] = v
		m[lw+"th"] = v
	}
	return m
}()

var wordSplitRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`,\s|\sand\s|[\s\-]`) })

func wordsToNumber(text string) (float64, bool) {
	parts := wordSplitRe().Split(strings.ToLower(text), -1)
	segs := []float64{0}
	for _, p := range parts {
		if p == "" {
			continue
		}
		v, ok := wordValues[p]
		if !ok {
			return 0, false
		}
		if v < 100 {
			top := segs[len(segs)-1]
			segs = segs[:len(segs)-1]
			if top >= 1000 {
				segs = append(segs, top)
				top = 0
			}
			segs = append(segs, top+v)
		} else {
			segs[len(segs)-1] *= v
		}
	}
	t := 0.0
	for _, s := range segs {
		t += s
	}
	return t, true
}

// intMatcher returns a regex fragment matching a formatted integer and a
// parser for it.
func intMatcher(f *intFormat, n int) (string, func(string) (float64, bool), error) {
	switch f.primary {
	case fmtLetters:
		if f.cas == caseUpper {
			return "[A-Z]+", func(s string) (float64, bool) { return lettersToDecimal(strings.ToUpper(s), 'A'), true }, nil
		}
		return "[a-z]+", func(s string) (float64, bool) { return lettersToDecimal(strings.ToLower(s), 'a'), true }, nil
	case fmtRoman:
		if f.cas == caseUpper {
			return "[MDCLXVI]*", func(s string) (float64, bool) { return romanToDecimal(strings.ToUpper(s)), true }, nil
		}
		return "[mdclxvi]*", func(s string) (float64, bool) { return romanToDecimal(strings.ToUpper(s)), true }, nil
	case fmtWords:
		keys := make([]string, 0, len(wordValues))
		for k := range wordValues {
			keys = append(keys, k)
		}
		// longest first so alternation prefers whole words
		sortByLenDesc(keys)
		return "(?:" + strings.Join(keys, "|") + "|and|[\\-, ])+", wordsToNumber, nil
	case fmtDecimal:
		digitClass := "0-9"
		if f.zeroCode != '0' {
			digitClass = string(f.zeroCode) + "-" + string(f.zeroCode+9)
		}
		extra := ""
		if f.regular > 0 {
			extra = regexp.QuoteMeta(f.regularChar)
		}
		for _, s := range f.separators {
			extra += regexp.QuoteMeta(s.char)
		}
		occ := "+"
		if n > 0 && extra == "" {
			if f.optionalDigits == 0 {
				occ = "{" + strconv.Itoa(n) + "}"
			} else {
				occ = "{" + strconv.Itoa(max(n-f.optionalDigits, 1)) + "," + strconv.Itoa(n) + "}"
			}
		}
		re := "[" + digitClass + extra + "]" + occ
		if f.ordinal {
			re += "(?:th|st|nd|rd)"
		}
		return re, func(s string) (float64, bool) {
			if f.ordinal && len(s) >= 2 {
				s = s[:len(s)-2]
			}
			var sb strings.Builder
			for _, r := range s {
				if z, ok := digitZero(r); ok {
					sb.WriteRune(r - z + '0')
				}
			}
			v, err := strconv.ParseFloat(sb.String(), 64)
			return v, err == nil
		}, nil
	}
	return "", nil, &Error{Code: "D3130", Value: f.token}
}

func sortByLenDesc(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && (len(a[j]) > len(a[j-1]) || len(a[j]) == len(a[j-1]) && a[j] < a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func registerFormatFunctions() {
	def("formatInteger", "<n-s:s>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		v, ok := arg(a, 0).(float64)
		if !ok {
			return nil, nil
		}
		pic, _ := arg(a, 1).(string)
		f, err := analyseIntegerPicture(pic)
		if err != nil {
			return nil, err
		}
		return formatIntegerWith(math.Floor(v), f)
	})
	def("parseInteger", "<s-s:n>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		pic, _ := arg(a, 1).(string)
		f, err := analyseIntegerPicture(pic)
		if err != nil {
			return nil, err
		}
		re, parse, err := intMatcher(f, 0)
		if err != nil {
			return nil, err
		}
		rx, err := regexp.Compile("(?i)^" + re + "$")
		if err != nil || !rx.MatchString(s) {
			return nil, nil
		}
		v, ok := parse(s)
		if !ok {
			return nil, nil
		}
		return v, nil
	})
	def("formatBase", "<n-n?:s>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		v, ok := arg(a, 0).(float64)
		if !ok {
			return nil, nil
		}
		v = roundHalfEven(v, 0)
		radix := 10.0
		if r, ok := arg(a, 1).(float64); ok {
			radix = r
		}
		if radix < 2 || radix > 36 {
			return nil, &Error{Code: "D3100", Value: radix}
		}
		return strconv.FormatInt(int64(v), int(radix)), nil
	})
	def("formatNumber", "<n-so?:s>", 3, func(_ *evaluator, _ *call, a []any) (any, error) {
		v, ok := arg(a, 0).(float64)
		if !ok {
			return nil, nil
		}
		pic, _ := arg(a, 1).(string)
		opts, _ := arg(a, 2).(*object)
		return formatNumber(v, pic, opts)
	})
}

type decimalFormat struct {
	decimal, grouping, exponent, minus, percent, permille, zero, digit, pattern string
}

type subPicture struct {
	prefix, suffix, active, mantissa, integer, fraction, picture string
	exponent                                                     *string
}

func formatNumber(value float64, picture string, opts *object) (string, error) {
	p := decimalFormat{decimal: ".", grouping: ",", exponent: "e", minus: "-", percent: "%", permille: "\u2030", zero: "0", digit: "#", pattern: ";"}
	if opts != nil {
		set := func(k string, dst *string) {
			if s, ok := opts.val(k).(string); ok && s != "" {
				*dst = s
			}
		}
		set("decimal-separator", &p.decimal)
		set("grouping-separator", &p.grouping)
		set("exponent-separator", &p.exponent)
		set("minus-sign", &p.minus)
		set("percent", &p.percent)
		set("per-mille", &p.permille)
		set("zero-digit", &p.zero)
		set("digit", &p.digit)
		set("pattern-separator", &p.pattern)
	}
	zr, _ := utf8.DecodeRuneInString(p.zero)
	family := make([]string, 10)
	for i := range family {
		family[i] = string(zr + rune(i))
	}
	isDigit := func(c string) bool {
		r, _ := utf8.DecodeRuneInString(c)
		return r >= zr && r <= zr+9
	}
	active := map[string]bool{p.decimal: true, p.exponent: true, p.grouping: true, p.digit: true, p.pattern: true}
	isActive := func(c string) bool { return isDigit(c) || active[c] }
	subs := strings.Split(picture, p.pattern)
	if len(subs) > 2 {
		return "", &Error{Code: "D3080"}
	}
	chars := func(s string) []string {
		out := make([]string, 0, len(s))
		for _, r := range s {
			out = append(out, string(r))
		}
		return out
	}
	split := func(sub string) subPicture {
		cs := chars(sub)
		pre, suf := 0, len(cs)
		found := false
		for i, c := range cs {
			if isActive(c) && c != p.exponent {
				pre = i
				found = true
				break
			}
		}
		if found {
			for i := len(cs) - 1; i >= 0; i-- {
				if isActive(cs[i]) && cs[i] != p.exponent {
					suf = i + 1
					break
				}
			}
		} else {
			pre, suf = 0, len(cs)
		}
		sp := subPicture{picture: sub, prefix: strings.Join(cs[:pre], ""), suffix: strings.Join(cs[suf:], "")}
		sp.active = strings.Join(cs[pre:suf], "")
		ac := cs[pre:suf]
		expPos := -1
		for i, c := range ac {
			if c == p.exponent && i > 0 {
				// an exponent separator only counts between digits
				rest := strings.Join(ac[i+1:], "")
				if rest == "" || strings.IndexFunc(rest, func(r rune) bool { return !(r >= zr && r <= zr+9) && !active[string(r)] }) < 0 {
					expPos = i
					break
				}
			}
		}
		if expPos < 0 {
			sp.mantissa = sp.active
		} else {
			sp.mantissa = strings.Join(ac[:expPos], "")
			e := strings.Join(ac[expPos+1:], "")
			sp.exponent = &e
		}
		if d := strings.Index(sp.mantissa, p.decimal); d < 0 {
			sp.integer = sp.mantissa
			sp.fraction = ""
		} else {
			sp.integer = sp.mantissa[:d]
			sp.fraction = sp.mantissa[d+len(p.decimal):]
		}
		return sp
	}
	validate := func(sp subPicture) error {
		code := ""
		sub := sp.picture
		if strings.Count(sub, p.decimal) > 1 {
			code = "D3081"
		}
		if strings.Count(sub, p.percent) > 1 {
			code = "D3082"
		}
		if strings.Count(sub, p.permille) > 1 {
			code = "D3083"
		}
		if strings.Contains(sub, p.percent) && strings.Contains(sub, p.permille) {
			code = "D3084"
		}
		valid := false
		for _, c := range chars(sp.mantissa) {
			if isDigit(c) || c == p.digit {
				valid = true
				break
			}
		}
		if !valid {
			code = "D3085"
		}
		for _, c := range chars(sp.active) {
			if !isActive(c) {
				code = "D3086"
			}
		}
		if d := strings.Index(sub, p.decimal); d >= 0 {
			if strings.HasSuffix(sub[:d], p.grouping) || strings.HasPrefix(sub[d+len(p.decimal):], p.grouping) {
				code = "D3087"
			}
		} else if strings.HasSuffix(sp.integer, p.grouping) {
			code = "D3088"
		}
		if strings.Contains(sub, p.grouping+p.grouping) {
			code = "D3089"
		}
		if o := strings.Index(sp.integer, p.digit); o >= 0 {
			for _, c := range chars(sp.integer[:o]) {
				if isDigit(c) {
					code = "D3090"
				}
			}
		}
		if o := strings.LastIndex(sp.fraction, p.digit); o >= 0 {
			for _, c := range chars(sp.fraction[o:]) {
				if isDigit(c) {
					code = "D3091"
				}
			}
		}
		if sp.exponent != nil && len(*sp.exponent) > 0 && (strings.Contains(sub, p.percent) || strings.Contains(sub, p.permille)) {
			code = "D3092"
		}
		if sp.exponent != nil {
			if *sp.exponent == "" {
				code = "D3093"
			}
			for _, c := range chars(*sp.exponent) {
				if !isDigit(c) {
					code = "D3093"
				}
			}
		}
		if code != "" {
			return &Error{Code: code}
		}
		return nil
	}
	type analysis struct {
		intGroups           []int
		regular             int
		minInt, scaling     int
		fracGroups          []int
		minFrac, maxFrac    int
		minExp              int
		prefix, suffix, pic string
		hasExp              bool
	}
	countDigits := func(s string, opt bool) int {
		n := 0
		for _, c := range chars(s) {
			if isDigit(c) || (opt && c == p.digit) {
				n++
			}
		}
		return n
	}
	analyse := func(sp subPicture) analysis {
		var an analysis
		ic := chars(sp.integer)
		for i, c := range ic {
			if c == p.grouping {
				an.intGroups = append(an.intGroups, countDigits(strings.Join(ic[i:], ""), true))
			}
		}
		seps := make([]groupSep, len(an.intGroups))
		for i, g := range an.intGroups {
			seps[i] = groupSep{position: g, char: p.grouping}
		}
		an.regular = regularGrouping(seps)
		fc := chars(sp.fraction)
		for i, c := range fc {
			if c == p.grouping {
				an.fracGroups = append(an.fracGroups, countDigits(strings.Join(fc[:i], ""), true))
			}
		}
		an.minInt = countDigits(sp.integer, false)
		an.scaling = an.minInt
		an.minFrac = countDigits(sp.fraction, false)
		an.maxFrac = countDigits(sp.fraction, true)
		an.hasExp = sp.exponent != nil
		if an.minInt == 0 && an.maxFrac == 0 {
			if an.hasExp {
				an.minFrac, an.maxFrac = 1, 1
			} else {
				an.minInt = 1
			}
		}
		if an.hasExp && an.minInt == 0 && strings.Contains(sp.integer, p.digit) {
			an.minInt = 1
		}
		if an.minInt == 0 && an.minFrac == 0 {
			an.minFrac = 1
		}
		if an.hasExp {
			an.minExp = countDigits(*sp.exponent, false)
		}
		an.prefix, an.suffix, an.pic = sp.prefix, sp.suffix, sp.picture
		return an
	}
	var ans []analysis
	for _, s := range subs {
		sp := split(s)
		if err := validate(sp); err != nil {
			return "", err
		}
		ans = append(ans, analyse(sp))
	}
	if len(ans) == 1 {
		neg := ans[0]
		neg.prefix = p.minus + neg.prefix
		ans = append(ans, neg)
	}
	pic := ans[0]
	if value < 0 {
		pic = ans[1]
	}
	adj := value
	if strings.Contains(pic.pic, p.percent) {
		adj = value * 100
	} else if strings.Contains(pic.pic, p.permille) {
		adj = value * 1000
	}
	mantissa := adj
	exponent := 0
	if pic.minExp > 0 || pic.hasExp {
		mantissa = math.Abs(adj)
		maxM := math.Pow(10, float64(pic.scaling))
		minM := math.Pow(10, float64(pic.scaling-1))
		if mantissa != 0 {
			for mantissa < minM {
				mantissa *= 10
				exponent--
			}
			for mantissa > maxM {
				mantissa /= 10
				exponent++
			}
		}
	}
	rounded := roundHalfEven(mantissa, pic.maxFrac)
	toDigits := func(v float64, dp int) string {
		s := strconv.FormatFloat(math.Abs(v), 'f', dp, 64)
		if p.zero != "0" {
			var sb strings.Builder
			for _, r := range s {
				if r >= '0' && r <= '9' {
					sb.WriteString(family[r-'0'])
				} else {
					sb.WriteRune(r)
				}
			}
			s = sb.String()
		}
		return s
	}
	sv := toDigits(rounded, pic.maxFrac)
	if i := strings.IndexByte(sv, '.'); i < 0 {
		sv += p.decimal
	} else {
		sv = sv[:i] + p.decimal + sv[i+1:]
	}
	for strings.HasPrefix(sv, p.zero) {
		sv = sv[len(p.zero):]
	}
	for strings.HasSuffix(sv, p.zero) {
		sv = sv[:len(sv)-len(p.zero)]
	}
	rs := []rune(sv)
	dec := []rune(p.decimal)[0]
	decPos := indexRune(rs, dec)
	padL := pic.minInt - decPos
	padR := pic.minFrac - (len(rs) - decPos - 1)
	zrs := []rune(p.zero)[0]
	if padL > 0 {
		rs = append([]rune(strings.Repeat(string(zrs), padL)), rs...)
	}
	if padR > 0 {
		rs = append(rs, []rune(strings.Repeat(string(zrs), padR))...)
	}
	decPos = indexRune(rs, dec)
	grp := []rune(p.grouping)
	insert := func(at int) {
		rs = append(rs[:at:at], append(append([]rune(nil), grp...), rs[at:]...)...)
	}
	if pic.regular > 0 {
		groups := (decPos - 1) / pic.regular
		for g := 1; g <= groups; g++ {
			insert(decPos - g*pic.regular)
		}
	} else {
		for _, pos := range pic.intGroups {
			if decPos-pos >= 0 {
				insert(decPos - pos)
				decPos += len(grp)
			}
		}
	}
	decPos = indexRune(rs, dec)
	for _, pos := range pic.fracGroups {
		if at := pos + decPos + 1; at <= len(rs) {
			insert(at)
		}
	}
	decPos = indexRune(rs, dec)
	if decPos == len(rs)-1 {
		rs = rs[:len(rs)-1]
	}
	out := string(rs)
	if pic.hasExp {
		es := toDigits(float64(exponent), 0)
		if pad := pic.minExp - utf8.RuneCountInString(es); pad > 0 {
			es = strings.Repeat(p.zero, pad) + es
		}
		sign := ""
		if exponent < 0 {
			sign = p.minus
		}
		out += p.exponent + sign + es
	}
	return pic.prefix + out + pic.suffix, nil
}

func indexRune(rs []rune, r rune) int {
	for i, x := range rs {
		if x == r {
			return i
		}
	}
	return -1
}
