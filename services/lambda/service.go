package lambda

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Config configures the Lambda simulator.
type Config struct {
	// Clock measures function timeouts and stamps LastModified; nil means the wall clock.
	// Function code runs in real time, so a server in scale=N or instant mode should still
	// pass clock.Real() here: a scaled clock would shorten every function Timeout N times.
	Clock clock.Clock
	// Logger receives the simulator's own logs; nil means no logging.
	Logger    *zap.Logger
	Region    string // default us-east-1
	AccountID string // default 123456789012
	// ForwardEndpoint (--lambda-endpoint), when set, sends every invoke of a function that is not
	// an in-process Go function to this Lambda-compatible endpoint.
	ForwardEndpoint string
	// Docker runs image functions; nil connects to the daemon from the environment
	// (DOCKER_HOST...) with API version negotiation on first use.
	Docker DockerClient
	// TempDir is where function code is unzipped; "" means os.TempDir().
	TempDir string
	// User is the user zip functions' processes run as: UserAuto ("auto": nobody when
	// sfnlocal runs as root), a user name or uid, or "" for sfnlocal's own user.
	User string
	// ContainerHost is the host name image functions' containers reach sfnlocal at (Docker's
	// host gateway); "" means host.docker.internal.
	ContainerHost string
	// Python and Node override the interpreters found on PATH for python3.x and nodejs.
	Python, Node string
	// HTTPClient is used in forward mode; nil means a client without timeout.
	HTTPClient *http.Client
	// OnInvoke, when set, hears the end of every invocation with its outcome: success, error
	// (a function error or timeout) or service_error (metrics). It must not block.
	OnInvoke func(function, outcome string)
	// MaxConcurrency caps the invocations of one function version that run at once (each in
	// its own environment); more wait for a free one. 0 means 32.
	MaxConcurrency int
	// IdleTimeout stops an environment that has been idle this long (on Clock); 0 means
	// 10 minutes, negative means never.
	IdleTimeout time.Duration
	// Env is added to every function's environment before its own variables, e.g.
	// AWS_ENDPOINT_URL pointing at sfnlocal and dummy credentials for the AWS SDKs.
	Env map[string]string
	// DB, when set, keeps functions with their code, versions, aliases and event source
	// mappings durably (see persist.go); nil keeps them in memory.
	DB *storage.DB
}

// GoFunc is an in-process Lambda function: it gets the invocation payload and returns the
// result payload, or an error that becomes the function error.
type GoFunc func(ctx context.Context, payload []byte) ([]byte, error)

// Service is the Lambda simulator.
type Service struct {
	cfg     Config
	log     *zap.Logger
	clk     clock.Clock
	id      string
	baseDir string
	rtDir   string
	// bootstraps writes the python and node bootstraps into rtDir on first use.
	bootstraps func() error
	fwd        *forwarder
	// cred is the user runtime processes start as; nil: sfnlocal's own.
	cred *syscall.Credential

	// ctx lives as long as the service: it bounds background work (Event invocations, container
	// log followers) and is cancelled by Close.
	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup

	dockerOnce sync.Once
	docker     DockerClient
	dockerErr  error

	mu        sync.Mutex
	functions map[string]*function
	closed    bool
	j         *journal.Journal // nil in memory mode

	esmState
}

type function struct {
	region      string // functions are kept per region, as on AWS (see fkey)
	name        string
	latest      *version
	versions    map[string]*version
	aliases     map[string]*alias
	nextVersion int
	// publishedRev is $LATEST's RevisionId when the last version was published.
	publishedRev string
	dirs         []string
	logs         *logRing
}

// version is an immutable snapshot of a function's code and configuration: $LATEST is replaced
// on every update, and published versions never change. Each has its own environments.
type version struct {
	conf     FunctionConfiguration
	env      map[string]string
	codeDir  string
	imageURI string
	image    *ImageConfig
	goFn     GoFunc
	pool     *pool
	logs     *logRing
}

type alias struct {
	conf AliasConfiguration
}

