package api

import "go.uber.org/zap"

// Log field constructors, kept in one place so every log line names things the same way.

func fieldStateMachine(arn string) zap.Field { return zap.String("state_machine_arn", arn) }

func fieldExecution(arn string) zap.Field { return zap.String("execution_arn", arn) }

func fieldOperation(name string) zap.Field { return zap.String("operation", name) }
