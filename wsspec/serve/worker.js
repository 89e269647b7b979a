// Runs inside a Node.js function's worker process (`node worker.js`, cwd = the source dir).
//
// The Node counterpart of worker.py, with the same wire protocol (see its docstring), JSON
// frames only: a 4-byte big-endian length, the tag byte "J", then JSON.
//   child -> parent, once: {"ready": true} or {"ready": false, "error": {...}}
//   parent -> child:       {"event": ..., "requestId": "...", "timeoutMs": N}
//   child -> parent:       {"result": ...} or {"error": {"errorMessage", "errorType", "stackTrace"}}
// Requests that arrive together are queued and run one at a time, in order; each answer is
// written as soon as it exists, and the next request starts only once the answer has left
// this process (so an answer cannot be lost if a later handler kills the process).
//
// No dependencies, and written to load both as CommonJS and as an ES module (builtins come
// through import()). It mirrors what the AWS Lambda Node.js runtime
// (aws-lambda-nodejs-runtime-interface-client) does:
// - the handler file is loaded with import(), so Node's own rules pick CommonJS or ESM
//   (.mjs, .cjs, .js + the nearest package.json "type"); the export is `WSSPEC_HANDLER_ENTRY`
//   (a dotted path is followed, like the runtime's), or the same under `default` for CommonJS;
// - load failures: a syntax error is Runtime.UserCodeSyntaxError, a missing module
//   Runtime.ImportModuleError, a missing or non-function export Runtime.HandlerNotFound, any
//   other error thrown while loading is reported as itself;
// - up to nodejs22.x, a handler is called as (event, context, callback): a returned promise
//   settles the invocation, else the callback does (once the event loop is empty, unless
//   context.callbackWaitsForEmptyEventLoop is false); a handler that does neither ends with a
//   null result when the loop empties (Runtime.NodeJsExit for an async function);
// - from nodejs24.x, handlers are called as (event, context) and the (awaited) return value is
//   the result; a handler declaring 3 parameters fails at start-up with
//   Runtime.CallbackHandlerDeprecated, as Lambda does;
// - an error's errorType/errorMessage/stackTrace are its name, message and stack lines (a thrown
//   non-Error gives typeof and String()); a result JSON.stringify refuses is "Unable to
//   stringify response body" (Runtime.JSONStringifyError from nodejs24.x, Error before);
// - an uncaught exception or unhandled rejection ends the process, like Lambda's runtime
//   restart (the gateway fails the invocation that was running and starts a new process).
// The handler's console.log / process.stdout output goes to stderr, which the gateway relays
// line by line; the protocol uses its own handle on fd 1, which nothing else writes to.
"use strict";

// Before anything can touch process.stdout: make it stderr (console.log binds to it lazily).
Object.defineProperty(process, "stdout", {
  configurable: true,
  enumerable: true,
  get() {
    return process.stderr;
  },
});

const RUNTIME = String(process.env.AWS_EXECUTION_ENV || "").replace(/^AWS_Lambda_/, "");
const NODE_MAJOR = Number((/^nodejs(\d+)/.exec(RUNTIME) || [])[1] || 20);
const MODERN = NODE_MAJOR >= 24; // the runtime without callback handlers
const CALLBACK_DEPRECATED =
  "ERROR: AWS Lambda has removed support for callback-based function handlers starting with " +
  "Node.js 24. You need to modify this function to use a supported handler signature to use " +
  "Node.js 24 or later. For more information see " +
  "https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.";

function errorInfo(err, type) {
  try {
    if (err instanceof Error || (err && typeof err.stack === "string" && typeof err.name === "string")) {
      return {
        errorMessage: String(err.message),
        errorType: type || String(err.name),
        stackTrace: String(err.stack || "").split("\n"),
      };
    }
    return { errorMessage: String(err), errorType: type || typeof err, stackTrace: [] };
  } catch (_e) {
    return {
      errorMessage: "callback called with Error argument, but there was a problem while " +
        "retrieving one or more of its message, name, and stack",
      errorType: "handled",
      stackTrace: [],
    };
  }
}

function logError(what, info) {
  process.stderr.write(`ERROR\t${what}\t${JSON.stringify(info)}\n`);
}

