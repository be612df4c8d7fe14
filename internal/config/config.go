// Package config reads sfnlocal's server settings from flags and environment variables.
//
// It exists so that the rules (defaults, which environment variable feeds which flag, Step
// Functions Local's variable names where they mean the same thing, validation) live in one
// table-tested function instead of being spread over main.
package config

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// Config is the server's configuration.
type Config struct {
	Addr      string // listen address, host:port
	Region    string
	AccountID string
	// TimeMode is "real", "instant", "manual" or "scale=N"; see clock.ParseTimeMode.
	TimeMode string
	LogLevel string // debug, info, warn, error
	// LambdaEndpoint, when set, forwards every Lambda invoke to another Lambda-compatible
	// endpoint (like Step Functions Local's LAMBDA_ENDPOINT).
	LambdaEndpoint string
	// AllowPrivileged and AllowHostMounts let Batch job definitions ask for privileged
	// containers and host bind mounts; both are refused by default.
	AllowPrivileged bool
	AllowHostMounts bool
	// ContainerHost is the address job containers use to reach sfnlocal (their
	// AWS_ENDPOINT_URL host); "" picks Docker's host gateway.
	ContainerHost string
	// APIGateway maps an API Gateway API id to the base URL that
	// <id>.execute-api.<region>.amazonaws.com stands for (apigateway:invoke Tasks).
	APIGateway map[string]string
	// BatchBackend runs the jobs of every Batch compute environment without a
	// sfnlocal:backend tag on "docker" (the local daemon, the default) or "swarm" (a Docker
	// Swarm cluster whose manager DOCKER_HOST names).
	BatchBackend string
	// MockConfig is the path of a Step Functions Local mock configuration file (like its
	// SFN_MOCK_CONFIG); "" for none.
	MockConfig string
	// OTLPEndpoint, when set, exports each execution as a trace over OTLP/HTTP to this base
	// URL (like OTEL_EXPORTER_OTLP_ENDPOINT: http://host:4318, traces go to /v1/traces).
	OTLPEndpoint string
	// NoConsole turns the web console (/ui/) off.
	NoConsole bool
	// MaxExecutions is how many finished executions are kept, oldest evicted first
	// (negative: no limit).
	MaxExecutions int
	// LambdaUser is the user zip functions run as: "auto" (nobody when sfnlocal runs as root,
	// else sfnlocal's own user), a user name or uid, or "" to always run them as sfnlocal's
	// user.
	LambdaUser string
	// DataDir, when set, keeps every service's state in a durable store in this directory
	// (internal/storage): it survives restarts and crashes. "" keeps everything in memory.
	DataDir string
	// Retention is how long finished executions are kept with DataDir, in virtual time
	// (AWS keeps closed executions 90 days).
	Retention time.Duration
}

// DefaultRetention is --retention's default: AWS keeps closed executions for 90 days.
const DefaultRetention = 90 * 24 * time.Hour

// DefaultMaxExecutions is --max-executions' default.
const DefaultMaxExecutions = 100000

