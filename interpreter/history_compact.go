package interpreter

import (
	"encoding/binary"
	"errors"
	"sort"
	"sync"
	"time"
)

// A finished execution's history is kept in a compact binary form instead of its []Event
// (128 bytes per event plus the generic payload values each holds): EncodeHistory writes
// every event as a few varints, with every string (state names, ARNs, payloads as their JSON
// text) stored once in a table and referred to by index, so that a payload repeated from one
// event to the next (a state's output is the next state's input) costs one varint. A
// 10-state Pass chain's 22 events take about 200 bytes. DecodeHistory gives back events
// whose MarshalJSON is byte for byte that of the originals: payloads come back as RawJSON,
// which is written as is.

const historyFormat = 1

// knownTypes numbers the event types most histories hold, so that they cost one byte (built
// on first use, with knownTypeIndex: start-up time).
var knownTypes = sync.OnceValue(func() []string {
	t := []string{
		EvExecutionStarted, EvExecutionSucceeded, EvExecutionFailed, EvExecutionAborted,
		EvExecutionTimedOut, EvExecutionRedriven, EvMapStateStarted, EvMapStateSucceeded,
		EvMapStateFailed, EvMapStateAborted, EvMapIterationStarted, EvMapIterationSucceeded,
		EvMapIterationFailed, EvMapIterationAborted, EvMapRunStarted, EvMapRunSucceeded,
		EvMapRunFailed, EvParallelStateStarted, EvParallelStateSucceeded, EvParallelStateFailed,
		EvParallelStateAborted, EvTaskScheduled, EvTaskStarted, EvTaskSubmitted, EvTaskSucceeded,
		EvTaskFailed, EvTaskTimedOut, EvTaskStateAborted, EvWaitStateAborted, EvLambdaScheduled,
		EvLambdaStarted, EvLambdaSucceeded, EvLambdaFailed, EvLambdaTimedOut, EvActivityScheduled,
		EvActivityStarted, EvActivitySucceeded, EvActivityFailed, EvActivityTimedOut,
		EvActivityScheduleFailed, EvEvaluationFailed,
	}
	for _, s := range []string{"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"} {
		t = append(t, s+"StateEntered", s+"StateExited")
	}
	return t
})

var knownTypeIndex = sync.OnceValue(func() map[string]int {
	m := make(map[string]int, len(knownTypes()))
	for i, t := range knownTypes() {
		m[t] = i
	}
	return m
})

// Details field presence bits.
const (
	dPresent = 1 << iota // the event has Details, even when every field is empty
	dError
	dCause
	dHasError
	dHasCause
	dResource
	dResourceType
	dRegion
	dParameters
	dTimeout
	dHeartbeat
	dTaskCredentials
	dWorkerName
	dHasWorkerName
	dRoleArn
	dAliasArn
	dVersionArn
	dMapRunArn
	dLocation
	dAssigned
)

type historyEncoder struct {
	strs  map[string]uint64
	table []string
	body  []byte
}

func (h *historyEncoder) str(s string) {
	i, ok := h.strs[s]
	if !ok {
		i = uint64(len(h.table))
		h.strs[s] = i
		h.table = append(h.table, s)
	}
	h.body = binary.AppendUvarint(h.body, i)
}

// payload writes a payload: 0 for nil, else 1 + the index of its JSON text.
func (h *historyEncoder) payload(v any) error {
	if v == nil {
		h.body = binary.AppendUvarint(h.body, 0)
		return nil
	}
	s, err := EncodeValue(v)
	if err != nil {
		return err
	}
	i, ok := h.strs[s]
	if !ok {
		i = uint64(len(h.table))
		h.strs[s] = i
		h.table = append(h.table, s)
	}
	h.body = binary.AppendUvarint(h.body, i+1)
	return nil
}

