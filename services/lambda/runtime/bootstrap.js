// sfnlocal's Node.js runtime bootstrap: the Lambda Runtime API loop for nodejs functions.
// It loads the user's handler (FILE.EXPORT from _HANDLER, relative to LAMBDA_TASK_ROOT), which
// may return a value or a promise, or call the callback, and serves invocations from
// AWS_LAMBDA_RUNTIME_API until the process is stopped.
"use strict";
const http = require("http");
const path = require("path");
const fs = require("fs");

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: "/2018-06-01/runtime" + p, agent, headers: headers || {} }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function errorBody(err) {
  if (!(err instanceof Error)) {
    // A thrown non-Error value is reported by its type, as the AWS Node.js runtime does.
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  }
  return {
    errorType: err.name || "Error",
    errorMessage: err.message,
    trace: String(err.stack || "").split("\n"),
  };
}

async function load() {
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  if (dot < 1) {
    const err = new Error(`Bad handler ${spec}`);
    err.name = "Runtime.MalformedHandlerName";
    throw err;
  }
  const modPath = path.resolve(taskRoot, spec.slice(0, dot));
  const fn = spec.slice(dot + 1);
  let mod;
  let file = null;
  for (const ext of [".js", ".mjs", ".cjs"]) {
    if (fs.existsSync(modPath + ext)) { file = modPath + ext; break; }
  }
  if (file === null) {
    const err = new Error(`Cannot find module '${spec.slice(0, dot)}'`);
    err.name = "Runtime.ImportModuleError";
    throw err;
  }
  if (file.endsWith(".mjs")) {
    mod = await import("file://" + file);
  } else {
    mod = require(file);
  }
  const h = mod[fn];
  if (typeof h !== "function") {
    const err = new Error(`${spec} is undefined or not exported`);
    err.name = "Runtime.HandlerNotFound";
    throw err;
  }
  return h;
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let done = false;
    const cb = (err, result) => {
      if (done) return;
      done = true;
      if (err !== null && err !== undefined) reject(err); else resolve(result);
    };
    try {
      const r = handler(event, context, cb);
      if (r && typeof r.then === "function") r.then((v) => cb(null, v), (e) => cb(e === undefined || e === null ? new Error("null") : e));
    } catch (e) {
      cb(e);
    }
  });
}

async function main() {
  let handler;
  try {
    handler = await load();
  } catch (e) {
    const body = errorBody(e);
    console.error(JSON.stringify(body));
    await call("POST", "/init/error", JSON.stringify(body), { "Lambda-Runtime-Function-Error-Type": body.errorType });
    process.exit(1);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"] || 0);
    const context = {
      awsRequestId: id,
      invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    };
    try {
      const text = next.body.toString("utf8");
      const event = text === "" ? {} : JSON.parse(text);
      const result = await runHandler(handler, event, context);
      const out = JSON.stringify(result === undefined ? null : result);
      await call("POST", `/invocation/${id}/response`, out);
    } catch (e) {
      const body = errorBody(e);
      console.error(`ERROR\tInvoke Error \t${JSON.stringify(body)}`);
      await call("POST", `/invocation/${id}/error`, JSON.stringify(body), { "Lambda-Runtime-Function-Error-Type": body.errorType });
    }
  }
}

main();
