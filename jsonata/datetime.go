package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Date/time picture strings after XPath F&O 3.1 §9.8, as the reference
// implements them for $fromMillis, $toMillis and $now.

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
var dayNames = []string{"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

var defaultPresentation = map[byte]string{'Y': "1", 'M': "1", 'D': "1", 'd': "1", 'F': "n", 'W': "1", 'w': "1", 'X': "1", 'x': "1", 'H': "1", 'h': "1", 'P': "n", 'm': "01", 's': "01", 'f': "1", 'Z': "01:01", 'z': "01:01", 'C': "n", 'E': "n"}

type dtPart struct {
	literal   string
	isMarker  bool
	component byte
	pres1     string
	pres2     string
	names     caseMode
	hasNames  bool
	intFmt    *intFormat
	widthMin  int
	widthMax  int
	n         int
}

func analyseDateTimePicture(picture string) ([]dtPart, error) {
	var parts []dtPart
	addLiteral := func(s string) {
		if s != "" {
			parts = append(parts, dtPart{literal: strings.ReplaceAll(s, "]]", "]")})
		}
	}
	start, pos := 0, 0
	for pos < len(picture) {
		if picture[pos] != '[' {
			pos++
			continue
		}
		if pos+1 < len(picture) && picture[pos+1] == '[' {
			addLiteral(picture[start:pos])
			parts = append(parts, dtPart{literal: "["})
			pos += 2
			start = pos
			continue
		}
		addLiteral(picture[start:pos])
		end := strings.IndexByte(picture[pos:], ']')
		if end < 0 {
			return nil, &Error{Code: "D3135"}
		}
		marker := strings.Join(strings.Fields(picture[pos+1:pos+end]), "")
		pos += end
		if marker == "" {
			return nil, &Error{Code: "D3132", Value: ""}
		}
		d := dtPart{isMarker: true, component: marker[0], widthMin: -1, widthMax: -1, n: -1}
		pres := marker[1:]
		if comma := strings.LastIndexByte(marker, ','); comma >= 0 {
			w := marker[comma+1:]
			pres = marker[1:comma]
			minS, maxS, hasMax := strings.Cut(w, "-")
			if v, err := strconv.Atoi(minS); err == nil {
				d.widthMin = v
			}
			if hasMax {
				if v, err := strconv.Atoi(maxS); err == nil {
					d.widthMax = v
				}
			}
		}
		if len(pres) == 1 {
			d.pres1 = pres
		} else if len(pres) > 1 {
			last := pres[len(pres)-1]
			if strings.IndexByte("atco", last) >= 0 {
				d.pres2 = string(last)
				d.pres1 = pres[:len(pres)-1]
			} else {
				d.pres1 = pres
			}
		} else {
			p, ok := defaultPresentation[d.component]
			if !ok {
				return nil, &Error{Code: "D3132", Value: string(d.component)}
			}
			d.pres1 = p
		}
		if _, ok := defaultPresentation[d.component]; !ok {
			return nil, &Error{Code: "D3132", Value: string(d.component)}
		}
		switch {
		case d.pres1[0] == 'n':
			d.hasNames, d.names = true, caseLower
		case d.pres1[0] == 'N':
			d.hasNames, d.names = true, caseUpper
			if len(d.pres1) > 1 && d.pres1[1] == 'n' {
				d.names = caseTitle
			}
		case strings.IndexByte("YMDdFWwXxHhmsf", d.component) >= 0:
			ip := d.pres1
			if d.pres2 != "" {
				ip += ";" + d.pres2
			}
			f, err := analyseIntegerPicture(ip)
			if err != nil {
				return nil, err
			}
			d.intFmt = f
			if d.widthMin > 0 && f.mandatoryDigits < d.widthMin {
				f.mandatoryDigits = d.widthMin
			}
			if strings.IndexByte("YMDdFWwXxHhms", d.component) >= 0 {
				if d.widthMax > 0 {
					d.n = d.widthMax
					f.mandatoryDigits = d.n
				} else if w := f.mandatoryDigits + f.optionalDigits; w >= 2 {
					d.n = w
				}
			}
		}
		if d.component == 'Z' || d.component == 'z' {
			f, err := analyseIntegerPicture(d.pres1)
			if err != nil {
				return nil, err
			}
			d.intFmt = f
		}
		parts = append(parts, d)
		pos++
		start = pos
	}
	addLiteral(picture[start:])
	return parts, nil
}

const dayMillis = 86400000

func utcMillis(y, m, d int) int64 {
	return time.Date(y, time.Month(m+1), d, 0, 0, 0, 0, time.UTC).UnixMilli()
}

// startOfFirstWeek is the Monday of the week containing the first
// Thursday of the given month (ISO 8601, extended by XPath to months).
func startOfFirstWeek(y, m int) int64 {
	first := utcMillis(y, m, 1)
	dow := int(time.UnixMilli(first).UTC().Weekday())
	if dow == 0 {
		dow = 7
	}
	if dow > 4 {
		return first + int64(8-dow)*dayMillis
	}
	return first - int64(dow-1)*dayMillis
}

func deltaWeeks(start, end int64) float64 {
	return float64(end-start)/(dayMillis*7) + 1
}

func dateFragment(t time.Time, c byte) any {
	switch c {
	case 'Y':
		return float64(t.Year())
	case 'M':
		return float64(t.Month())
	case 'D':
		return float64(t.Day())
	case 'd':
		return float64(t.YearDay())
	case 'F':
		d := int(t.Weekday())
		if d == 0 {
			d = 7
		}
		return float64(d)
	case 'W':
		y := t.Year()
		s1 := startOfFirstWeek(y, 0)
		today := utcMillis(y, int(t.Month())-1, t.Day())
		week := deltaWeeks(s1, today)
		if week > 52 {
			if today >= startOfFirstWeek(y+1, 0) {
				week = 1
			}
		} else if week < 1 {
			week = deltaWeeks(startOfFirstWeek(y-1, 0), today)
		}
		return math.Floor(week)
	case 'X':
		y := t.Year()
		now := t.UnixMilli()
		if now < startOfFirstWeek(y, 0) {
			return float64(y - 1)
		} else if now >= startOfFirstWeek(y+1, 0) {
			return float64(y + 1)
		}
		return float64(y)
	case 'w':
		y, m := t.Year(), int(t.Month())-1
		s1 := startOfFirstWeek(y, m)
		today := utcMillis(y, m, t.Day())
		week := deltaWeeks(s1, today)
		if week > 4 {
			ny, nm := y, m+1
			if nm > 11 {
				ny, nm = y+1, 0
			}
			if today >= startOfFirstWeek(ny, nm) {
				week = 1
			}
		} else if week < 1 {
			py, pm := y, m-1
			if pm < 0 {
				py, pm = y-1, 11
			}
			week = deltaWeeks(startOfFirstWeek(py, pm), today)
		}
		return math.Floor(week)
	case 'x':
		y, m := t.Year(), int(t.Month())-1
		now := t.UnixMilli()
		ny, nm := y, m+1
		if nm > 11 {
			ny, nm = y+1, 0
		}
		if now < startOfFirstWeek(y, m) {
			pm := m - 1
			if pm < 0 {
				pm = 11
			}
			return float64(pm + 1)
		} else if now >= startOfFirstWeek(ny, nm) {
			return float64(nm + 1)
		}
		return float64(m + 1)
	case 'H':
		return float64(t.Hour())
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return float64(h)
	case 'P':
		if t.Hour() >= 12 {
			return "pm"
		}
		return "am"
	case 'm':
		return float64(t.Minute())
	case 's':
		return float64(t.Second())
	case 'f':
		return float64(t.Nanosecond() / 1e6)
	case 'C', 'E':
		return "ISO"
	}
	return nil
}

func applyCase(s string, c caseMode) string {
	switch c {
	case caseUpper:
		return strings.ToUpper(s)
	case caseLower:
		return strings.ToLower(s)
	}
	return s
}

var isoPicture = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"

func formatDateTime(millis float64, picture *string, timezone *string) (string, error) {
	offH, offM := 0, 0
	if timezone != nil {
		tz := *timezone
		num := strings.TrimLeft(tz, "+-")
		v, err := strconv.Atoi(num)
		if err == nil {
			if strings.HasPrefix(tz, "-") {
				v = -v
			}
			offH = v / 100
			offM = v % 100
		}
	}
	pic := isoPicture
	if picture != nil {
		pic = *picture
	}
	parts, err := analyseDateTimePicture(pic)
	if err != nil {
		return "", err
	}
	offMillis := int64((60*offH + offM) * 60 * 1000)
	t := time.UnixMilli(int64(math.Floor(millis)) + offMillis).UTC()
	var sb strings.Builder
	for _, p := range parts {
		if !p.isMarker {
			sb.WriteString(p.literal)
			continue
		}
		s, err := formatDateComponent(t, p, offH, offM)
		if err != nil {
			return "", err
		}
		sb.WriteString(s)
	}
	return sb.String(), nil
}

func formatDateComponent(t time.Time, p dtPart, offH, offM int) (string, error) {
	v := dateFragment(t, p.component)
	switch {
	case strings.IndexByte("YMDdFWwXxHhms", p.component) >= 0:
		f := v.(float64)
		if p.component == 'Y' && p.n > 0 {
			f = math.Mod(f, math.Pow(10, float64(p.n)))
		}
		if p.hasNames {
			var name string
			switch p.component {
			case 'M', 'x':
				name = monthNames[int(f)-1]
			case 'F':
				name = dayNames[int(f)]
			default:
				return "", &Error{Code: "D3133", Value: string(p.component)}
			}
			name = applyCase(name, p.names)
			if p.widthMax > 0 && len(name) > p.widthMax {
				name = name[:p.widthMax]
			}
			return name, nil
		}
		return formatIntegerWith(f, p.intFmt)
	case p.component == 'f':
		return formatIntegerWith(v.(float64), p.intFmt)
	case p.component == 'Z' || p.component == 'z':
		offset := offH*100 + offM
		var s string
		var err error
		if p.intFmt.regular > 0 {
			s, err = formatIntegerWith(float64(offset), p.intFmt)
		} else {
			switch nd := p.intFmt.mandatoryDigits; {
			case nd == 1 || nd == 2:
				s, err = formatIntegerWith(float64(offH), p.intFmt)
				if offM != 0 {
					mf, _ := analyseIntegerPicture("00")
					ms, _ := formatIntegerWith(float64(offM), mf)
					s += ":" + ms
				}
			case nd == 3 || nd == 4:
				s, err = formatIntegerWith(float64(offset), p.intFmt)
			default:
				return "", &Error{Code: "D3134", Value: float64(nd)}
			}
		}
		if err != nil {
			return "", err
		}
		if offset >= 0 {
			s = "+" + s
		}
		if p.component == 'z' {
			s = "GMT" + s
		}
		if offset == 0 && p.pres2 == "t" {
			s = "Z"
		}
		return s, nil
	case p.component == 'P':
		s := v.(string)
		if p.hasNames && p.names == caseUpper {
			s = strings.ToUpper(s)
		}
		return s, nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", nil
}

var iso8601Re = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$`)
})

// parseISO is Date.parse for the ISO 8601 forms the regex admits (times
// without an offset are taken as UTC).
func parseISO(s string) (float64, bool) {
	layouts := []string{
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05",
		"2006-01-02", "2006-01", "2006",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return float64(t.UnixMilli()), true
		}
	}
	return 0, false
}

type dtMatcher struct {
	regex     string
	component byte
	parse     func(string) (float64, bool)
}

func parseDateTime(ev *evaluator, timestamp, picture string) (any, error) {
	parts, err := analyseDateTimePicture(picture)
	if err != nil {
		return nil, err
	}
	var ms []dtMatcher
	for _, p := range parts {
		if !p.isMarker {
			ms = append(ms, dtMatcher{regex: regexp.QuoteMeta(p.literal)})
			continue
		}
		m := dtMatcher{component: p.component}
		switch {
		case p.component == 'Z' || p.component == 'z':
			sep := ""
			if p.intFmt.regular > 0 {
				sep = p.intFmt.regularChar
			}
			re := ""
			if p.component == 'z' {
				re = "GMT"
			}
			re += "[-+][0-9]+"
			if sep != "" {
				re += regexp.QuoteMeta(sep) + "[0-9]+"
			}
			m.regex = re
			comp := p.component
			m.parse = func(v string) (float64, bool) {
				if comp == 'z' {
					v = v[3:]
				}
				h, mi := 0, 0
				if sep != "" && strings.Contains(v, sep) {
					i := strings.Index(v, sep)
					h, _ = strconv.Atoi(v[:i])
					mi, _ = strconv.Atoi(v[i+len(sep):])
				} else if len(v)-1 <= 2 {
					h, _ = strconv.Atoi(v)
				} else {
					h, _ = strconv.Atoi(v[:3])
					mi, _ = strconv.Atoi(v[3:])
				}
				if h < 0 {
					mi = -mi
				}
				return float64(h*60 + mi), true
			}
		case p.component == 'f' && p.intFmt != nil && p.intFmt.primary == fmtDecimal:
			m.regex = "[0-9]+"
			m.parse = func(v string) (float64, bool) {
				f, err := strconv.ParseFloat("0."+v, 64)
				return math.Floor(f * 1000), err == nil
			}
		case p.intFmt != nil:
			re, parse, err := intMatcher(p.intFmt, p.n)
			if err != nil {
				return nil, err
			}
			m.regex, m.parse = re, parse
		default:
			m.regex = "[a-zA-Z]+"
			lookup := map[string]float64{}
			switch p.component {
			case 'M', 'x':
				for i, n := range monthNames {
					if p.widthMax > 0 && len(n) > p.widthMax {
						n = n[:p.widthMax]
					}
					lookup[strings.ToLower(n)] = float64(i + 1)
				}
			case 'F':
				for i, n := range dayNames[1:] {
					if p.widthMax > 0 && len(n) > p.widthMax {
						n = n[:p.widthMax]
					}
					lookup[strings.ToLower(n)] = float64(i + 1)
				}
			case 'P':
				lookup = map[string]float64{"am": 0, "pm": 1}
			default:
				return nil, &Error{Code: "D3133", Value: string(p.component)}
			}
			m.parse = func(v string) (float64, bool) {
				x, ok := lookup[strings.ToLower(v)]
				return x, ok
			}
		}
		ms = append(ms, m)
	}
	var sb strings.Builder
	sb.WriteString("(?i)^")
	for _, m := range ms {
		sb.WriteString("(" + m.regex + ")")
	}
	sb.WriteString("$")
	rx, err := regexp.Compile(sb.String())
	if err != nil {
		return nil, nil
	}
	info := rx.FindStringSubmatch(timestamp)
	if info == nil {
		return nil, nil
	}
	comps := map[byte]float64{}
	for i, m := range ms {
		if m.parse == nil {
			continue
		}
		v, ok := m.parse(info[i+1])
		if ok {
			comps[m.component] = v
		}
	}
	if len(comps) == 0 {
		return nil, nil
	}
	maskOf := func(order string) int {
		mask := 0
		for i := 0; i < len(order); i++ {
			mask <<= 1
			if _, ok := comps[order[i]]; ok {
				mask++
			}
		}
		return mask
	}
	isType := func(typ, mask int) bool { return ^typ&mask == 0 && typ&mask != 0 }
	dm := maskOf("YXMxWwdD")
	dateA := isType(161, dm)
	dateB := !dateA && isType(130, dm)
	dateC := isType(84, dm)
	dateD := !dateC && isType(72, dm)
	tm := maskOf("PHhmsf")
	timeA := isType(23, tm)
	timeB := !timeA && isType(47, tm)
	dateComps := "YMD"
	switch {
	case dateB:
		dateComps = "Yd"
	case dateC:
		dateComps = "XxwF"
	case dateD:
		dateComps = "XWF"
	}
	timeComps := "Hmsf"
	if timeB {
		timeComps = "Phmsf"
	}
	now := ev.timestamp()
	startSpecified, endSpecified := false, false
	for _, c := range []byte(dateComps + timeComps) {
		if _, ok := comps[c]; !ok {
			if startSpecified {
				if strings.IndexByte("MDd", c) >= 0 {
					comps[c] = 1
				} else {
					comps[c] = 0
				}
				endSpecified = true
			} else {
				if f, ok := dateFragment(now, c).(float64); ok {
					comps[c] = f
				} else if c == 'P' {
					if now.Hour() >= 12 {
						comps[c] = 1
					} else {
						comps[c] = 0
					}
				}
			}
		} else {
			startSpecified = true
			if endSpecified {
				return nil, &Error{Code: "D3136"}
			}
		}
	}
	if comps['M'] > 0 {
		comps['M']--
	} else {
		comps['M'] = 0
	}
	if dateB {
		d := time.Date(int(comps['Y']), 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(comps['d'])-1)
		comps['M'] = float64(d.Month() - 1)
		comps['D'] = float64(d.Day())
	}
	if dateC || dateD {
		return nil, &Error{Code: "D3136"}
	}
	if timeB {
		h := comps['h']
		if h == 12 {
			h = 0
		}
		if comps['P'] == 1 {
			h += 12
		}
		comps['H'] = h
	}
	t := time.Date(int(comps['Y']), time.Month(int(comps['M'])+1), int(comps['D']), int(comps['H']), int(comps['m']), int(comps['s']), int(comps['f'])*1e6, time.UTC)
	millis := float64(t.UnixMilli())
	if z, ok := comps['Z']; ok {
		millis -= z * 60 * 1000
	} else if z, ok := comps['z']; ok {
		millis -= z * 60 * 1000
	}
	return millis, nil
}

func (ev *evaluator) timestamp() time.Time {
	if !ev.nowSet {
		ev.now = time.Now().UTC()
		ev.nowSet = true
	}
	return ev.now.UTC()
}

func optString(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

func registerDateFunctions() {
	def("now", "<s?s?:s>", 2, func(ev *evaluator, _ *call, a []any) (any, error) {
		ms := float64(ev.timestamp().UnixMilli())
		return formatDateTime(ms, optString(arg(a, 0)), optString(arg(a, 1)))
	})
	def("millis", "<:n>", 0, func(ev *evaluator, _ *call, a []any) (any, error) {
		return float64(ev.timestamp().UnixMilli()), nil
	})
	def("fromMillis", "<n-s?s?:s>", 3, func(_ *evaluator, _ *call, a []any) (any, error) {
		v, ok := arg(a, 0).(float64)
		if !ok {
			return nil, nil
		}
		return formatDateTime(v, optString(arg(a, 1)), optString(arg(a, 2)))
	})
	def("toMillis", "<s-s?:n>", 2, func(ev *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		if pic, ok := arg(a, 1).(string); ok {
			return parseDateTime(ev, s, pic)
		}
		if !iso8601Re().MatchString(s) {
			return nil, &Error{Code: "D3110", Value: s}
		}
		v, ok := parseISO(s)
		if !ok {
			return nil, &Error{Code: "D3110", Value: s}
		}
		return v, nil
	})
}
