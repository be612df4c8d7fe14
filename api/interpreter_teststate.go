package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// TestState is protocol only: it hands the request to interpreter.Engine.TestState, which
// holds the ASL semantics, and translates the answer and the refusals to wire shapes.
func (a *interpEngine) TestState(ctx context.Context, p TestStateParams) (*TestStateResult, error) {
	in := interpreter.TestStateInput{
		Definition: p.Definition, StateName: p.StateName, Input: p.Input,
		InspectionLevel: p.InspectionLevel, RoleArn: p.RoleArn, Variables: p.Variables, Context: p.Context,
		ErrorCausedByState: p.ErrorCausedByState, MapIterationFailureCount: p.MapIterationFailureCount,
		MapItemReaderData: p.MapItemReaderData,
	}
	if p.RetrierRetryCount != nil {
		in.RetrierRetryCount = *p.RetrierRetryCount
	}
	if p.HasMock {
		in.Mock = &interpreter.TestStateMock{
			HasResult: p.HasMockResult, Result: p.MockResult,
			HasError: p.HasMockError, Error: p.MockError, Cause: p.MockCause,
			FieldValidationMode: p.FieldValidationMode,
		}
	}
	out, err := a.e.TestState(ctx, in)
	if err != nil {
		var te *interpreter.TestStateError
		if errors.As(err, &te) {
			if te.Code == CodeInvalidDefinition {
				return nil, &DefinitionError{Message: te.Message}
			}
			return nil, newError(te.Code, "%s", te.Message)
		}
		return nil, err
	}
	res := &TestStateResult{Status: out.Status, Output: out.Output, Error: out.Error, Cause: out.Cause, NextState: out.NextState}
	if out.InspectionData != nil {
		data := map[string]any{}
		for k, v := range out.InspectionData {
			if k == "errorDetails" {
				data[k] = v // an object on the wire
				continue
			}
			if k == "maxConcurrency" || k == "toleratedFailureCount" || k == "toleratedFailurePercentage" {
				data[k] = v // numbers on the wire
				continue
			}
			text, err := interpreter.EncodeValue(v)
			if err != nil {
				return nil, fmt.Errorf("encode inspection data %s: %w", k, err)
			}
			data[k] = text // JSON text on the wire
		}
		text, err := interpreter.EncodeValue(data) // no HTML escaping, as AWS
		if err != nil {
			return nil, fmt.Errorf("encode inspection data: %w", err)
		}
		res.InspectionData = json.RawMessage(text)
	}
	return res, nil
}
