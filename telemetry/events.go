package telemetry

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// eventType reads a history event's type without encoding it when it is the interpreter's.
func eventType(m json.Marshaler) (string, bool) {
	if ev, ok := m.(interpreter.Event); ok {
		return ev.Type, true
	}
	b, err := m.MarshalJSON()
	if err != nil {
		return "", false
	}
	var h struct {
		Type string `json:"type"`
	}
	return h.Type, json.Unmarshal(b, &h) == nil
}

// hevent is a history event as the trace builder reads it (from its GetExecutionHistory JSON,
// so any engine's history works).
type hevent struct {
	ID, Prev           int64
	Type               string
	Time               time.Time
	Name               string
	Error, Cause       string
	HasError           bool
	Resource, ResType  string
	Parameters, Output string
}

func decodeEvents(h []json.Marshaler) []hevent {
	out := make([]hevent, 0, len(h))
	for _, m := range h {
		b, err := m.MarshalJSON()
		if err != nil {
			continue
		}
		var raw map[string]json.RawMessage
		if json.Unmarshal(b, &raw) != nil {
			continue
		}
		var ev hevent
		var ts float64
		_ = json.Unmarshal(raw["timestamp"], &ts)
		sec, frac := math.Modf(ts)
		ev.Time = time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6)
		_ = json.Unmarshal(raw["type"], &ev.Type)
		_ = json.Unmarshal(raw["id"], &ev.ID)
		_ = json.Unmarshal(raw["previousEventId"], &ev.Prev)
		for k, v := range raw {
			if !strings.HasSuffix(k, "EventDetails") {
				continue
			}
			var d struct {
				Name         string          `json:"name"`
				Error        *string         `json:"error"`
				Cause        string          `json:"cause"`
				Resource     string          `json:"resource"`
				ResourceType string          `json:"resourceType"`
				Parameters   json.RawMessage `json:"parameters"`
				Output       json.RawMessage `json:"output"`
			}
			if json.Unmarshal(v, &d) != nil {
				continue
			}
			ev.Name, ev.Cause, ev.Resource, ev.ResType = d.Name, d.Cause, d.Resource, d.ResourceType
			if d.Error != nil {
				ev.Error, ev.HasError = *d.Error, true
			}
			ev.Parameters, ev.Output = text(d.Parameters), text(d.Output)
		}
		out = append(out, ev)
	}
	return out
}

// text is a payload's JSON text (payloads are JSON strings on the wire).
func text(b json.RawMessage) string {
	var s string
	if len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &s) == nil {
		return s
	}
	return string(b)
}

// member reads a string member of a JSON object's text.
func member(js string, names ...string) string {
	var m map[string]any
	if json.Unmarshal([]byte(js), &m) != nil {
		return ""
	}
	for _, n := range names {
		if s, ok := m[n].(string); ok {
			return s
		}
	}
	return ""
}