// New returns a Lambda simulator. Close releases its processes, containers and files.
func New(cfg Config) (*Service, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = 32
	}
	switch {
	case cfg.IdleTimeout == 0:
		cfg.IdleTimeout = 10 * time.Minute
	case cfg.IdleTimeout < 0:
		cfg.IdleTimeout = 0
	}
	if cfg.ContainerHost == "" {
		cfg.ContainerHost = "host.docker.internal"
	}
	cred, err := resolveUser(cfg.User, os.Geteuid(), lookupUser)
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp(cfg.TempDir, "sfnlocal-lambda-")
	if err != nil {
		return nil, fmt.Errorf("lambda: temp dir: %w", err)
	}
	s := &Service{
		cfg:       cfg,
		log:       cfg.Logger.Named("lambda"),
		clk:       cfg.Clock,
		id:        randHex(8),
		baseDir:   base,
		rtDir:     filepath.Join(base, "runtime"),
		functions: map[string]*function{},
		esmState:  esmState{esms: map[string]*esm{}},
		docker:    cfg.Docker,
		cred:      cred,
		j:         journal.New(cfg.DB),
	}
	s.bootstraps = sync.OnceValue(func() error { return writeBootstraps(s.rtDir) })
	s.shareDir(base)
	if cred != nil && !othersCanEnter(base) {
		s.log.Warn("zip functions run as another user and cannot enter their code folder: give TMPDIR a folder every user can enter, or set --lambda-user=",
			zap.String("folder", base), zap.Uint32("uid", cred.Uid))
	}
	if cfg.ForwardEndpoint != "" {
		fwd, err := newForwarder(cfg.ForwardEndpoint, cfg.HTTPClient)
		if err != nil {
			_ = os.RemoveAll(base)
			return nil, err
		}
		s.fwd = fwd
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if cfg.DB != nil {
		if err := s.load(cfg.DB); err != nil {
			_ = os.RemoveAll(base)
			return nil, fmt.Errorf("lambda: load the durable state: %w", err)
		}
	}
	return s, nil
}

// Close stops every runtime process and container and removes the unzipped code.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	var pools []*pool
	for _, f := range s.functions {
		pools = append(pools, f.pools()...)
	}
	s.functions = map[string]*function{}
	s.mu.Unlock()
	s.cancel()
	for _, p := range pools {
		p.close(true)
	}
	s.bg.Wait()
	return os.RemoveAll(s.baseDir)
}

func (f *function) pools() []*pool {
	ps := []*pool{f.latest.pool}
	for _, v := range f.versions {
		ps = append(ps, v.pool)
	}
	return ps
}

