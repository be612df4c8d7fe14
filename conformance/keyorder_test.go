package conformance

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// orderDiff reports the objects of got whose keys are those of want in another order. The
// recordings keep AWS's key order inside payloads (history events' input, output,
// parameters, cause and assignedVariables are JSON text that the corpus parsed in document
// order), so they can check ours; objects whose key sets differ (placeholders) are skipped.
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

// keyOrderDiffs compares the key order of a passing case's history payloads with the
// recording's; ok is false when the histories cannot be paired event by event.
func keyOrderDiffs(c *Case, r *Result) (diffs []string, ok bool, err error) {
	data, err := os.ReadFile(c.File)
	if err != nil {
		return nil, false, err
	}
	doc, err := value.Decode(data)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", c.File, err)
	}
	hv, _ := doc.(*value.Object).Get("history_events")
	want, _ := hv.([]any)
	if len(want) != len(r.Events) {
		return nil, false, nil
	}
	cmp := NewComparer(c)
	for i, we := range want {
		ge, err := value.Decode([]byte(cmp.normalizeText(string(r.Events[i]))))
		if err != nil {
			continue
		}
		wo, ok1 := we.(*value.Object)
		gotObj, ok2 := ge.(*value.Object)
		if !ok1 || !ok2 {
			continue
		}
		for _, k := range wo.Keys() {
			if !strings.HasSuffix(k, "EventDetails") {
				continue
			}
			wd, _ := wo.Get(k)
			gd, _ := gotObj.Get(k)
			wdo, ok1 := wd.(*value.Object)
			gdo, ok2 := gd.(*value.Object)
			if !ok1 || !ok2 {
				continue
			}
			for _, f := range []string{"input", "output", "parameters", "cause", "assignedVariables"} {
				wv, ok1 := wdo.Get(f)
				gv, ok2 := gdo.Get(f)
				if ok1 && ok2 {
					orderDiff(wv, gv, fmt.Sprintf("history[%d].%s.%s", i, k, f), &diffs)
				}
			}
		}
	}
	return diffs, true, nil
}

// TestConformanceKeyOrder: every pure-tier case that passes also writes its history payloads
// with AWS's key order at every level: templates, intrinsics, the Context object, ResultPath
// merges, JSONata constructors and assignedVariables.
func TestConformanceKeyOrder(t *testing.T) {
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
			continue // TestConformance reports it
		}
		diffs, ok, err := keyOrderDiffs(c, r)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		n++
		if len(diffs) > 0 {
			bad++
			if len(diffs) > 3 {
				diffs = diffs[:3]
			}
			t.Errorf("%s: key order differs from AWS's:\n   %s", c.Name, strings.Join(diffs, "\n   "))
		}
	}
	t.Logf("conformance key order: %d/%d cases in AWS's key order", n-bad, n)
	if n == 0 {
		t.Fatal("no case compared")
	}
}
