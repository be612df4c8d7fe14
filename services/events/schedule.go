package events

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// schedule is a parsed ScheduleExpression: rate(N unit) or cron(min hour dom month dow year)
// in UTC, AWS's six-field form with ?, L, W and #.
type schedule struct {
	every time.Duration // rate()
	cron  *cronSpec
}

func errSchedule() *Error { return errValidation("Parameter ScheduleExpression is not valid.") }

func parseSchedule(expr string) (*schedule, error) {
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		f := strings.Fields(expr[5 : len(expr)-1])
		if len(f) != 2 {
			return nil, errSchedule()
		}
		n, err := strconv.Atoi(f[0])
		if err != nil || n <= 0 {
			return nil, errSchedule()
		}
		units := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour, "hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}
		u, ok := units[f[1]]
		// AWS wants the singular unit for 1 and the plural otherwise.
		if !ok || (n == 1) != !strings.HasSuffix(f[1], "s") {
			return nil, errSchedule()
		}
		return &schedule{every: time.Duration(n) * u}, nil
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		c, err := parseCron(expr[5 : len(expr)-1])
		if err != nil {
			return nil, errSchedule()
		}
		return &schedule{cron: c}, nil
	}
	return nil, errSchedule()
}

// next returns the first firing time strictly after t (zero when there is none).
func (s *schedule) next(created, t time.Time) time.Time {
	if s.every > 0 {
		n := t.Sub(created)/s.every + 1
		return created.Add(n * s.every)
	}
	return s.cron.next(t)
}

type cronField struct {
	any     bool
	set     map[int]bool
	last    bool // L (day of month: last day; day of week: with n, last <n> of the month)
	lastDOW int  // nL in day of week, 1-7
	weekday int  // nW: nearest weekday to day n
	nth     [2]int
}

type cronSpec struct {
	min, hour, dom, mon, dow, year cronField
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func parseCron(s string) (*cronSpec, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron needs six fields")
	}
	var c cronSpec
	var err error
	if c.min, err = parseCronField(f[0], 0, 59, nil, false); err != nil {
		return nil, err
	}
	if c.hour, err = parseCronField(f[1], 0, 23, nil, false); err != nil {
		return nil, err
	}
	if c.dom, err = parseCronField(f[2], 1, 31, nil, true); err != nil {
		return nil, err
	}
	if c.mon, err = parseCronField(f[3], 1, 12, monthNames, false); err != nil {
		return nil, err
	}
	if c.dow, err = parseCronField(f[4], 1, 7, dayNames, true); err != nil {
		return nil, err
	}
	if c.year, err = parseCronField(f[5], 1970, 2199, nil, false); err != nil {
		return nil, err
	}
	// One of day-of-month and day-of-week must be ?.
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("one of day-of-month and day-of-week must be ?")
	}
	return &c, nil
}

func parseCronField(s string, lo, hi int, names map[string]int, day bool) (cronField, error) {
	fd := cronField{set: map[int]bool{}}
	if s == "*" || (day && s == "?") {
		fd.any = true
		return fd, nil
	}
	num := func(x string) (int, error) {
		if n, ok := names[strings.ToUpper(x)]; ok {
			return n, nil
		}
		n, err := strconv.Atoi(x)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("bad value %q", x)
		}
		return n, nil
	}
	if day {
		switch {
		case s == "L":
			fd.last = true
			return fd, nil
		case lo == 1 && hi == 31 && strings.HasSuffix(s, "W"):
			n, err := num(strings.TrimSuffix(s, "W"))
			fd.weekday = n
			return fd, err
		case hi == 7 && strings.HasSuffix(s, "L"):
			n, err := num(strings.TrimSuffix(s, "L"))
			fd.lastDOW = n
			return fd, err
		case hi == 7 && strings.Contains(s, "#"):
			a, b, _ := strings.Cut(s, "#")
			d, err := num(a)
			if err != nil {
				return fd, err
			}
			k, err := strconv.Atoi(b)
			if err != nil || k < 1 || k > 5 {
				return fd, fmt.Errorf("bad #")
			}
			fd.nth = [2]int{d, k}
			return fd, nil
		}
	}
	for _, part := range strings.Split(s, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n <= 0 {
				return fd, fmt.Errorf("bad step")
			}
			step = n
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var err error
			if a, err = num(x); err != nil {
				return fd, err
			}
			if b, err = num(y); err != nil {
				return fd, err
			}
		default:
			n, err := num(rng)
			if err != nil {
				return fd, err
			}
			a = n
			if !hasStep {
				b = n
			}
		}
		if a > b {
			// a wrapping range such as FRI-MON or 22-2
			for v := a; v <= hi; v += step {
				fd.set[v] = true
			}
			for v := lo; v <= b; v += step {
				fd.set[v] = true
			}
			continue
		}
		for v := a; v <= b; v += step {
			fd.set[v] = true
		}
	}
	return fd, nil
}