// RegisterGoFunction registers (or replaces) a function named name whose code is fn, run
// in-process. It appears in the Lambda API like any other function (runtime provided.al2023)
// and is never forwarded.
func (s *Service) RegisterGoFunction(name string, fn func(ctx context.Context, payload []byte) ([]byte, error)) {
	conf := s.newConfiguration(s.cfg.Region, name, "arn:aws:iam::"+s.cfg.AccountID+":role/sfnlocal-go-function")
	conf.Runtime = "provided.al2023"
	conf.Handler = "bootstrap"
	conf.CodeSha256 = "in-process"
	v := &version{conf: conf, goFn: fn, pool: s.newPool()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	old := s.functions[fkey(s.cfg.Region, name)]
	f := &function{region: s.cfg.Region, name: name, latest: v, versions: map[string]*version{}, aliases: map[string]*alias{}, nextVersion: 1, logs: newLogRing()}
	v.logs = f.logs
	s.functions[fkey(s.cfg.Region, name)] = f
	if old != nil {
		s.forgetFunction(s.cfg.Region, name)
		go old.dropper()()
	}
}

// dropper returns what retires a function that was just removed from s.functions: its
// environments are stopped and its code deleted. Callers hold s.mu; the returned function
// runs without it.
func (f *function) dropper() func() {
	pools, dirs := f.pools(), append([]string(nil), f.dirs...)
	return func() {
		for _, p := range pools {
			p.close(true)
		}
		for _, d := range dirs {
			_ = os.RemoveAll(d)
		}
	}
}

// Logs returns the logs of the function's last invocations (up to 100), oldest first; each is
// the text CloudWatch Logs would hold, from START to REPORT. name is a function name (of the
// default region) or ARN.
func (s *Service) Logs(name string) []string {
	n, _, _ := splitName(name)
	s.mu.Lock()
	f := s.functions[fkey(s.nameRegion("", name), n)]
	s.mu.Unlock()
	if f == nil {
		return nil
	}
	return f.logs.all()
}

// fkey is a function's key in s.functions: its region and name.
func fkey(region, name string) string { return region + "/" + name }

// functionArn is the ARN of the function name in region, in the region's partition.
func (s *Service) functionArn(region, name string) string {
	return "arn:" + awsproto.Partition(region) + ":lambda:" + region + ":" + s.cfg.AccountID + ":function:" + name
}

// nameRegion is the region a FunctionName refers to: the region of a full ARN, else region
// (the request's, or the execution's for Step Functions), else the default region.
func (s *Service) nameRegion(region, fnName string) string {
	if m := fnNameRE().FindStringSubmatch(fnName); m != nil && m[3] != "" {
		return strings.TrimSuffix(m[3], ":")
	}
	if region == "" {
		return s.cfg.Region
	}
	return region
}

func (s *Service) newConfiguration(region, name, role string) FunctionConfiguration {
	return FunctionConfiguration{
		FunctionName:     name,
		FunctionArn:      s.functionArn(region, name),
		Role:             role,
		Timeout:          3,
		MemorySize:       128,
		LastModified:     s.clk.Now().UTC().Format("2006-01-02T15:04:05.000-0700"),
		Version:          "$LATEST",
		State:            "Active",
		LastUpdateStatus: "Successful",
		PackageType:      "Zip",
		Architectures:    []string{"x86_64"},
		RevisionID:       newUUID(),
		TracingConfig:    &TracingConfig{Mode: "PassThrough"},
		EphemeralStorage: &EphemeralStorage{Size: 512},
		SnapStart:        &SnapStart{ApplyOn: "None", OptimizationStatus: "Off"},
		LoggingConfig:    &LoggingConfig{LogFormat: "Text", LogGroup: "/aws/lambda/" + name},
	}
}

// fnNameRE is the FunctionName pattern of the Lambda API model.
var fnNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$`)
})

const fnNamePattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

// splitName parses a FunctionName (name, name:qualifier, partial or full ARN) into the function
// name and the qualifier it carries.
func splitName(s string) (name, qualifier string, err *APIError) {
	if s == "" {
		return "", "", errValidation("null", "functionName", "Member must not be null")
	}
	if len(s) > 170 {
		return "", "", errValidation("'"+s+"'", "functionName", "Member must have length less than or equal to 170")
	}
	m := fnNameRE().FindStringSubmatch(s)
	if m == nil {
		return "", "", errValidation("'"+s+"'", "functionName", "Member must satisfy regular expression pattern: "+fnNamePattern)
	}
	name, qualifier = m[10], m[12]
	if len(name) > 64 {
		return "", "", errValidation("'"+s+"'", "functionName", "Member must have length less than or equal to 64")
	}
	return name, qualifier, nil
}

// resolve finds the version that FunctionName (+ Qualifier) names; invoke selects the
// message Invoke gives for a missing function.
// region is the request's (a full ARN's own region wins).
func (s *Service) resolve(region, fnName, qualifier string, invoke bool) (*function, *version, *APIError) {
	region = s.nameRegion(region, fnName)
	name, q, aerr := splitName(fnName)
	if aerr != nil {
		return nil, nil, aerr
	}
	if qualifier != "" && q != "" && qualifier != q {
		return nil, nil, errInvalidParam("The derived qualifier from the function name does not match the specified qualifier.")
	}
	if q == "" {
		q = qualifier
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[fkey(region, name)]
	if f == nil {
		arn := s.functionArn(region, name)
		if q != "" {
			arn += ":" + q
		} else if invoke {
			// Invoke names the version it looked for (recorded against AWS, 2025).
			arn += ":$LATEST"
		}
		return nil, nil, errNotFound("Function not found: %s", arn)
	}
	v, aerr := f.lookup(q, s.functionArn(region, name))
	return f, v, aerr
}

func (f *function) lookup(q, arn string) (*version, *APIError) {
	switch {
	case q == "" || q == "$LATEST":
		return f.latest, nil
	case isDigits(q):
		if v := f.versions[q]; v != nil {
			return v, nil
		}
		return nil, errNotFound("Function not found: %s:%s", arn, q)
	default:
		a := f.aliases[q]
		if a == nil {
			return nil, errNotFound("Function not found: %s:%s", arn, q)
		}
		if a.conf.FunctionVersion == "$LATEST" {
			return f.latest, nil
		}
		if v := f.versions[a.conf.FunctionVersion]; v != nil {
			return v, nil
		}
		return nil, errNotFound("Function not found: %s:%s", arn, q)
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// reservedEnv are the environment variables Lambda sets itself and refuses in Environment.
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true,
	"AWS_LAMBDA_LOG_GROUP_NAME": true, "AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
	"AWS_LAMBDA_RUNTIME_API": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

var envKeyRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`) })

