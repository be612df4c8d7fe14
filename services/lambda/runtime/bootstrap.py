# sfnlocal's Python runtime bootstrap: the Lambda Runtime API loop for python3.x functions.
# It imports the user's handler (MODULE.FUNCTION from _HANDLER, relative to LAMBDA_TASK_ROOT)
# and serves invocations from AWS_LAMBDA_RUNTIME_API until the process is stopped.
# Results are JSON-encoded as the AWS Python runtime does (", " and ": " separators; non-ASCII
# kept from python3.12 on); bytes results are sent as they are. Errors are reported as
# {"errorMessage", "errorType", "requestId", "stackTrace"} with paths under /var/task.
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback
import decimal

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
SHOWN_ROOT = os.environ.get("SFNLOCAL_SHOWN_TASK_ROOT", "/var/task")
BOOTSTRAP_FILE = os.path.abspath(__file__)


def runtime_version():
    # AWS_EXECUTION_ENV is AWS_Lambda_python3.12: the runtime this function was created with.
    name = os.environ.get("AWS_EXECUTION_ENV", "").rpartition("python")[2]
    try:
        major, minor = name.split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        return 3, 12


# The python3.12+ runtimes keep non-ASCII text as it is; older ones escape it.
MODERN = runtime_version() >= (3, 12)
conn = http.client.HTTPConnection(API)
CURRENT_REQUEST_ID = ""


def request(method, path, body=None, headers=None):
    global conn
    for attempt in range(2):
        try:
            conn.request(method, "/2018-06-01/runtime" + path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp, data
        except (http.client.HTTPException, ConnectionError):
            if attempt:
                raise
            conn.close()
            conn = http.client.HTTPConnection(API)
CURRENT_REQUEST_ID = ""


def encode_default(o):
    if isinstance(o, decimal.Decimal):
        if o == o.to_integral_value():
            return int(o)
        return float(o)
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


def shown(path):
    if path.startswith(TASK_ROOT + os.sep):
        return SHOWN_ROOT + path[len(TASK_ROOT):]
    return path


def error_body(exc, request_id, error_type=None):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) != BOOTSTRAP_FILE]
    body = {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
    }
    body["requestId"] = request_id or ""
    body["stackTrace"] = [
        '  File "%s", line %d, in %s\n    %s\n' % (shown(f.filename), f.lineno, f.name, (f.line or "").strip())
        for f in frames
    ]
    return body


def log_error(body):
    # One CloudWatch entry: lines joined by carriage returns, indentation as no-break spaces.
    lines = ["[ERROR] %s: %s" % (body["errorType"], body["errorMessage"]) if body["errorMessage"] else "[ERROR] " + body["errorType"]]
    if body.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for entry in body["stackTrace"]:
            for line in entry.splitlines():
                stripped = line.lstrip(" ")
                lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = CURRENT_REQUEST_ID
        return True


def setup_logging():
    # The root logger writes to the function log in Lambda's text format.
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        cc = headers.get("Lambda-Runtime-Client-Context")
        self.client_context = json.loads(cc) if cc else None

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_name, _, func_name = spec.rpartition(".")
    if not module_name or not func_name:
        raise ValueError("Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise_init("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e))
    except SyntaxError as e:
        raise_init("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e))
    fn = getattr(module, func_name, None)
    if fn is None:
        raise_init("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (func_name, module_name))
    return fn


class InitError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def raise_init(error_type, message):
    raise InitError(error_type, message)


def main():
    global CURRENT_REQUEST_ID
    setup_logging()
    sys.path.insert(0, TASK_ROOT)
    try:
        handler = load_handler()
    except InitError as e:
        body = {"errorMessage": str(e), "errorType": e.error_type, "requestId": "", "stackTrace": []}
        log_error(body)
        request("POST", "/init/error", json.dumps(body).encode(), {"Lambda-Runtime-Function-Error-Type": e.error_type})
        sys.exit(1)
    except Exception as e:
        body = error_body(e, "")
        log_error(body)
        request("POST", "/init/error", json.dumps(body).encode(), {"Lambda-Runtime-Function-Error-Type": body["errorType"]})
        sys.exit(1)
    while True:
        resp, data = request("GET", "/invocation/next")
        headers = {k: v for k, v in resp.getheaders()}
        ctx = Context(headers)
        rid = ctx.aws_request_id
        CURRENT_REQUEST_ID = rid
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id", "")
        try:
            event = json.loads(data) if data else {}
            result = handler(event, ctx)
            if isinstance(result, (bytes, bytearray)):
                out = bytes(result)
            else:
                try:
                    out = json.dumps(result, ensure_ascii=not MODERN, default=encode_default).encode("utf-8")
                except (TypeError, ValueError) as e:
                    body = {"errorMessage": "Unable to marshal response: %s" % e, "errorType": "Runtime.MarshalError", "requestId": rid, "stackTrace": []}
                    log_error(body)
                    request("POST", "/invocation/%s/error" % rid, json.dumps(body).encode(), {"Lambda-Runtime-Function-Error-Type": body["errorType"]})
                    continue
        except Exception as e:
            body = error_body(e, rid)
            log_error(body)
            request("POST", "/invocation/%s/error" % rid, json.dumps(body, ensure_ascii=not MODERN).encode("utf-8"), {"Lambda-Runtime-Function-Error-Type": body["errorType"]})
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        request("POST", "/invocation/%s/response" % rid, out)


if __name__ == "__main__":
    main()