func (f cronField) has(v int) bool { return f.any || f.set[v] }

// dayMatches tells whether day d (a date in UTC) matches the day-of-month and day-of-week
// fields.
func (c *cronSpec) dayMatches(d time.Time) bool {
	y, m, day := d.Date()
	lastDay := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	dow := int(d.Weekday()) + 1 // SUN=1
	domOK := false
	switch {
	case c.dom.any:
		domOK = true
	case c.dom.last:
		domOK = day == lastDay
	case c.dom.weekday > 0:
		target := min(c.dom.weekday, lastDay)
		t := time.Date(y, m, target, 0, 0, 0, 0, time.UTC)
		switch t.Weekday() {
		case time.Saturday:
			if target == 1 {
				target += 2
			} else {
				target--
			}
		case time.Sunday:
			if target == lastDay {
				target -= 2
			} else {
				target++
			}
		}
		domOK = day == target
	default:
		domOK = c.dom.set[day]
	}
	dowOK := false
	switch {
	case c.dow.any:
		dowOK = true
	case c.dow.lastDOW > 0:
		dowOK = dow == c.dow.lastDOW && day+7 > lastDay
	case c.dow.nth[0] > 0:
		dowOK = dow == c.dow.nth[0] && (day-1)/7+1 == c.dow.nth[1]
	case c.dow.last:
		dowOK = dow == 7
	default:
		dowOK = c.dow.set[dow]
	}
	return domOK && dowOK
}

// next finds the first minute after t that matches, searching up to the field's last year.
func (c *cronSpec) next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for i := 0; i < 366*230 && day.Year() <= 2199; i++ {
		if c.year.has(day.Year()) && c.mon.has(int(day.Month())) && c.dayMatches(day) {
			for h := 0; h < 24; h++ {
				if !c.hour.has(h) {
					continue
				}
				for m := 0; m < 60; m++ {
					if !c.min.has(m) {
						continue
					}
					at := day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
					if !at.Before(t) {
						return at
					}
				}
			}
		}
		if !c.year.any && day.Year() > maxKey(c.year.set) {
			break
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}
}

func maxKey(m map[int]bool) int {
	x := 0
	for k := range m {
		x = max(x, k)
	}
	return x
}

// armLocked (re)starts the schedule of r when it has one and is enabled. s.mu must be held.
func (s *Service) armLocked(r *Rule) {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.gen++
	if r.sched == nil || r.State == "DISABLED" {
		return
	}
	now := s.cfg.Clock.Now()
	at := r.sched.next(r.created, now)
	if at.IsZero() {
		return
	}
	gen := r.gen
	r.timer = s.cfg.Clock.AfterFunc(at.Sub(now), func() { s.fire(r, gen, at) })
}

// fire sends the "Scheduled Event" of r to its targets and arms the next firing.
func (s *Service) fire(r *Rule, gen uint64, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buses[r.EventBusName]
	if !ok || b.rules[r.Name] != r || r.gen != gen {
		return
	}
	ev := Event{
		EventID: newEventID(), EventBusName: r.EventBusName, Source: "aws.events", DetailType: "Scheduled Event",
		Detail: "{}", Resources: []string{r.Arn}, Time: at.UTC().Truncate(time.Second), Account: s.cfg.AccountID, Region: s.cfg.Region,
	}
	s.cfg.Logger.Debug("scheduled rule fired", zap.String("rule_arn", r.Arn), zap.Time("at", at))
	text := eventJSON(ev)
	s.dispatchLocked(r, b.targets[r.Name], text, decodeObject(text), ev.Time, 0)
	s.armLocked(r)
}