func validateEnv(vars map[string]string) *APIError {
	var reserved []string
	size := 0
	for k, v := range vars {
		if !envKeyRE().MatchString(k) {
			return errValidation("'"+k+"'", "environment.variables", "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+")
		}
		if reservedEnv[k] {
			reserved = append(reserved, k)
		}
		size += len(k) + len(v)
	}
	if len(reserved) > 0 {
		sort.Strings(reserved)
		return errInvalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(reserved, ","))
	}
	if size > 4096 {
		return errInvalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %d", size)
	}
	return nil
}

// runtimes is the Runtime enum of the Lambda API model.
var runtimes = []string{
	"nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x",
	"java8", "java8.al2", "java11", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
	"dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "nodejs4.3-edge",
	"go1.x", "ruby2.5", "ruby2.7", "provided", "provided.al2", "nodejs18.x", "python3.10", "java17",
	"ruby3.2", "ruby3.3", "ruby3.4", "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21",
	"python3.13", "nodejs22.x", "nodejs24.x", "python3.14", "java25", "dotnet10",
}

var runtimeSet = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range runtimes {
		m[r] = true
	}
	return m
}()

// deprecated runtimes can no longer be used to create or update functions.
var deprecatedRuntimes = map[string]bool{
	"nodejs": true, "nodejs4.3": true, "nodejs6.10": true, "nodejs8.10": true, "nodejs10.x": true,
	"nodejs12.x": true, "nodejs14.x": true, "nodejs16.x": true, "python2.7": true, "python3.6": true,
	"python3.7": true, "dotnetcore1.0": true, "dotnetcore2.0": true, "dotnetcore2.1": true,
	"dotnetcore3.1": true, "nodejs4.3-edge": true, "go1.x": true, "ruby2.5": true, "ruby2.7": true,
	"provided": true, "dotnet6": true, "python3.8": true, "java8": true,
}

func validateRuntime(r string) *APIError {
	if !runtimeSet[r] {
		return errValidation("'"+r+"'", "runtime", "Member must satisfy enum value set: ["+strings.Join(runtimes, ", ")+"]")
	}
	if deprecatedRuntimes[r] {
		return errInvalidParam("The runtime parameter of %s is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.", r)
	}
	return nil
}

var roleRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
})