// Inside this worker only, the API's AWS host names (WSSPEC_LOCAL_HOSTS) resolve to the gateway:
// port 443 goes to its TLS port, port 80 to its plain port (WSSPEC_LOCAL_PORTS). dns.lookup
// answers 127.0.0.1 for them, and net/tls connect calls to them get the local port; the AWS SDKs
// (v2 and v3), https.request and fetch all connect through these.
async function resolveLocally() {
  const hosts = String(process.env.WSSPEC_LOCAL_HOSTS || "").split(",").filter(Boolean)
    .map((h) => h.toLowerCase());
  const ports = String(process.env.WSSPEC_LOCAL_PORTS || "").split(",").map(Number);
  if (!hosts.length || ports.length !== 2) return;
  const [plain, secure] = ports;
  const address = process.env.WSSPEC_LOCAL_ADDRESS || "127.0.0.1";
  const family = address.includes(":") ? 6 : 4;
  // The modules' own objects (an ES namespace is read-only); syncBuiltinESMExports() then
  // updates what `import { connect } from "node:tls"` sees.
  const dns = (await import("node:dns")).default;
  const net = (await import("node:net")).default;
  const tls = (await import("node:tls")).default;
  const { syncBuiltinESMExports } = await import("node:module");
  const local = (h) => typeof h === "string" && hosts.includes(h.toLowerCase().replace(/\.$/, ""));
  const answer = (options, callback) => {
    const all = options && typeof options === "object" && options.all;
    if (all) process.nextTick(callback, null, [{ address, family }]);
    else process.nextTick(callback, null, address, family);
  };
  const realLookup = dns.lookup;
  dns.lookup = function lookup(hostname, options, callback) {
    if (!local(hostname)) return realLookup.apply(this, arguments);
    if (typeof options === "function") return answer({}, options);
    return answer(options, callback);
  };
  const realPromise = dns.promises.lookup;
  dns.promises.lookup = function lookup(hostname, options) {
    if (!local(hostname)) return realPromise.apply(this, arguments);
    const all = options && typeof options === "object" && options.all;
    return Promise.resolve(all ? [{ address, family }] : { address, family });
  };
  const localLookup = (hostname, options, callback) =>
    typeof options === "function" ? answer({}, options) : answer(options, callback);
  const mapPort = (port, dflt) => {
    const p = port === undefined || port === null || port === "" ? dflt : Number(port);
    return p === 443 ? secure : p === 80 ? plain : p;
  };
  const patch = (mod, name, dflt) => {
    const real = mod[name];
    mod[name] = function connect(...args) {
      const first = args[0];
      if (first && typeof first === "object" && !Array.isArray(first)) {
        const host = first.host || first.hostname;
        if (local(host)) {
          args[0] = { ...first, host, port: mapPort(first.port, dflt), lookup: localLookup,
            servername: first.servername || host };
        }
      } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
        if (local(args[1])) args[0] = mapPort(first, dflt);
      }
      return real.apply(this, args);
    };
  };
  patch(net, "connect", 80);
  patch(net, "createConnection", 80);
  patch(tls, "connect", 443);
  syncBuiltinESMExports();
}

// console.* as Lambda's Node.js runtime formats it: `timestamp\trequestId\tLEVEL\tmessage` (the
// request id is "undefined" while the handler loads, as there), or one JSON object per call when
// AWS_LAMBDA_LOG_FORMAT=JSON (then AWS_LAMBDA_LOG_LEVEL filters). One call may give several
// lines; the gateway prefixes each with the function's name.
let currentRequestId = "undefined";
async function runtimeConsole() {
  const util = await import("node:util");
  const json = String(process.env.AWS_LAMBDA_LOG_FORMAT || "").toUpperCase() === "JSON";
  const levels = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };
  const wanted = levels[String(process.env.AWS_LAMBDA_LOG_LEVEL || "").toUpperCase()];
  const min = json && wanted !== undefined ? wanted : 0;
  const emit = (level) => (...args) => {
    if (levels[level] < min) return;
    const message = util.format(...args);
    const timestamp = new Date().toISOString();
    process.stderr.write(json
      ? JSON.stringify({ timestamp, level, requestId: currentRequestId, message }) + "\n"
      : `${timestamp}\t${currentRequestId}\t${level}\t${message}\n`);
  };
  console.log = emit("INFO");
  console.info = emit("INFO");
  console.warn = emit("WARN");
  console.error = emit("ERROR");
  console.debug = emit("DEBUG");
  console.trace = emit("TRACE");
}

