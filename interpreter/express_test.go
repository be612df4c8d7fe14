package interpreter

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseForExpress(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, def, typ, want string
	}{
		{name: "standard allows sync", typ: TypeStandard,
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync","End":true}}}`},
		{name: "express sync", typ: TypeExpress,
			def:  `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync","End":true}}}`,
			want: "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.sync' service integration at /States/T/Resource'"},
		{name: "express callback in a Parallel branch", typ: TypeExpress,
			def:  `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}}}],"End":true}}}`,
			want: "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  at /States/P/Branches/0/States/T/Resource'"},
		{name: "express activity in a Map", typ: TypeExpress,
			def:  `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}}},"End":true}}}`,
			want: "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support Activity ARN at /States/M/ItemProcessor/States/A/Resource'"},
		{name: "express request-response", typ: TypeExpress,
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sm, err := ParseFor(tc.def, tc.typ)
			ds := ValidateFor(tc.def, tc.typ)
			if tc.want == "" {
				require.NoError(t, err)
				require.NotNil(t, sm)
				require.Empty(t, ds)
				return
			}
			var de *DefinitionError
			require.True(t, errors.As(err, &de), "got %v", err)
			require.Equal(t, tc.want, de.Error())
			require.Len(t, ds, 1)
			require.Equal(t, SeverityError, ds[0].Severity)
		})
	}
}