func validateRole(role *string) *APIError {
	if role == nil {
		return errValidation("null", "role", "Member must not be null")
	}
	if !roleRE().MatchString(*role) {
		return errValidation("'"+*role+"'", "role", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	}
	return nil
}

func validateTimeoutMemory(timeout, memory *int) *APIError {
	if timeout != nil {
		if *timeout < 1 {
			return errValidation("'"+strconv.Itoa(*timeout)+"'", "timeout", "Member must have value greater than or equal to 1")
		}
		if *timeout > 900 {
			return errValidation("'"+strconv.Itoa(*timeout)+"'", "timeout", "Member must have value less than or equal to 900")
		}
	}
	if memory != nil {
		if *memory < 128 {
			return errValidation("'"+strconv.Itoa(*memory)+"'", "memorySize", "Member must have value greater than or equal to 128")
		}
		if *memory > 10240 {
			return errValidation("'"+strconv.Itoa(*memory)+"'", "memorySize", "Member must have value less than or equal to 10240")
		}
	}
	return nil
}

func (s *Service) createFunction(ctx context.Context, in *CreateFunctionInput) (_ *FunctionConfiguration, err error) {
	if in.FunctionName == nil {
		return nil, errValidation("null", "functionName", "Member must not be null")
	}
	region := s.nameRegion(regionOf(ctx), *in.FunctionName)
	name, q, aerr := splitName(*in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	if q != "" {
		return nil, errInvalidParam("Unqualified function name expected but a qualified name was given: %s", *in.FunctionName)
	}
	if aerr := validateRole(in.Role); aerr != nil {
		return nil, aerr
	}
	if in.Code == nil {
		return nil, errValidation("null", "code", "Member must not be null")
	}
	pkg := in.PackageType
	if pkg == "" {
		pkg = "Zip"
	}
	if pkg != "Zip" && pkg != "Image" {
		return nil, errValidation("'"+pkg+"'", "packageType", "Member must satisfy enum value set: [Zip, Image]")
	}
	if in.Runtime != "" {
		if aerr := validateRuntime(in.Runtime); aerr != nil {
			return nil, aerr
		}
	}
	if aerr := validateTimeoutMemory(in.Timeout, in.MemorySize); aerr != nil {
		return nil, aerr
	}
	for _, a := range in.Architectures {
		if a != "x86_64" && a != "arm64" {
			return nil, errValidation("'["+a+"]'", "architectures", "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]")
		}
	}
	if len(in.Architectures) > 1 {
		return nil, errValidation("'["+strings.Join(in.Architectures, ", ")+"]'", "architectures", "Member must have length less than or equal to 1")
	}
	var vars map[string]string
	if in.Environment != nil {
		vars = in.Environment.Variables
		if aerr := validateEnv(vars); aerr != nil {
			return nil, aerr
		}
	}
	conf := s.newConfiguration(region, name, *in.Role)
	conf.Description = in.Description
	conf.PackageType = pkg
	if in.Timeout != nil {
		conf.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		conf.MemorySize = *in.MemorySize
	}
	if len(in.Architectures) == 1 {
		conf.Architectures = in.Architectures
	}
	if vars != nil {
		conf.Environment = &EnvironmentResponse{Variables: vars}
	}
	v := &version{conf: conf, env: vars, pool: s.newPool()}
	var dir string
	switch pkg {
	case "Zip":
		if in.Runtime == "" || in.Handler == "" {
			return nil, errInvalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
		}
		if in.Code.ImageURI != "" {
			return nil, errInvalidParam("Please don't provide ImageUri when updating a function with packageType Zip.")
		}
		if in.ImageConfig != nil {
			return nil, errInvalidParam("ImageConfig is not supported for functions created with deployment packages.")
		}
		if len(in.Code.ZipFile) == 0 {
			if in.Code.S3Bucket != "" {
				return nil, errInvalidParam("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")
			}
			return nil, errInvalidParam("Please provide a source for function code.")
		}
		var err error
		dir, err = s.unzipCode(in.Code.ZipFile)
		if err != nil {
			return nil, err
		}
		v.conf.Runtime = in.Runtime
		v.conf.Handler = in.Handler
		v.conf.CodeSize = int64(len(in.Code.ZipFile))
		v.conf.CodeSha256 = sha256b64(in.Code.ZipFile)
		v.codeDir = dir
	case "Image":
		if in.Code.ImageURI == "" {
			return nil, errInvalidParam("Please provide ImageUri when updating a function with packageType Image.")
		}
		if len(in.Code.ZipFile) > 0 || in.Code.S3Bucket != "" {
			return nil, errInvalidParam("Please don't provide code as ZipFile or S3 location when updating a function with packageType Image.")
		}
		if in.Runtime != "" || in.Handler != "" {
			return nil, errInvalidParam("Runtime and Handler are not supported for functions created with container images.")
		}
		digest, aerr := s.inspectImage(ctx, in.Code.ImageURI)
		if aerr != nil {
			return nil, aerr
		}
		v.imageURI = in.Code.ImageURI
		v.image = in.ImageConfig
		v.conf.CodeSha256 = digest
		if in.ImageConfig != nil {
			v.conf.ImageConfigResponse = &ImageConfigResponse{ImageConfig: in.ImageConfig}
		}
	}
	if pkg == "Zip" {
		if err := s.storeCode(&v.conf, in.Code.ZipFile); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = os.RemoveAll(dir)
		return nil, apiErr(http.StatusInternalServerError, CodeService, "The service is shutting down.")
	}
	if s.functions[fkey(region, name)] != nil {
		_ = os.RemoveAll(dir)
		return nil, errConflict("Function already exist: %s", name)
	}
	f := &function{region: region, name: name, latest: v, versions: map[string]*version{}, aliases: map[string]*alias{}, nextVersion: 1, logs: newLogRing()}
	v.logs = f.logs
	if dir != "" {
		f.dirs = append(f.dirs, dir)
	}
	s.functions[fkey(region, name)] = f
	out := v.conf
	if in.Publish {
		pv := s.publish(f, "")
		out = pv.conf
	}
	s.persistFunction(f)
	return &out, nil
}

// publish snapshots $LATEST as the next version; as on AWS, nothing new is published when
// $LATEST has not changed since the last version. Callers hold s.mu.
func (s *Service) publish(f *function, desc string) *version {
	if f.publishedRev != "" && f.publishedRev == f.latest.conf.RevisionID {
		if v := f.versions[strconv.Itoa(f.nextVersion-1)]; v != nil {
			return v
		}
	}
	f.publishedRev = f.latest.conf.RevisionID
	n := strconv.Itoa(f.nextVersion)
	f.nextVersion++
	v := *f.latest
	v.conf.Version = n
	v.conf.FunctionArn = f.latest.conf.FunctionArn + ":" + n
	if desc != "" {
		v.conf.Description = desc
	}
	v.conf.RevisionID = newUUID()
	v.pool = s.newPool()
	f.versions[n] = &v
	return &v
}

// getFunction finds the function name names in region (a full ARN's own region wins).
func (s *Service) getFunction(region, name string) (*function, *APIError) {
	region = s.nameRegion(region, name)
	n, _, aerr := splitName(name)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[fkey(region, n)]
	if f == nil {
		return nil, errNotFound("Function not found: %s", s.functionArn(region, n))
	}
	return f, nil
}

func (s *Service) updateCode(ctx context.Context, fnName string, in *UpdateFunctionCodeInput) (*FunctionConfiguration, error) {
	f, aerr := s.getFunction(regionOf(ctx), fnName)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	cur := f.latest
	s.mu.Unlock()
	nv := *cur
	nv.conf.RevisionID = newUUID()
	nv.conf.LastModified = s.clk.Now().UTC().Format("2006-01-02T15:04:05.000-0700")
	nv.pool = s.newPool()
	var dir string
	switch cur.conf.PackageType {
	case "Image":
		if in.ImageURI == "" {
			return nil, errInvalidParam("Please provide ImageUri when updating a function with packageType Image.")
		}
		if len(in.ZipFile) > 0 {
			return nil, errInvalidParam("Please don't provide code as ZipFile or S3 location when updating a function with packageType Image.")
		}
		digest, aerr := s.inspectImage(ctx, in.ImageURI)
		if aerr != nil {
			return nil, aerr
		}
		nv.imageURI = in.ImageURI
		nv.conf.CodeSha256 = digest
	default:
		if in.ImageURI != "" {
			return nil, errInvalidParam("Please don't provide ImageUri when updating a function with packageType Zip.")
		}
		if len(in.ZipFile) == 0 {
			if in.S3Bucket != "" {
				return nil, errInvalidParam("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")
			}
			return nil, errInvalidParam("Please provide a source for function code.")
		}
		if cur.goFn != nil {
			return nil, errInvalidParam("The code of in-process Go function %s cannot be replaced.", f.name)
		}
		var err error
		dir, err = s.unzipCode(in.ZipFile)
		if err != nil {
			return nil, err
		}
		nv.codeDir = dir
		nv.conf.CodeSize = int64(len(in.ZipFile))
		nv.conf.CodeSha256 = sha256b64(in.ZipFile)
		if err := s.storeCode(&nv.conf, in.ZipFile); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	out, err := s.replaceLatest(f, cur, &nv, dir, in.Publish)
	return out, err
}

// replaceLatest installs nv as f's $LATEST if cur still is, retiring cur's environments.
func (s *Service) replaceLatest(f *function, cur, nv *version, dir string, publish bool) (*FunctionConfiguration, error) {
	s.mu.Lock()
	if s.functions[fkey(f.region, f.name)] != f || f.latest != cur {
		s.mu.Unlock()
		_ = os.RemoveAll(dir)
		return nil, errConflict("The operation cannot be performed at this time. An update is in progress for resource: %s", s.functionArn(f.region, f.name))
	}
	f.latest = nv
	if dir != "" {
		f.dirs = append(f.dirs, dir)
	}
	out := nv.conf
	if publish {
		out = s.publish(f, "").conf
	}
	s.persistFunction(f)
	s.mu.Unlock()
	go cur.pool.close(false)
	if err := s.j.Sync(); err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) updateConfiguration(region, fnName string, in *UpdateFunctionConfigurationInput) (*FunctionConfiguration, error) {
	f, aerr := s.getFunction(region, fnName)
	if aerr != nil {
		return nil, aerr
	}
	if in.Role != nil {
		if aerr := validateRole(in.Role); aerr != nil {
			return nil, aerr
		}
	}
	if in.Runtime != nil {
		if aerr := validateRuntime(*in.Runtime); aerr != nil {
			return nil, aerr
		}
	}
	if aerr := validateTimeoutMemory(in.Timeout, in.MemorySize); aerr != nil {
		return nil, aerr
	}
	if in.Environment != nil {
		if aerr := validateEnv(in.Environment.Variables); aerr != nil {
			return nil, aerr
		}
	}
	s.mu.Lock()
	cur := f.latest
	s.mu.Unlock()
	if cur.conf.PackageType == "Image" && (in.Runtime != nil || in.Handler != nil) {
		return nil, errInvalidParam("Please don't provide Handler or Runtime or Layer when the intended function PackageType is Image.")
	}
	nv := *cur
	nv.pool = s.newPool()
	nv.conf.RevisionID = newUUID()
	nv.conf.LastModified = s.clk.Now().UTC().Format("2006-01-02T15:04:05.000-0700")
	if in.Role != nil {
		nv.conf.Role = *in.Role
	}
	if in.Runtime != nil {
		nv.conf.Runtime = *in.Runtime
	}
	if in.Handler != nil {
		nv.conf.Handler = *in.Handler
	}
	if in.Description != nil {
		nv.conf.Description = *in.Description
	}
	if in.Timeout != nil {
		nv.conf.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		nv.conf.MemorySize = *in.MemorySize
	}
	if in.Environment != nil {
		nv.env = in.Environment.Variables
		nv.conf.Environment = &EnvironmentResponse{Variables: in.Environment.Variables}
	}
	if in.ImageConfig != nil {
		nv.image = in.ImageConfig
		nv.conf.ImageConfigResponse = &ImageConfigResponse{ImageConfig: in.ImageConfig}
	}
	return s.replaceLatest(f, cur, &nv, "", false)
}

func (s *Service) deleteFunction(region, fnName, qualifier string) error {
	region = s.nameRegion(region, fnName)
	name, q, aerr := splitName(fnName)
	if aerr != nil {
		return aerr
	}
	if q == "" {
		q = qualifier
	}
	s.mu.Lock()
	f := s.functions[fkey(region, name)]
	if f == nil {
		s.mu.Unlock()
		return errNotFound("Function not found: %s", s.functionArn(region, name))
	}
	switch {
	case q == "" || q == "$LATEST" && qualifier == "":
		delete(s.functions, fkey(region, name))
		s.forgetFunction(region, name)
		drop := f.dropper()
		s.mu.Unlock()
		drop()
		return s.j.Sync()
	case q == "$LATEST":
		s.mu.Unlock()
		return errInvalidParam("$LATEST version cannot be deleted without deleting the function.")
	}
	v := f.versions[q]
	if v == nil {
		s.mu.Unlock()
		return errNotFound("Function not found: %s:%s", s.functionArn(region, name), q)
	}
	for _, a := range f.aliases {
		if a.conf.FunctionVersion == q {
			s.mu.Unlock()
			return errConflict("Unable to delete version because the following aliases reference it: [%s]", a.conf.Name)
		}
	}
	delete(f.versions, q)
	s.persistFunction(f)
	s.mu.Unlock()
	v.pool.close(false)
	return s.j.Sync()
}

// listFunctions lists the functions of region.
func (s *Service) listFunctions(region string) []FunctionConfiguration {
	region = s.nameRegion(region, "")
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FunctionConfiguration, 0, len(s.functions))
	for _, f := range s.functions {
		if f.region == region {
			out = append(out, f.latest.conf)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FunctionName < out[j].FunctionName })
	return out
}

func (s *Service) aliasArn(f *function, name string) string {
	return s.functionArn(f.region, f.name) + ":" + name
}

// regionKey carries the region of a request (its SigV4 scope's) or of a Step Functions
// execution in a context.
type regionKey struct{}

// WithRegion returns ctx for work in region: the functions it creates, lists and invokes by
// name are that region's (functions are kept per region, as on AWS).
func WithRegion(ctx context.Context, region string) context.Context {
	return context.WithValue(ctx, regionKey{}, region)
}

// regionOf is ctx's region, "" for the default.
func regionOf(ctx context.Context) string {
	r, _ := ctx.Value(regionKey{}).(string)
	return r
}

func validAliasName(n string) bool {
	if n == "" || len(n) > 128 || isDigits(n) {
		return false
	}
	for _, c := range n {
		if !(c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