async function main() {
  const net = await import("node:net");
  const fs = await import("node:fs");
  const path = await import("node:path");
  const { pathToFileURL } = await import("node:url");

  // ---------------------------------------------------------------- the two protocol pipes
  const input = new net.Socket({ fd: 0, readable: true, writable: false });
  const output = new net.Socket({ fd: 1, readable: false, writable: true });
  output.unref(); // pending writes still keep the loop alive; an idle pipe must not
  output.on("error", () => process.exit(1)); // the gateway is gone
  // Nothing else may read the requests.
  const { Readable } = await import("node:stream");
  const noInput = Readable.from([]);
  Object.defineProperty(process, "stdin", { configurable: true, enumerable: true, get: () => noInput });

  /** Write one frame of JSON text; `then` runs once it has left this process (at once, in the
   * next loop turn, when the pipe took all of it). Frames leave in the order written. */
  function sendJson(json, then) {
    const body = Buffer.from("J" + json, "utf8");
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    output.write(Buffer.concat([head, body]));
    if (!then) return;
    if (output.writableLength === 0) setImmediate(then);
    else output.write(Buffer.alloc(0), () => then());
  }

  function send(obj, then) {
    sendJson(JSON.stringify(obj), then);
  }

  // ---------------------------------------------------------------- loading the handler
  function typeModule(dir, top) {
    // The nearest package.json decides what a .js file is (as the runtime's loader checks it);
    // with `top`, only those inside it count (Lambda gets only the source directory).
    for (;;) {
      if (path.basename(dir) === "node_modules") return false;
      if (top && dir !== top && !dir.startsWith(top + path.sep)) return false;
      const pj = path.join(dir, "package.json");
      if (fs.existsSync(pj)) {
        try {
          return JSON.parse(fs.readFileSync(pj, "utf8")).type === "module";
        } catch (_e) {
          return false;
        }
      }
      const up = path.dirname(dir);
      if (up === dir) return false;
      dir = up;
    }
  }

  async function load() {
    const file = process.env.WSSPEC_HANDLER_FILE;
    const entry = process.env.WSSPEC_HANDLER_ENTRY || "handler";
    const ext = path.extname(file);
    const here = ext === ".js" && typeModule(path.dirname(file));
    if (ext === ".js" && here !== typeModule(path.dirname(file), process.env.LAMBDA_TASK_ROOT)) {
      process.stderr.write(`WARNING\t${path.basename(file)} loads here as an ES module because ` +
        `of a package.json above the function's source directory; Lambda, which gets only that ` +
        `directory, loads it as CommonJS: put {"type": "module"} in a package.json inside it, ` +
        `or name the file .mjs\n`);
    }
    let ns;
    try {
      ns = await import(pathToFileURL(file).href);
    } catch (err) {
      if (err instanceof SyntaxError) throw wrap(err, "Runtime.UserCodeSyntaxError");
      if (err && (err.code === "MODULE_NOT_FOUND" || err.code === "ERR_MODULE_NOT_FOUND")) {
        throw wrap(err, "Runtime.ImportModuleError");
      }
      throw err;
    }
    const commonjs = ext === ".cjs" || (ext !== ".mjs" && !here);
    const find = (obj) => entry.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
    let fn = find(ns);
    if (fn === undefined && commonjs) fn = find(ns.default);
    const full = process.env._HANDLER || entry;
    if (fn === undefined || fn === null) {
      throw wrap(new Error(`${full} is undefined or not exported`), "Runtime.HandlerNotFound");
    }
    if (typeof fn !== "function") {
      throw wrap(new Error(`${full} is not a function`), "Runtime.HandlerNotFound");
    }
    if (MODERN && fn.length >= 3) {
      throw wrap(new Error(CALLBACK_DEPRECATED), "Runtime.CallbackHandlerDeprecated");
    }
    return fn;
  }

  function wrap(err, type) {
    const out = new Error(type === "Runtime.HandlerNotFound" || type === "Runtime.CallbackHandlerDeprecated"
      ? err.message : String(err));
    out.name = type;
    out.stack = err.stack ? `${type}: ${out.message}\n${String(err.stack).split("\n").slice(1).join("\n")}`
      : `${type}: ${out.message}`;
    return out;
  }

  await resolveLocally();
  await runtimeConsole();

  // ---------------------------------------------------------------- the invocation loop
  const env = process.env;
  const fixed = {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME || "",
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION || "$LATEST",
    invokedFunctionArn: env.WSSPEC_FUNCTION_ARN || "",
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || "128",
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME || "",
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME || "wsspec-serve",
  };

  let handler = null;
  let initError = null;
  try {
    handler = await load();
  } catch (err) {
    initError = errorInfo(err);
    logError("Uncaught Exception", initError);
  }

  const queue = [];
  let current = null; // the invocation running: {finish(reply), onEmpty()}
  let inputEnded = false;

  function next() {
    if (current) return;
    if (!queue.length) {
      if (inputEnded) process.exit(0);
      input.ref(); // wait for the next request
      return;
    }
    input.unref(); // while a handler runs, only its own work keeps the loop alive
    run(queue.shift());
  }

  function run(msg) {
    const inv = {
      done: false,
      onEmpty: null,
      finish(json) {
        if (inv.done) return;
        inv.done = true;
        inv.onEmpty = null;
        sendJson(json, () => {
          current = null;
          next();
        });
      },
    };
    current = inv;
    const fail = (err) => {
      const info = errorInfo(err);
      logError("Invoke Error", info);
      inv.finish(JSON.stringify({ error: info }));
    };
    const succeed = (result) => {
      let json;
      try {
        json = JSON.stringify(result === undefined ? null : result);
      } catch (_e) {
        json = undefined;
      }
      if (json === undefined) { // a throwing toJSON/BigInt/cycle, or a function/symbol result
        const err = new Error("Unable to stringify response body");
        if (MODERN) err.name = "Runtime.JSONStringifyError";
        fail(err);
        return;
      }
      inv.finish(`{"result":${json}}`);
    };
    if (msg.bad) {
      fail(new Error(msg.bad));
      return;
    }
    if (!handler) {
      inv.finish(JSON.stringify({ error: initError }));
      return;
    }
    currentRequestId = String(msg.requestId || "");
    const deadline = Date.now() + Number(msg.timeoutMs || 3000);
    let waitForEmptyEventLoop = true;
    const context = {
      ...fixed,
      awsRequestId: String(msg.requestId || ""),
      identity: undefined,
      clientContext: undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(v) {
        waitForEmptyEventLoop = v;
      },
    };
    // What the runtime does when the event loop empties before the invocation ended.
    const isAsync = handler.constructor && handler.constructor.name === "AsyncFunction";
    inv.onEmpty = () => {
      if (isAsync || MODERN) {
        const err = new Error("The event loop emptied before the handler's promise settled " +
          "(a promise that is never resolved?)");
        err.name = "Runtime.NodeJsExit";
        fail(err);
      } else {
        succeed(null); // a callback handler that never called back
      }
    };
    if (MODERN) {
      Promise.resolve()
        .then(() => handler(msg.event, context))
        .then(succeed, fail);
      return;
    }
    // Only the first of callback / done / succeed / fail counts.
    let called = false;
    const once = (f) => (...args) => {
      if (called) return;
      called = true;
      f(...args);
    };
    const settle = (err, result) => {
      if (err !== undefined && err !== null) fail(err);
      else succeed(result);
    };
    const callback = once((err, result) => {
      if ((err !== undefined && err !== null) || !waitForEmptyEventLoop) settle(err, result);
      else inv.onEmpty = () => setImmediate(() => settle(err, result));
    });
    context.done = once(settle);
    context.succeed = once((result) => settle(null, result));
    context.fail = once((err) => settle(err === undefined || err === null ? "handled" : err, null));
    try {
      const result = handler(msg.event, context, callback);
      if (result && typeof result.then === "function") {
        result.then(context.succeed, context.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  process.on("beforeExit", () => {
    if (current && current.onEmpty) {
      const f = current.onEmpty;
      current.onEmpty = null;
      f();
    } else if (!current) {
      next();
    }
  });

  // Like the Lambda runtime: an uncaught exception or unhandled rejection ends the process (the
  // gateway starts a fresh one). The invocation running is not answered: the gateway sees the
  // exit and fails it (Runtime.ExitError) -- an answer followed by an exit would let the gateway
  // hand the next request to a process about to die. The error is logged here, on stderr.
  function crash(info, code) {
    logError("Uncaught Exception", info);
    current = { done: true, onEmpty: null, finish() {} }; // nothing else starts
    input.pause();
    output.write(Buffer.alloc(0), () => process.exit(code)); // after any answer in the pipe
  }
  process.on("uncaughtException", (err) => crash(errorInfo(err), 129));
  process.on("unhandledRejection", (reason) => {
    const info = errorInfo(reason);
    info.errorType = "Runtime.UnhandledPromiseRejection";
    info.errorMessage = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    crash(info, 128);
  });

  // ---------------------------------------------------------------- reading requests
  let buf = Buffer.alloc(0);
  input.on("data", (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let pos = 0;
    while (buf.length - pos >= 4) {
      const n = buf.readUInt32BE(pos);
      if (buf.length - pos < 4 + n) break;
      const tag = buf[pos + 4];
      const raw = buf.toString("utf8", pos + 5, pos + 4 + n);
      pos += 4 + n;
      if (tag !== 0x4a) {
        queue.push({ bad: "only JSON frames are understood by the Node.js worker" });
      } else {
        queue.push(JSON.parse(raw));
      }
    }
    if (pos) buf = buf.subarray(pos);
    next();
  });
  input.on("end", () => {
    inputEnded = true;
    next();
  });
  input.on("error", () => process.exit(1));

  send(initError ? { ready: false, error: initError } : { ready: true });
  next();
}

main().catch((err) => {
  process.stderr.write(`wsspec worker: ${err && err.stack ? err.stack : err}\n`);
  process.exit(70);
});