// Env lists the environment variables Load reads, for the README and usage text.
var Env = []struct{ Name, Flag, Doc string }{
	{"SFNLOCAL_ADDR", "addr", "listen address"},
	{"SFNLOCAL_REGION", "region", "AWS region used in ARNs (also AWS_DEFAULT_REGION, AWS_REGION)"},
	{"AWS_ACCOUNT_ID", "account-id", "account id used in ARNs (also SFNLOCAL_ACCOUNT_ID)"},
	{"SFNLOCAL_TIME", "time", "time mode: real, instant, manual or scale=N"},
	{"WAIT_TIME_SCALE", "time", "Step Functions Local's wait multiplier: 0.1 waits a tenth as long, 0 skips waits (instant)"},
	{"SFNLOCAL_LOG_LEVEL", "log-level", "debug, info, warn or error"},
	{"LAMBDA_ENDPOINT", "lambda-endpoint", "forward Lambda invokes to this endpoint (also SFNLOCAL_LAMBDA_ENDPOINT)"},
	{"SFNLOCAL_ALLOW_PRIVILEGED", "allow-privileged", "let Batch jobs run privileged containers"},
	{"SFNLOCAL_ALLOW_HOST_MOUNTS", "allow-host-mounts", "let Batch jobs bind-mount host paths"},
	{"SFNLOCAL_CONTAINER_HOST", "container-host", "host that job containers use to reach sfnlocal"},
	{"SFNLOCAL_APIGATEWAY_ENDPOINTS", "apigateway-endpoint", "comma-separated ID=URL pairs: the base URL each API Gateway API id stands for"},
	{"SFNLOCAL_BATCH_BACKEND", "batch-backend", "docker or swarm: where Batch jobs and ECS tasks run (a compute environment's or cluster's tag sfnlocal:backend overrides it)"},
	{"SFN_MOCK_CONFIG", "mock-config", "Step Functions Local's mock configuration file (mocked service integrations)"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "otlp-endpoint", "export each execution as an OpenTelemetry trace to this OTLP/HTTP endpoint (also SFNLOCAL_OTLP_ENDPOINT)"},
	{"SFNLOCAL_NO_CONSOLE", "no-console", "turn the web console at /ui/ off"},
	{"SFNLOCAL_MAX_EXECUTIONS", "max-executions", "finished executions kept, oldest evicted first"},
	{"SFNLOCAL_LAMBDA_USER", "lambda-user", "user zip functions run as (auto: nobody when sfnlocal runs as root)"},
	{"SFNLOCAL_DATA_DIR", "data-dir", "keep all state in a durable store in this directory (survives restarts and crashes)"},
	{"SFNLOCAL_RETENTION", "retention", "with --data-dir, how long finished executions are kept (virtual time)"},
}

