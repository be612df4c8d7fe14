package config

import (
	"errors"
	"flag"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	defaults := Config{Addr: "127.0.0.1:8083", Region: "us-east-1", AccountID: "123456789012", TimeMode: "real", LogLevel: "info",
		MaxExecutions: DefaultMaxExecutions, LambdaUser: "auto", Retention: DefaultRetention}
	with := func(f func(*Config)) Config { c := defaults; f(&c); return c }
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "defaults", want: defaults},
		{name: "flags", args: []string{"--addr", "0.0.0.0:9000", "--region", "eu-west-1", "--account-id", "111111111111", "--time", "instant"},
			want: with(func(c *Config) {
				c.Addr, c.Region, c.AccountID, c.TimeMode = "0.0.0.0:9000", "eu-west-1", "111111111111", "instant"
			})},
		{name: "env", env: map[string]string{"SFNLOCAL_ADDR": ":1234", "AWS_DEFAULT_REGION": "us-west-2", "AWS_ACCOUNT_ID": "222222222222", "LAMBDA_ENDPOINT": "http://127.0.0.1:3001"},
			want: with(func(c *Config) {
				c.Addr, c.Region, c.AccountID, c.LambdaEndpoint = ":1234", "us-west-2", "222222222222", "http://127.0.0.1:3001"
			})},
		{name: "flag beats env", args: []string{"--region", "ap-south-1"}, env: map[string]string{"AWS_DEFAULT_REGION": "us-west-2"},
			want: with(func(c *Config) { c.Region = "ap-south-1" })},
		{name: "wait time scale", env: map[string]string{"WAIT_TIME_SCALE": "0.5"}, want: with(func(c *Config) { c.TimeMode = "scale=2" })},
		{name: "wait time scale zero", env: map[string]string{"WAIT_TIME_SCALE": "0"}, want: with(func(c *Config) { c.TimeMode = "instant" })},
		{name: "sfnlocal time beats wait time scale", env: map[string]string{"WAIT_TIME_SCALE": "0", "SFNLOCAL_TIME": "scale=3"}, want: with(func(c *Config) { c.TimeMode = "scale=3" })},
		{name: "allow flags from env", env: map[string]string{"SFNLOCAL_ALLOW_PRIVILEGED": "true", "SFNLOCAL_ALLOW_HOST_MOUNTS": "1"},
			want: with(func(c *Config) { c.AllowPrivileged, c.AllowHostMounts = true, true })},
		{name: "apigateway endpoints", args: []string{"--apigateway-endpoint", "abc123=http://127.0.0.1:9000", "--apigateway-endpoint", "def=https://x.example/base"},
			env: map[string]string{"SFNLOCAL_APIGATEWAY_ENDPOINTS": "abc123=http://127.0.0.1:1, zz=http://z"},
			want: with(func(c *Config) {
				c.APIGateway = map[string]string{"abc123": "http://127.0.0.1:9000", "def": "https://x.example/base", "zz": "http://z"}
			})},
		{name: "batch backend from env", env: map[string]string{"SFNLOCAL_BATCH_BACKEND": "swarm"}, want: with(func(c *Config) { c.BatchBackend = "swarm" })},
		{name: "batch backend flag beats env", args: []string{"--batch-backend", "docker"}, env: map[string]string{"SFNLOCAL_BATCH_BACKEND": "swarm"},
			want: with(func(c *Config) { c.BatchBackend = "docker" })},
		{name: "bad batch backend", args: []string{"--batch-backend", "k8s"}, wantErr: "--batch-backend"},
		{name: "bad apigateway endpoint", args: []string{"--apigateway-endpoint", "ABC=http://x"}, wantErr: "API id"},
		{name: "bad apigateway env", env: map[string]string{"SFNLOCAL_APIGATEWAY_ENDPOINTS": "abc=ftp://x"}, wantErr: "SFNLOCAL_APIGATEWAY_ENDPOINTS"},
		{name: "otlp endpoint from the standard env", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318"},
			want: with(func(c *Config) { c.OTLPEndpoint = "http://localhost:4318" })},
		{name: "otlp endpoint flag", args: []string{"--otlp-endpoint", "https://tempo:4318"}, env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318"},
			want: with(func(c *Config) { c.OTLPEndpoint = "https://tempo:4318" })},
		{name: "no console", args: []string{"--no-console"}, want: with(func(c *Config) { c.NoConsole = true })},
		{name: "no console from env", env: map[string]string{"SFNLOCAL_NO_CONSOLE": "true"}, want: with(func(c *Config) { c.NoConsole = true })},
		{name: "bad otlp endpoint", args: []string{"--otlp-endpoint", "localhost:4318"}, wantErr: "--otlp-endpoint"},
		{name: "max executions", args: []string{"--max-executions", "10"}, want: with(func(c *Config) { c.MaxExecutions = 10 })},
		{name: "max executions from env", env: map[string]string{"SFNLOCAL_MAX_EXECUTIONS": "-1"}, want: with(func(c *Config) { c.MaxExecutions = -1 })},
		{name: "data dir", args: []string{"--data-dir", "/tmp/x", "--retention", "1h"}, want: with(func(c *Config) { c.DataDir, c.Retention = "/tmp/x", time.Hour })},
		{name: "data dir from env", env: map[string]string{"SFNLOCAL_DATA_DIR": "/d", "SFNLOCAL_RETENTION": "24h"}, want: with(func(c *Config) { c.DataDir, c.Retention = "/d", 24*time.Hour })},
		{name: "bad max executions", args: []string{"--max-executions", "0"}, wantErr: "--max-executions"},
		{name: "bad max executions env", env: map[string]string{"SFNLOCAL_MAX_EXECUTIONS": "many"}, wantErr: "SFNLOCAL_MAX_EXECUTIONS"},
		{name: "lambda user", args: []string{"--lambda-user", "daemon"}, want: with(func(c *Config) { c.LambdaUser = "daemon" })},
		{name: "lambda user opt out", args: []string{"--lambda-user="}, want: with(func(c *Config) { c.LambdaUser = "" })},
		{name: "lambda user opt out from env", env: map[string]string{"SFNLOCAL_LAMBDA_USER": "none"}, want: with(func(c *Config) { c.LambdaUser = "" })},
		{name: "bad wait time scale", env: map[string]string{"WAIT_TIME_SCALE": "x"}, wantErr: "WAIT_TIME_SCALE"},
		{name: "bad bool", env: map[string]string{"SFNLOCAL_ALLOW_PRIVILEGED": "maybe"}, wantErr: "SFNLOCAL_ALLOW_PRIVILEGED"},
		{name: "bad addr", args: []string{"--addr", "nope"}, wantErr: "--addr"},
		{name: "bad region", args: []string{"--region", "mars"}, wantErr: "--region"},
		{name: "bad account", args: []string{"--account-id", "12"}, wantErr: "--account-id"},
		{name: "bad time", args: []string{"--time", "warp"}, wantErr: "time mode"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "--log-level"},
		{name: "bad lambda endpoint", args: []string{"--lambda-endpoint", "ftp://x"}, wantErr: "--lambda-endpoint"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "flag provided but not defined"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Load(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestLoadHelp(t *testing.T) {
	t.Parallel()
	_, err := Load([]string{"-h"}, func(string) string { return "" }, io.Discard)
	require.True(t, errors.Is(err, flag.ErrHelp))
}
