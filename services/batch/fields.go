package batch

import "go.uber.org/zap"

// Log field constructors, kept in one place so every message names things the same way.

func fJobID(id string) zap.Field       { return zap.String("job_id", id) }
func fContainerID(id string) zap.Field { return zap.String("container_id", id) }
func fStatus(s Status) zap.Field       { return zap.String("status", string(s)) }
func fAttempt(n int) zap.Field         { return zap.Int("attempt", n) }
func fOperation(op string) zap.Field   { return zap.String("operation", op) }
func fReaped(n int) zap.Field          { return zap.Int("reaped", n) }
