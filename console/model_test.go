package console

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// ev builds a history event; name is the state name for named events.
func ev(id, prev int64, typ, name string) interpreter.Event {
	return interpreter.Event{ID: id, PreviousEventID: prev, Type: typ, Name: name, Timestamp: time.Unix(1000+id, 0), Details: &interpreter.Details{}}
}

func failed(id, prev int64, typ, errName string) interpreter.Event {
	e := ev(id, prev, typ, "")
	e.Details = &interpreter.Details{Error: errName, HasError: true, Cause: "because"}
	return e
}

func TestBuildModel(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"Next":"P"},
	 "H":{"Type":"Pass","End":true},
	 "P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":5,"End":true}}},{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}],"End":true}}}`
	g, err := parseGraph(def)
	require.NoError(t, err)
	tests := []struct {
		name    string
		status  string
		events  []interpreter.Event
		want    map[string]string
		retries map[string]int
		failed  int64
	}{
		{
			name: "retried then succeeded", status: "RUNNING",
			events: []interpreter.Event{ev(1, 0, "ExecutionStarted", ""), ev(2, 1, "TaskStateEntered", "T"), ev(3, 2, "TaskScheduled", ""),
				failed(4, 3, "TaskFailed", "Boom"), ev(5, 4, "TaskScheduled", ""), ev(6, 5, "TaskSucceeded", ""), ev(7, 6, "TaskStateExited", "T"),
				ev(8, 7, "ParallelStateEntered", "P"), ev(9, 8, "ParallelStateStarted", ""), ev(10, 9, "WaitStateEntered", "A")},
			want:    map[string]string{"T": StatusSucceeded, "H": StatusNotRun, "P": StatusRunning, "A": StatusRunning, "B": StatusNotRun},
			retries: map[string]int{"T": 1},
		},
		{
			name: "caught without an exit event", status: "SUCCEEDED",
			events: []interpreter.Event{ev(1, 0, "ExecutionStarted", ""), ev(2, 1, "TaskStateEntered", "T"), ev(3, 2, "TaskScheduled", ""),
				failed(4, 3, "TaskFailed", "Boom"), ev(5, 4, "PassStateEntered", "H"), ev(6, 5, "PassStateExited", "H"), ev(7, 6, "ExecutionSucceeded", "")},
			want: map[string]string{"T": StatusCaughtError, "H": StatusSucceeded, "P": StatusNotRun, "A": StatusNotRun, "B": StatusNotRun},
		},
		{
			name: "branch failure fails the execution", status: "FAILED",
			events: []interpreter.Event{ev(1, 0, "ExecutionStarted", ""), ev(2, 1, "ParallelStateEntered", "P"), ev(3, 2, "ParallelStateStarted", ""),
				ev(4, 3, "WaitStateEntered", "A"), ev(5, 3, "TaskStateEntered", "B"), ev(6, 5, "TaskScheduled", ""), failed(7, 6, "TaskFailed", "Boom"),
				ev(8, 4, "WaitStateAborted", ""), failed(9, 7, "ParallelStateFailed", "Boom"), failed(10, 9, "ExecutionFailed", "Boom")},
			want:   map[string]string{"T": StatusNotRun, "H": StatusNotRun, "P": StatusFailed, "A": StatusCancelled, "B": StatusFailed},
			failed: 10,
		},
		{
			name: "stopped", status: "ABORTED",
			events: []interpreter.Event{ev(1, 0, "ExecutionStarted", ""), ev(2, 1, "TaskStateEntered", "T"), ev(3, 2, "TaskScheduled", ""),
				ev(4, 3, "TaskStateAborted", ""), ev(5, 4, "ExecutionAborted", "")},
			want: map[string]string{"T": StatusCancelled, "H": StatusNotRun, "P": StatusNotRun, "A": StatusNotRun, "B": StatusNotRun},
		},
		{
			name: "empty history", status: "RUNNING",
			want: map[string]string{"T": StatusNotRun, "H": StatusNotRun, "P": StatusNotRun, "A": StatusNotRun, "B": StatusNotRun},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := buildModel(tc.events, g, tc.status)
			require.Equal(t, tc.want, m.statusMap(g))
			for s, n := range tc.retries {
				require.Equal(t, n, m.States[s].Retries, s)
			}
			require.Equal(t, tc.failed, m.FailedID)
		})
	}
}

func TestStateOfLocation(t *testing.T) {
	t.Parallel()
	for loc, want := range map[string]string{
		"/States/A/Next": "A", "/States/P/Branches/0/States/B~1C/Next": "B/C", "/StartAt": "", "": "",
	} {
		require.Equal(t, want, stateOfLocation(loc), loc)
	}
}
