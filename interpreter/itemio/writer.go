package itemio

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// WriterConfig output types and transformations.
const (
	OutputJSON  = "JSON"
	OutputJSONL = "JSONL"

	WriterNone    = "NONE"
	WriterCompact = "COMPACT"
	WriterFlatten = "FLATTEN"
)

// Child execution statuses, as the result files name them.
const (
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusAborted   = "ABORTED"
	StatusTimedOut  = "TIMED_OUT"
	StatusPending   = "PENDING"
)

// DefaultMaxFileBytes is the size past which a result file is split into the next _n file
// (AWS documents 5 GB per result file).
const DefaultMaxFileBytes = 5 << 30

// WriterConfig is a ResultWriter's WriterConfig. Empty fields take AWS's defaults: OutputType
// JSON; Transformation NONE when the results are exported to S3, COMPACT otherwise.
type WriterConfig struct {
	OutputType     string
	Transformation string
}

// Validate checks the values.
func (c *WriterConfig) Validate() error {
	switch c.OutputType {
	case "", OutputJSON, OutputJSONL:
	default:
		return &task.Failure{Name: ErrResultWriterFailed, Cause: "Invalid OutputType: " + c.OutputType}
	}
	switch c.Transformation {
	case "", WriterNone, WriterCompact, WriterFlatten:
	default:
		return &task.Failure{Name: ErrResultWriterFailed, Cause: "Invalid Transformation: " + c.Transformation}
	}
	return nil
}

// Destination is a ResultWriter's evaluated Parameters/Arguments.
type Destination struct {
	Bucket string
	Prefix string
}

// ChildResult is one child execution of a Map Run, as the result files record it.
type ChildResult struct {
	ExecutionArn    string
	StateMachineArn string // the Map Run's state machine: arn:...:stateMachine:<name>/<label>
	Name            string
	// Input and Output are the execution's input and output JSON text. Output is ignored
	// unless Status is SUCCEEDED.
	Input  string
	Output string
	Status string
	// Error and Cause are the failure of a FAILED, TIMED_OUT or ABORTED child, if any.
	Error string
	Cause string
	// StartDate is zero for a PENDING child; StopDate is zero until it ends.
	StartDate time.Time
	StopDate  time.Time
	// Redrive fields; empty RedriveStatus takes the default for Status (NOT_REDRIVABLE for
	// SUCCEEDED, REDRIVABLE_BY_MAP_RUN otherwise).
	RedriveCount        int
	RedriveStatus       string
	RedriveStatusReason string
}

// File is one object a ResultWriter writes; the caller stores Body raw.
type File struct {
	Key  string
	Body []byte
}

// ResultSet is what WriteResults produces.
type ResultSet struct {
	// Files are the result files, then manifest.json last (AWS writes the manifest once the
	// result files exist).
	Files []File
	// Output is the Map state's result: {"MapRunArn", "ResultWriterDetails": {"Bucket",
	// "Key"}}, Key naming manifest.json.
	Output *value.Object
}

// MapRunID is the last part of a Map Run ARN (…:mapRun:<sm>/<label>:<id>).
func MapRunID(mapRunArn string) string {
	return mapRunArn[strings.LastIndexByte(mapRunArn, ':')+1:]
}

// WriteResults lays out the files a ResultWriter writes for a finished Map Run under
// <Prefix>/<map run id>/ in dst: SUCCEEDED_n, FAILED_n and PENDING_n result files (only
// for statuses that have children; ABORTED and TIMED_OUT children go to FAILED, children
// never started to PENDING), split when a file would pass maxFileBytes (0:
// DefaultMaxFileBytes), and manifest.json. results are in item order.
func WriteResults(dst Destination, mapRunArn string, cfg WriterConfig, results []ChildResult, maxFileBytes int) (*ResultSet, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if maxFileBytes <= 0 {
		maxFileBytes = DefaultMaxFileBytes
	}
	if cfg.Transformation == "" {
		cfg.Transformation = WriterNone
	}
	dir := MapRunID(mapRunArn) + "/"
	if dst.Prefix != "" {
		dir = strings.TrimSuffix(dst.Prefix, "/") + "/" + dir
	}
	// Result files are named .json for OutputType JSONL too (floci-io/floci pull request
	// 1823 keeps "AWS's .json result-file naming").
	const ext = ".json"

	groups := map[string][]any{}
	for i := range results {
		r := &results[i]
		group := resultGroup(r.Status)
		recs, err := resultRecords(cfg.Transformation, r)
		if err != nil {
			return nil, err
		}
		groups[group] = append(groups[group], recs...)
	}

	set := &ResultSet{}
	listed := map[string][]any{}
	for _, group := range []string{StatusSucceeded, StatusFailed, StatusPending} {
		parts, err := splitRecords(cfg.OutputType, groups[group], maxFileBytes)
		if err != nil {
			return nil, err
		}
		listed[group] = []any{}
		for n, body := range parts {
			key := dir + group + "_" + strconv.Itoa(n) + ext
			set.Files = append(set.Files, File{Key: key, Body: body})
			listed[group] = append(listed[group], value.ObjectOf(
				"Key", key,
				"Size", json.Number(strconv.Itoa(len(body)))))
		}
	}
	manifest := value.ObjectOf(
		"DestinationBucket", dst.Bucket,
		"MapRunArn", mapRunArn,
		"ResultFiles", value.ObjectOf(
			"FAILED", listed[StatusFailed],
			"PENDING", listed[StatusPending],
			"SUCCEEDED", listed[StatusSucceeded]))
	mbody, err := value.Encode(manifest)
	if err != nil {
		return nil, err
	}
	manifestKey := dir + "manifest.json"
	set.Files = append(set.Files, File{Key: manifestKey, Body: mbody})
	set.Output = value.ObjectOf(
		"MapRunArn", mapRunArn,
		"ResultWriterDetails", value.ObjectOf("Bucket", dst.Bucket, "Key", manifestKey))
	return set, nil
}

