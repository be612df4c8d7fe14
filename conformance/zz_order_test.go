package conformance

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

func orderDiff(want, got any, path string, out *[]string) {
	switch w := want.(type) {
	case string:
		if g, ok := got.(string); ok {
			wv, err1 := value.Decode([]byte(w))
			gv, err2 := value.Decode([]byte(g))
			if err1 == nil && err2 == nil {
				if _, ok := wv.(*value.Object); ok {
					orderDiff(wv, gv, path, out)
				}
			}
			return
		}
		if wv, err := value.Decode([]byte(w)); err == nil {
			orderDiff(wv, got, path, out)
		}
	case *value.Object:
		if gs, ok := got.(string); ok {
			gv, err := value.Decode([]byte(gs))
			if err != nil {
				return
			}
			got = gv
		}
		g, ok := got.(*value.Object)
		if !ok {
			return
		}
		wk, gk := w.Keys(), g.Keys()
		a, b := append([]string(nil), wk...), append([]string(nil), gk...)
		sort.Strings(a)
		sort.Strings(b)
		if strings.Join(a, "\x00") == strings.Join(b, "\x00") && strings.Join(wk, "\x00") != strings.Join(gk, "\x00") {
			*out = append(*out, fmt.Sprintf("%s: want %v got %v", path, wk, gk))
		}
		for _, k := range wk {
			wv, _ := w.Get(k)
			gv, ok := g.Get(k)
			if ok {
				orderDiff(wv, gv, path+"."+k, out)
			}
		}
	case []any:
		if gs, ok := got.(string); ok {
			gv, err := value.Decode([]byte(gs))
			if err != nil {
				return
			}
			got = gv
		}
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return
		}
		for i := range w {
			orderDiff(w[i], g[i], fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

func TestKeyOrderSurvey(t *testing.T) {
	dir := corpus(t)
	cases, err := LoadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	n, bad := 0, 0
	for _, c := range cases {
		if c.Tier != "pure" || c.HistoryEvents == nil || c.ParallelEventsSorted {
			continue
		}
		r, err := RunCase(c, Options{})
		if err != nil || NewComparer(c).Compare(r) != nil {
			continue
		}
		data, _ := os.ReadFile(c.File)
		doc, err := value.Decode(data)
		if err != nil {
			continue
		}
		hv, _ := doc.(*value.Object).Get("history_events")
		want, _ := hv.([]any)
		if len(want) != len(r.Events) {
			continue
		}
		n++
		var diffs []string
		for i, we := range want {
			ge, err := value.Decode([]byte(NewComparer(c).normalizeText(string(r.Events[i]))))
			if err != nil {
				continue
			}
			wo := we.(*value.Object)
			for _, k := range wo.Keys() {
				if !strings.HasSuffix(k, "EventDetails") {
					continue
				}
				wd, _ := wo.Get(k)
				gd, _ := ge.(*value.Object).Get(k)
				wdo, ok1 := wd.(*value.Object)
				gdo, ok2 := gd.(*value.Object)
				if !ok1 || !ok2 {
					continue
				}
				for _, f := range []string{"input", "output", "parameters", "cause", "assignedVariables"} {
					wv, ok := wdo.Get(f)
					gv, ok2 := gdo.Get(f)
					if ok && ok2 {
						orderDiff(wv, gv, fmt.Sprintf("ev%d.%s.%s", i, k, f), &diffs)
					}
				}
			}
		}
		if len(diffs) > 0 {
			bad++
			if len(diffs) > 3 {
				diffs = diffs[:3]
			}
			t.Logf("%s\n   %s", c.Name, strings.Join(diffs, "\n   "))
		}
	}
	t.Logf("key order: %d cases compared, %d with differences", n, bad)
}
