package api

import (
	"context"
)

func (s *Service) TestState(ctx context.Context, in *TestStateInput) (*TestStateOutput, error) {
	var ck checks
	ck.payload("definition", in.Definition, true, 1, 1048576)
	ck.str("roleArn", in.RoleArn, false, 1, 256)
	ck.payload("input", in.Input, false, 0, 262144)
	ck.enum("inspectionLevel", in.InspectionLevel, enumInspection...)
	ck.payload("variables", in.Variables, false, 0, 262144)
	ck.sensitive("stateName", in.StateName, false, 1, 80)
	ck.payload("context", in.Context, false, 0, 262144)
	if in.Mock != nil {
		ck.payload("mock.result", in.Mock.Result, false, 0, 262144)
		ck.enum("mock.fieldValidationMode", in.Mock.FieldValidationMode, enumMockValidation...)
		if in.Mock.ErrorOutput != nil {
			ck.sensitive("mock.errorOutput.error", in.Mock.ErrorOutput.Error, false, 0, 256)
			ck.sensitive("mock.errorOutput.cause", in.Mock.ErrorOutput.Cause, false, 0, 32768)
		}
	}
	if c := in.StateConfiguration; c != nil {
		ck.intRange("stateConfiguration.retrierRetryCount", c.RetrierRetryCount, 0, 1<<31-1)
		ck.sensitive("stateConfiguration.errorCausedByState", c.ErrorCausedByState, false, 1, 80)
		ck.intRange("stateConfiguration.mapIterationFailureCount", c.MapIterationFailureCount, 0, 1<<31-1)
		ck.payload("stateConfiguration.mapItemReaderData", c.MapItemReaderData, false, 0, 262144)
	}
	if err := ck.err(); err != nil {
		return nil, err
	}
	if err := checkRoleArn(in.RoleArn); err != nil {
		return nil, err
	}
	if in.Input != nil {
		if _, err := checkInput(in.Input); err != nil {
			return nil, err
		}
	}
	if in.Mock != nil && in.Mock.Result != nil && in.Mock.ErrorOutput != nil {
		return nil, newError(CodeValidationException, "A test can be mocked with either a result or an errorOutput, not both")
	}
	tester, ok := s.engine.(StateTester)
	if !ok {
		return nil, newError(CodeValidationException, "TestState is not supported by this emulator's engine yet")
	}
	p := TestStateParams{Definition: *in.Definition, Input: "{}", InspectionLevel: "INFO"}
	if in.RoleArn != nil {
		p.RoleArn = *in.RoleArn
	}
	if in.Input != nil {
		p.Input = *in.Input
	}
	if in.InspectionLevel != nil {
		p.InspectionLevel = *in.InspectionLevel
	}
	p.RevealSecrets = in.RevealSecrets != nil && *in.RevealSecrets
	if in.Variables != nil {
		p.Variables = *in.Variables
	}
	if in.StateName != nil {
		p.StateName = *in.StateName
	}
	if in.Context != nil {
		p.Context = *in.Context
	}
	if m := in.Mock; m != nil {
		p.HasMock = true
		if m.Result != nil {
			p.HasMockResult, p.MockResult = true, *m.Result
		}
		if m.ErrorOutput != nil {
			p.HasMockError = true
			if m.ErrorOutput.Error != nil {
				p.MockError = *m.ErrorOutput.Error
			}
			if m.ErrorOutput.Cause != nil {
				p.MockCause = *m.ErrorOutput.Cause
			}
		}
		if m.FieldValidationMode != nil {
			p.FieldValidationMode = *m.FieldValidationMode
		}
	}
	if c := in.StateConfiguration; c != nil {
		p.RetrierRetryCount = c.RetrierRetryCount
		if c.ErrorCausedByState != nil {
			p.ErrorCausedByState = *c.ErrorCausedByState
		}
		p.MapIterationFailureCount = c.MapIterationFailureCount
		p.MapItemReaderData = c.MapItemReaderData
	}
	res, err := tester.TestState(ctx, p)
	if err != nil {
		return nil, err
	}
	return &TestStateOutput{Output: res.Output, Error: res.Error, Cause: res.Cause, InspectionData: res.InspectionData, NextState: res.NextState, Status: res.Status}, nil
}
