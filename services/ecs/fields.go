package ecs

import "go.uber.org/zap"

// Log field constructors, kept in one place so every message names things the same way.

func fTask(arn string) zap.Field     { return zap.String("task_arn", arn) }
func fContainer(id string) zap.Field { return zap.String("container_id", id) }
func fReason(r string) zap.Field     { return zap.String("reason", r) }
func fOperation(op string) zap.Field { return zap.String("operation", op) }
func fPanic(p any) zap.Field         { return zap.Any("panic", p) }
func errField(err error) zap.Field   { return zap.Error(err) }