func resultGroup(status string) string {
	switch status {
	case StatusSucceeded:
		return StatusSucceeded
	case StatusPending, "RUNNING", "":
		return StatusPending
	}
	return StatusFailed
}

// resultRecords is what one child contributes to its result file: its record (NONE, and
// every child that did not succeed), its output (COMPACT), or its output's elements when
// the output is an array (FLATTEN).
func resultRecords(transformation string, r *ChildResult) ([]any, error) {
	if r.Status != StatusSucceeded || transformation == WriterNone {
		return []any{childRecord(r)}, nil
	}
	out, err := value.DecodeString(r.Output)
	if err != nil {
		return nil, fmt.Errorf("itemio: output of %s: %w", r.ExecutionArn, err)
	}
	if arr, ok := out.([]any); ok && transformation == WriterFlatten {
		return arr, nil
	}
	return []any{out}, nil
}

// childRecord is a child's entry in a result file with Transformation NONE, keys in the
// order of the "ResultWriter (Map)" page's examples.
func childRecord(r *ChildResult) *value.Object {
	o := value.NewObject(16)
	if r.Cause != "" {
		o.Append("Cause", r.Cause)
	}
	if r.Error != "" {
		o.Append("Error", r.Error)
	}
	o.Append("ExecutionArn", r.ExecutionArn)
	o.Append("Input", r.Input)
	o.Append("InputDetails", value.ObjectOf("Included", true))
	o.Append("Name", r.Name)
	if r.Status == StatusSucceeded {
		o.Append("Output", r.Output)
		o.Append("OutputDetails", value.ObjectOf("Included", true))
	}
	status, reason := r.RedriveStatus, r.RedriveStatusReason
	if status == "" {
		if r.Status == StatusSucceeded {
			status, reason = "NOT_REDRIVABLE", "Execution is SUCCEEDED and cannot be redriven"
		} else {
			status = "REDRIVABLE_BY_MAP_RUN"
		}
	}
	o.Append("RedriveCount", json.Number(strconv.Itoa(r.RedriveCount)))
	o.Append("RedriveStatus", status)
	if reason != "" {
		o.Append("RedriveStatusReason", reason)
	}
	if !r.StartDate.IsZero() {
		o.Append("StartDate", isoMillis(r.StartDate))
	}
	o.Append("StateMachineArn", r.StateMachineArn)
	o.Append("Status", r.Status)
	if !r.StopDate.IsZero() {
		o.Append("StopDate", isoMillis(r.StopDate))
	}
	return o
}

func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// splitRecords encodes records as JSON arrays (or JSON Lines) of at most maxBytes each
// (a single record larger than that gets a file of its own).
func splitRecords(outputType string, recs []any, maxBytes int) ([][]byte, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	jsonl := outputType == OutputJSONL
	var parts [][]byte
	var cur []byte
	n := 0
	var enc []byte
	for _, rec := range recs {
		var err error
		enc, err = value.Append(enc[:0], rec)
		if err != nil {
			return nil, err
		}
		extra := len(enc) + 1 // comma or newline
		if n > 0 && len(cur)+extra+1 > maxBytes {
			parts = append(parts, closePart(cur, jsonl))
			cur, n = nil, 0
		}
		if n == 0 && !jsonl {
			cur = append(cur, '[')
		} else if n > 0 && !jsonl {
			cur = append(cur, ',')
		}
		cur = append(cur, enc...)
		if jsonl {
			cur = append(cur, '\n')
		}
		n++
	}
	return append(parts, closePart(cur, jsonl)), nil
}

func closePart(b []byte, jsonl bool) []byte {
	if jsonl {
		return b
	}
	return append(b, ']')
}

// Transform is the Map state's result for a ResultWriter with a WriterConfig and no
// Resource: the children's outputs (COMPACT, the default), flattened (FLATTEN), or their
// records (NONE), in item order.
func Transform(cfg WriterConfig, results []ChildResult) ([]any, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := cfg.Transformation
	if t == "" {
		t = WriterCompact
	}
	out := []any{}
	for i := range results {
		recs, err := resultRecords(t, &results[i])
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}
