package testrunner

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test reporters): one testsuite per
// state machine, one testcase per case, a failure element per failed case.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the report as JUnit XML; name names the testsuites element (the suite
// file).
func WriteJUnit(w io.Writer, name string, r *Report) error {
	out := junitSuites{Name: name}
	var total time.Duration
	index := map[*Machine]int{}
	var times []time.Duration
	for _, res := range r.Results {
		m := res.Case.Machine
		i, ok := index[m]
		if !ok {
			i = len(out.Suites)
			index[m] = i
			out.Suites = append(out.Suites, junitSuite{Name: m.Name})
			times = append(times, 0)
		}
		s := &out.Suites[i]
		jc := junitCase{Name: res.Case.Name, ClassName: m.Name, Time: seconds(res.Duration)}
		if !res.Passed() {
			jc.Failure = &junitFailure{Message: res.Failures[0], Type: "expectation", Text: strings.Join(res.Failures, "\n")}
			s.Failures++
			out.Failures++
		}
		s.Tests++
		out.Tests++
		s.Cases = append(s.Cases, jc)
		times[i] += res.Duration
		total += res.Duration
	}
	for i := range out.Suites {
		out.Suites[i].Time = seconds(times[i])
	}
	out.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
