package lambda

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"go.uber.org/zap"
)

// startEnv starts a new execution environment for v. A function-level failure (no bootstrap,
// no interpreter) is returned as a runtimeResult, as AWS reports it in the Invoke response.
func (s *Service) startEnv(v *version) (*env, *runtimeResult, error) {
	e, err := newEnv(s, v.conf.FunctionName, v.imageURI != "")
	if err != nil {
		return nil, nil, apiErr(http.StatusInternalServerError, CodeService, "%v", err)
	}
	// A version retired by an update while this invocation was starting still runs it, in an
	// environment that is stopped right after (put on a closed pool destroys it).
	if !v.pool.add(e) && s.ctx.Err() != nil {
		e.destroy()
		return nil, nil, apiErr(http.StatusInternalServerError, CodeService, "The service is shutting down.")
	}
	var res *runtimeResult
	if v.imageURI != "" {
		res, err = s.startContainer(v, e)
	} else {
		res, err = s.startProcess(v, e)
	}
	if err != nil || res != nil {
		v.pool.put(e, false)
		return nil, res, err
	}
	return e, nil, nil
}

// lambdaEnv is the environment AWS gives a runtime, then the function's own variables.
func (s *Service) lambdaEnv(v *version, e *env, taskRoot, runtimeDir string) []string {
	now := s.clk.Now().UTC()
	envs := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + v.conf.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION=" + v.conf.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(v.conf.MemorySize),
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(v.conf.Timeout),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + v.conf.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + now.Format("2006/01/02") + "/[" + v.conf.Version + "]" + randHex(16),
		"AWS_LAMBDA_RUNTIME_API=" + e.addr(),
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION=" + s.nameRegion("", v.conf.FunctionArn),
		"AWS_DEFAULT_REGION=" + s.nameRegion("", v.conf.FunctionArn),
		"LAMBDA_TASK_ROOT=" + taskRoot,
		"LAMBDA_RUNTIME_DIR=" + runtimeDir,
		"_HANDLER=" + v.conf.Handler,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
	}
	if v.conf.Runtime != "" {
		envs = append(envs, "AWS_EXECUTION_ENV=AWS_Lambda_"+v.conf.Runtime)
	}
	for k, val := range s.cfg.Env {
		envs = append(envs, k+"="+val)
	}
	for k, val := range v.env {
		envs = append(envs, k+"="+val)
	}
	return envs
}

// startProcess runs the function's runtime as a local process in its own process group.
func (s *Service) startProcess(v *version, e *env) (*runtimeResult, error) {
	rt := v.conf.Runtime
	if strings.HasPrefix(rt, "python") || strings.HasPrefix(rt, "nodejs") {
		if err := s.bootstraps(); err != nil {
			return nil, apiErr(http.StatusInternalServerError, CodeService, "%v", err)
		}
	}
	var argv []string
	switch {
	case strings.HasPrefix(rt, "python"):
		py := s.cfg.Python
		if py == "" {
			py = lookInterpreter(rt, "python3", pyProbe...)
		}
		argv = []string{py, "-u", filepath.Join(s.rtDir, "bootstrap.py")}
	case strings.HasPrefix(rt, "nodejs"):
		node := s.cfg.Node
		if node == "" {
			node = lookInterpreter("", "node", nodeProbe...)
		}
		argv = []string{node, filepath.Join(s.rtDir, "bootstrap.js")}
	case strings.HasPrefix(rt, "provided"):
		boot := filepath.Join(v.codeDir, "bootstrap")
		st, err := os.Stat(boot)
		if err != nil || st.IsDir() || st.Mode().Perm()&0o111 == 0 {
			r := runtimeResult{failed: true, errorType: "Runtime.InvalidEntrypoint", body: mustJSON(orderedError{"Runtime.InvalidEntrypoint", "RequestId:  Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"})}
			return &r, nil
		}
		argv = []string{boot}
	default:
		return nil, apiErr(http.StatusBadGateway, CodeInvalidRuntime, "The runtime parameter of %s is not supported by sfnlocal: supported are python3.x, nodejs, provided.al2, provided.al2023 and container images.", rt)
	}
	if s.cred != nil && !othersCanRun(argv[0]) {
		// An interpreter in root's home (pyenv, nvm) is out of the function user's reach.
		argv[0] = systemInterpreter(filepath.Base(argv[0]), argv[0])
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = v.codeDir
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	cmd.Env = append([]string{"PATH=" + path, "HOME=" + v.codeDir}, s.lambdaEnv(v, e, v.codeDir, s.rtDir)...)
	cmd.Stdout = e.logFile
	cmd.Stderr = e.logFile
	cmd.SysProcAttr = procAttr(s.cred)
	if err := cmd.Start(); err != nil {
		r := runtimeResult{failed: true, errorType: "Runtime.InvalidEntrypoint", body: mustJSON(orderedError{"Runtime.InvalidEntrypoint", "RequestId:  Error: " + err.Error()})}
		return &r, nil
	}
	pid := cmd.Process.Pid
	s.log.Debug("runtime process started", zap.String("function", v.conf.FunctionName), zap.Int("pid", pid), zap.String("runtime", rt))
	e.mu.Lock()
	e.stop = func() {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-e.exited
	}
	e.mu.Unlock()
	go func() {
		err := cmd.Wait()
		// The whole group goes with the runtime, as an AWS sandbox does.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		e.exit(err)
	}()
	return nil, nil
}

var (
	pyProbe   = []string{"-c", "import sys; print(sys.executable)"}
	nodeProbe = []string{"-e", "console.log(process.execPath)"}
)

var interpreters sync.Map // runtime → resolved interpreter path

// lookInterpreter finds the interpreter for a runtime such as python3.12: the versioned binary
// when the machine has a working one, else the generic one. Candidates are run once and their
// real executable is kept, so that version-manager shims (pyenv, nvm) cost nothing per start.
func lookInterpreter(runtime, generic string, probe ...string) string {
	key := runtime + "|" + generic
	if p, ok := interpreters.Load(key); ok {
		return p.(string)
	}
	found := generic
	for _, cand := range []string{runtime, generic} {
		if cand == "" {
			continue
		}
		if _, err := exec.LookPath(cand); err != nil {
			continue
		}
		out, err := exec.Command(cand, probe...).Output()
		if p := strings.TrimSpace(string(out)); err == nil && p != "" {
			found = p
			break
		}
	}
	interpreters.Store(key, found)
	return found
}

// othersCanRun reports whether any user can execute path: the file and every folder above
// it allow others in.
func othersCanRun(path string) bool {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	st, err := os.Stat(real)
	if err != nil || st.Mode().Perm()&0o001 == 0 {
		return false
	}
	for d := filepath.Dir(real); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

// othersCanEnter reports whether any user can reach dir: it and every folder above it let
// others in.
func othersCanEnter(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

// systemInterpreter finds name in the system's folders, or returns fallback.
func systemInterpreter(name, fallback string) string {
	for _, dir := range []string{"/usr/local/bin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if othersCanRun(p) {
			return p
		}
	}
	// python3.12 → python3
	if i := strings.IndexByte(name, '.'); i > 0 {
		return systemInterpreter(name[:i], fallback)
	}
	return fallback
}