// regionRE is compiled on first use: package initialisation is on the path to the first
// answered request.
var regionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`) })

func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Load parses args (without the program and subcommand names) with defaults taken from getenv.
// Flags win over environment variables. It never exits the process: errors, including -h, are
// returned (flag.ErrHelp for -h).
func Load(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	first := func(names ...string) string {
		for _, n := range names {
			if v := getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	timeDefault := first("SFNLOCAL_TIME")
	if timeDefault == "" {
		// Step Functions Local: WAIT_TIME_SCALE multiplies wait durations (0.1 = ten times
		// faster, 0 = no waiting at all).
		if s := getenv("WAIT_TIME_SCALE"); s != "" {
			f, err := strconv.ParseFloat(s, 64)
			switch {
			case err != nil || f < 0:
				return Config{}, fmt.Errorf("invalid WAIT_TIME_SCALE %q: want a number >= 0", s)
			case f == 0:
				timeDefault = "instant"
			default:
				timeDefault = "scale=" + strconv.FormatFloat(1/f, 'g', -1, 64)
			}
		}
	}
	boolEnv := func(name string) (bool, error) {
		v := getenv(name)
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("invalid %s %q: want true or false", name, v)
		}
		return b, nil
	}
	priv, err := boolEnv("SFNLOCAL_ALLOW_PRIVILEGED")
	if err != nil {
		return Config{}, err
	}
	mounts, err := boolEnv("SFNLOCAL_ALLOW_HOST_MOUNTS")
	if err != nil {
		return Config{}, err
	}
	noConsole, err := boolEnv("SFNLOCAL_NO_CONSOLE")
	if err != nil {
		return Config{}, err
	}
	maxExec := DefaultMaxExecutions
	if v := getenv("SFNLOCAL_MAX_EXECUTIONS"); v != "" {
		if maxExec, err = strconv.Atoi(v); err != nil {
			return Config{}, fmt.Errorf("invalid SFNLOCAL_MAX_EXECUTIONS %q: want a number", v)
		}
	}
	lambdaUser, set := lookupEnv(getenv, "SFNLOCAL_LAMBDA_USER")
	if !set {
		lambdaUser = "auto"
	}

	retention := DefaultRetention
	if v := getenv("SFNLOCAL_RETENTION"); v != "" {
		if retention, err = time.ParseDuration(v); err != nil {
			return Config{}, fmt.Errorf("invalid SFNLOCAL_RETENTION %q: want a duration such as 2160h", v)
		}
	}

	var c Config
	fs := flag.NewFlagSet("sfnlocal serve", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&c.Addr, "addr", or(first("SFNLOCAL_ADDR"), "127.0.0.1:8083"), "listen address (env SFNLOCAL_ADDR)")
	fs.StringVar(&c.Region, "region", or(first("SFNLOCAL_REGION", "AWS_DEFAULT_REGION", "AWS_REGION"), "us-east-1"), "AWS region in ARNs (env SFNLOCAL_REGION, AWS_DEFAULT_REGION)")
	fs.StringVar(&c.AccountID, "account-id", or(first("SFNLOCAL_ACCOUNT_ID", "AWS_ACCOUNT_ID"), "123456789012"), "account id in ARNs (env AWS_ACCOUNT_ID)")
	fs.StringVar(&c.TimeMode, "time", or(timeDefault, "real"), "time mode: real, instant, manual or scale=N (env SFNLOCAL_TIME, WAIT_TIME_SCALE)")
	fs.StringVar(&c.LogLevel, "log-level", or(first("SFNLOCAL_LOG_LEVEL"), "info"), "log level: debug, info, warn, error (env SFNLOCAL_LOG_LEVEL)")
	fs.StringVar(&c.LambdaEndpoint, "lambda-endpoint", first("SFNLOCAL_LAMBDA_ENDPOINT", "LAMBDA_ENDPOINT"), "forward Lambda invokes to this endpoint (env LAMBDA_ENDPOINT)")
	fs.BoolVar(&c.AllowPrivileged, "allow-privileged", priv, "allow privileged Batch containers (env SFNLOCAL_ALLOW_PRIVILEGED)")
	fs.BoolVar(&c.AllowHostMounts, "allow-host-mounts", mounts, "allow host bind mounts in Batch jobs (env SFNLOCAL_ALLOW_HOST_MOUNTS)")
	fs.StringVar(&c.ContainerHost, "container-host", first("SFNLOCAL_CONTAINER_HOST"), "host job containers use to reach sfnlocal (env SFNLOCAL_CONTAINER_HOST; default: Docker's host gateway)")
	fs.StringVar(&c.BatchBackend, "batch-backend", first("SFNLOCAL_BATCH_BACKEND"), "docker or swarm: run Batch jobs and ECS tasks on the local daemon (default) or as Docker Swarm services on the manager DOCKER_HOST names; a compute environment's or cluster's sfnlocal:backend tag overrides it (env SFNLOCAL_BATCH_BACKEND)")
	fs.StringVar(&c.MockConfig, "mock-config", first("SFN_MOCK_CONFIG"), "Step Functions Local mock configuration file: StartExecution with <ARN>#<test case> runs that test case; reloaded on SIGHUP (env SFN_MOCK_CONFIG)")
	apigw := apiGatewayFlag{}
	if v := getenv("SFNLOCAL_APIGATEWAY_ENDPOINTS"); v != "" {
		for _, pair := range strings.Split(v, ",") {
			if err := apigw.Set(strings.TrimSpace(pair)); err != nil {
				return Config{}, fmt.Errorf("invalid SFNLOCAL_APIGATEWAY_ENDPOINTS: %v", err)
			}
		}
	}
	fs.Var(apigw, "apigateway-endpoint", "ID=URL: the base URL API Gateway API id ID stands for in apigateway:invoke Tasks; repeatable (env SFNLOCAL_APIGATEWAY_ENDPOINTS, comma-separated)")
	fs.StringVar(&c.OTLPEndpoint, "otlp-endpoint", first("SFNLOCAL_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"), "export executions as OpenTelemetry traces to this OTLP/HTTP endpoint, e.g. http://localhost:4318 (env OTEL_EXPORTER_OTLP_ENDPOINT)")
	fs.BoolVar(&c.NoConsole, "no-console", noConsole, "turn the web console at /ui/ off (env SFNLOCAL_NO_CONSOLE)")
	fs.IntVar(&c.MaxExecutions, "max-executions", maxExec, "finished executions kept, oldest evicted first; -1: no limit (env SFNLOCAL_MAX_EXECUTIONS)")
	fs.StringVar(&c.LambdaUser, "lambda-user", lambdaUser, "user zip functions run as: auto (nobody when sfnlocal runs as root), a user, or empty for sfnlocal's own user (env SFNLOCAL_LAMBDA_USER)")
	fs.StringVar(&c.DataDir, "data-dir", first("SFNLOCAL_DATA_DIR"), "keep all state in a durable store in this directory: it survives restarts and kill -9; empty keeps everything in memory (env SFNLOCAL_DATA_DIR)")
	fs.DurationVar(&c.Retention, "retention", retention, "with --data-dir, finished executions older than this (virtual time) are removed (env SFNLOCAL_RETENTION)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if len(apigw) > 0 {
		c.APIGateway = apigw
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.validate()
}

// lookupEnv tells an empty variable from an unset one through getenv: an empty value that
// the user set is written as SFNLOCAL_LAMBDA_USER= and getenv cannot show it, so "-" and
// "none" also mean "no user switch".
func lookupEnv(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	switch v {
	case "":
		return "", false
	case "-", "none":
		return "", true
	}
	return v, true
}

func (c Config) validate() error {
	if c.Retention <= 0 {
		return fmt.Errorf("invalid --retention %s: want a positive duration", c.Retention)
	}
	if c.MaxExecutions == 0 || c.MaxExecutions < -1 {
		return fmt.Errorf("invalid --max-executions %d: want a positive number, or -1 for no limit", c.MaxExecutions)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("invalid --addr %q: %v", c.Addr, err)
	}
	if !regionRE().MatchString(c.Region) {
		return fmt.Errorf("invalid --region %q", c.Region)
	}
	if !validAccount(c.AccountID) {
		return fmt.Errorf("invalid --account-id %q: want 12 digits", c.AccountID)
	}
	if _, err := clock.ParseMode(c.TimeMode); err != nil {
		return err
	}
	if c.OTLPEndpoint != "" {
		u, err := url.Parse(c.OTLPEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("invalid --otlp-endpoint %q: want http(s)://host:port", c.OTLPEndpoint)
		}
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("invalid --log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.BatchBackend {
	case "", "docker", "swarm":
	default:
		return fmt.Errorf("invalid --batch-backend %q: want docker or swarm", c.BatchBackend)
	}
	if c.LambdaEndpoint != "" && !strings.HasPrefix(c.LambdaEndpoint, "http://") && !strings.HasPrefix(c.LambdaEndpoint, "https://") {
		return fmt.Errorf("invalid --lambda-endpoint %q: want an http:// or https:// URL", c.LambdaEndpoint)
	}
	return nil
}

// apiGatewayFlag collects --apigateway-endpoint ID=URL pairs; a flag wins over the
// environment variable for the same id.
type apiGatewayFlag map[string]string

func (f apiGatewayFlag) String() string {
	parts := make([]string, 0, len(f))
	for k, v := range f {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

var apiIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-z]+$`) })

func (f apiGatewayFlag) Set(v string) error {
	id, u, ok := strings.Cut(v, "=")
	if !ok || !apiIDRE().MatchString(id) {
		return fmt.Errorf("%q: want ID=URL with an API id of lower-case letters and digits", v)
	}
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return fmt.Errorf("%q: want an http:// or https:// URL", v)
	}
	f[id] = u
	return nil
}