// EncodeHistory returns the compact form of events (see DecodeHistory).
func EncodeHistory(events []Event) ([]byte, error) {
	h := &historyEncoder{strs: make(map[string]uint64, 16), body: make([]byte, 0, 16*len(events))}
	var prevID, prevMs int64
	for i := range events {
		ev := &events[i]
		if k, ok := knownTypeIndex()[ev.Type]; ok {
			h.body = binary.AppendUvarint(h.body, uint64(k)+1)
		} else {
			h.body = binary.AppendUvarint(h.body, 0)
			h.str(ev.Type)
		}
		h.body = binary.AppendVarint(h.body, ev.ID-prevID)
		h.body = binary.AppendVarint(h.body, ev.ID-ev.PreviousEventID)
		ms := ev.Timestamp.UnixMilli()
		h.body = binary.AppendVarint(h.body, ms-prevMs)
		prevID, prevMs = ev.ID, ms
		h.str(ev.Name)
		h.body = binary.AppendVarint(h.body, int64(ev.Index))
		h.body = binary.AppendVarint(h.body, int64(ev.Length))
		if err := h.payload(ev.Input); err != nil {
			return nil, err
		}
		if err := h.payload(ev.Output); err != nil {
			return nil, err
		}
		if err := h.details(ev.Details); err != nil {
			return nil, err
		}
	}
	size := 8 + len(h.body)
	for _, s := range h.table {
		size += binary.MaxVarintLen64 + len(s)
	}
	out := make([]byte, 0, size)
	out = append(out, historyFormat)
	out = binary.AppendUvarint(out, uint64(len(events)))
	out = binary.AppendUvarint(out, uint64(len(h.table)))
	for _, s := range h.table {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	out = append(out, h.body...)
	// The exact size: the slice is kept for the execution's lifetime.
	return append([]byte(nil), out...), nil
}

func (h *historyEncoder) details(d *Details) error {
	if d == nil {
		h.body = append(h.body, 0)
		return nil
	}
	var bits uint64 = dPresent
	set := func(b uint64, ok bool) {
		if ok {
			bits |= b
		}
	}
	set(dError, d.Error != "")
	set(dCause, d.Cause != "")
	set(dHasError, d.HasError)
	set(dHasCause, d.HasCause)
	set(dResource, d.Resource != "")
	set(dResourceType, d.ResourceType != "")
	set(dRegion, d.Region != "")
	set(dParameters, d.Parameters != nil)
	set(dTimeout, d.TimeoutInSeconds != 0)
	set(dHeartbeat, d.HeartbeatInSeconds != 0)
	set(dTaskCredentials, d.TaskCredentials != "")
	set(dWorkerName, d.WorkerName != "")
	set(dHasWorkerName, d.HasWorkerName)
	set(dRoleArn, d.RoleArn != "")
	set(dAliasArn, d.StateMachineAliasArn != "")
	set(dVersionArn, d.StateMachineVersionArn != "")
	set(dMapRunArn, d.MapRunArn != "")
	set(dLocation, d.Location != "")
	set(dAssigned, len(d.AssignedVariables) > 0)
	h.body = binary.AppendUvarint(h.body, bits)
	for _, f := range []struct {
		bit uint64
		s   string
	}{
		{dError, d.Error}, {dCause, d.Cause}, {dResource, d.Resource}, {dResourceType, d.ResourceType},
		{dRegion, d.Region}, {dTaskCredentials, d.TaskCredentials}, {dWorkerName, d.WorkerName},
		{dRoleArn, d.RoleArn}, {dAliasArn, d.StateMachineAliasArn}, {dVersionArn, d.StateMachineVersionArn},
		{dMapRunArn, d.MapRunArn}, {dLocation, d.Location},
	} {
		if bits&f.bit != 0 {
			h.str(f.s)
		}
	}
	if bits&dParameters != 0 {
		if err := h.payload(d.Parameters); err != nil {
			return err
		}
	}
	if bits&dTimeout != 0 {
		h.body = binary.AppendVarint(h.body, d.TimeoutInSeconds)
	}
	if bits&dHeartbeat != 0 {
		h.body = binary.AppendVarint(h.body, d.HeartbeatInSeconds)
	}
	if bits&dAssigned != 0 {
		names := make([]string, 0, len(d.AssignedVariables))
		for n := range d.AssignedVariables {
			names = append(names, n)
		}
		sort.Strings(names)
		h.body = binary.AppendUvarint(h.body, uint64(len(names)))
		for _, n := range names {
			h.str(n)
			if err := h.payload(d.AssignedVariables[n]); err != nil {
				return err
			}
		}
	}
	return nil
}

// errBadHistory reports a compact history that EncodeHistory did not write.
var errBadHistory = errors.New("interpreter: malformed compact history")

type historyDecoder struct {
	b     []byte
	table []string
	err   error
}

func (d *historyDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = errBadHistory, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *historyDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = errBadHistory, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *historyDecoder) str() string {
	i := d.uvarint()
	if i >= uint64(len(d.table)) {
		d.err = errBadHistory
		return ""
	}
	return d.table[i]
}

func (d *historyDecoder) payload() any {
	i := d.uvarint()
	if i == 0 {
		return nil
	}
	if i-1 >= uint64(len(d.table)) {
		d.err = errBadHistory
		return nil
	}
	return RawJSON(d.table[i-1])
}

// DecodeHistory returns the events EncodeHistory encoded. Payloads are RawJSON values.
func DecodeHistory(b []byte) ([]Event, error) {
	if len(b) == 0 || b[0] != historyFormat {
		return nil, errBadHistory
	}
	d := &historyDecoder{b: b[1:]}
	n := d.uvarint()
	nstr := d.uvarint()
	// Every event takes at least 10 bytes and every string one: no allocation beyond the input.
	if d.err != nil || n > uint64(len(d.b)) || nstr > uint64(len(d.b)) {
		return nil, errBadHistory
	}
	d.table = make([]string, nstr)
	for i := range d.table {
		l := d.uvarint()
		if d.err != nil || l > uint64(len(d.b)) {
			return nil, errBadHistory
		}
		d.table[i] = string(d.b[:l])
		d.b = d.b[l:]
	}
	events := make([]Event, n)
	var prevID, prevMs int64
	for i := range events {
		ev := &events[i]
		if k := d.uvarint(); k == 0 {
			ev.Type = d.str()
		} else if k-1 < uint64(len(knownTypes())) {
			ev.Type = knownTypes()[k-1]
		} else {
			return nil, errBadHistory
		}
		ev.ID = prevID + d.varint()
		ev.PreviousEventID = ev.ID - d.varint()
		ms := prevMs + d.varint()
		ev.Timestamp = time.UnixMilli(ms).UTC()
		prevID, prevMs = ev.ID, ms
		ev.Name = d.str()
		ev.Index = int(d.varint())
		ev.Length = int(d.varint())
		ev.Input = d.payload()
		ev.Output = d.payload()
		ev.Details = d.details()
		if d.err != nil {
			return nil, d.err
		}
	}
	if len(d.b) != 0 {
		return nil, errBadHistory
	}
	return events, nil
}

func (d *historyDecoder) details() *Details {
	bits := d.uvarint()
	if bits == 0 || d.err != nil {
		return nil
	}
	x := &Details{HasError: bits&dHasError != 0, HasCause: bits&dHasCause != 0, HasWorkerName: bits&dHasWorkerName != 0}
	for _, f := range []struct {
		bit uint64
		p   *string
	}{
		{dError, &x.Error}, {dCause, &x.Cause}, {dResource, &x.Resource}, {dResourceType, &x.ResourceType},
		{dRegion, &x.Region}, {dTaskCredentials, &x.TaskCredentials}, {dWorkerName, &x.WorkerName},
		{dRoleArn, &x.RoleArn}, {dAliasArn, &x.StateMachineAliasArn}, {dVersionArn, &x.StateMachineVersionArn},
		{dMapRunArn, &x.MapRunArn}, {dLocation, &x.Location},
	} {
		if bits&f.bit != 0 {
			*f.p = d.str()
		}
	}
	if bits&dParameters != 0 {
		x.Parameters = d.payload()
	}
	if bits&dTimeout != 0 {
		x.TimeoutInSeconds = d.varint()
	}
	if bits&dHeartbeat != 0 {
		x.HeartbeatInSeconds = d.varint()
	}
	if bits&dAssigned != 0 {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			d.err = errBadHistory
			return nil
		}
		x.AssignedVariables = make(map[string]any, n)
		for range n {
			k := d.str()
			x.AssignedVariables[k] = d.payload()
		}
	}
	return x
}

// CompactHistory returns the execution's history so far in EncodeHistory's form.
func (x *Execution) CompactHistory() ([]byte, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return EncodeHistory(x.events.copyAll())
}
