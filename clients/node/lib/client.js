'use strict';
/**
 * Node.js client of the loss-analyzer gRPC service (analyzer.api.v1.AnalyzerService).
 *
 * The .proto files are read at runtime from the repository's proto/ directory with
 * @grpc/proto-loader: nothing is generated, so the client follows the API as it is. Messages are
 * plain objects with the proto's snake_case field names (the same names as the CLI's JSON),
 * enums as their names ("VERDICT_FAILING"), int64 as strings (`longs: String`, so no precision
 * is lost), and absent optional numbers left out.
 *
 * Settings come from the options or the same environment variables as the Python client:
 * ANALYZER_TARGET, ANALYZER_TLS, ANALYZER_TLS_CA, ANALYZER_TLS_CLIENT_CERT,
 * ANALYZER_TLS_CLIENT_KEY, ANALYZER_TOKEN, ANALYZER_TIMEOUT. Unary calls that fail with
 * UNAVAILABLE are retried by grpc-js (exponential backoff with jitter, service config); nothing
 * else is retried, and streams never are.
 */

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const PROTO_ROOT = path.resolve(__dirname, '..', '..', '..', 'proto');
const SERVICE_FILE = 'analyzer/api/v1/analyzer_service.proto';
const SERVICE_NAME = 'analyzer.api.v1.AnalyzerService';
const DEFAULT_TARGET = '127.0.0.1:50051';
const DEFAULT_TIMEOUT_S = 60;

const LOADER_OPTIONS = {
  keepCase: true, // snake_case, as in the proto and the CLI's JSON
  longs: String, // int64 as decimal strings
  enums: String,
  defaults: false, // absent optional fields stay absent
  arrays: true, // repeated fields are always arrays
  oneofs: true,
};

/** The AnalyzerService constructor, loaded from `protoRoot` (default: the repository's proto/). */
function loadService(protoRoot = PROTO_ROOT) {
  const definition = protoLoader.loadSync(SERVICE_FILE, {
    ...LOADER_OPTIONS,
    includeDirs: [protoRoot],
  });
  return grpc.loadPackageDefinition(definition).analyzer.api.v1.AnalyzerService;
}

/**
 * The service config: UNAVAILABLE retried on every unary method of `Service` (read from the
 * proto, so a new method is retried too; streams never are). maxAttempts 1 means no retry:
 * grpc-js rejects a retry policy of fewer than 2 attempts.
 */
function serviceConfig(Service, maxAttempts) {
  const name = Object.entries(Service.service)
    .filter(([, method]) => !method.requestStream && !method.responseStream)
    .map(([method]) => ({ service: SERVICE_NAME, method }));
  const methodConfig = { name };
  if (maxAttempts > 1) {
    methodConfig.retryPolicy = {
      maxAttempts,
      initialBackoff: '0.2s',
      maxBackoff: '5s',
      backoffMultiplier: 2,
      retryableStatusCodes: ['UNAVAILABLE'],
    };
  }
  return JSON.stringify({ methodConfig: [methodConfig] });
}

function readPem(value) {
  return value ? fs.readFileSync(value) : null;
}

/** Options merged with the ANALYZER_* environment variables (options win). */
function resolveOptions(options = {}, env = process.env) {
  const tlsCa = options.tlsCa ?? env.ANALYZER_TLS_CA;
  const tlsCert = options.tlsCert ?? env.ANALYZER_TLS_CLIENT_CERT;
  const tlsKey = options.tlsKey ?? env.ANALYZER_TLS_CLIENT_KEY;
  if (Boolean(tlsCert) !== Boolean(tlsKey)) {
    throw new Error('a client certificate and its key go together (mutual TLS)');
  }
  const tlsFlag = options.tls ?? ['1', 'true', 'yes', 'on'].includes((env.ANALYZER_TLS || '').toLowerCase());
  const timeout = options.timeout ?? (env.ANALYZER_TIMEOUT ? Number(env.ANALYZER_TIMEOUT) : DEFAULT_TIMEOUT_S);
  if (!Number.isFinite(timeout) || timeout < 0) {
    throw new Error(`ANALYZER_TIMEOUT must be a number of seconds, got ${env.ANALYZER_TIMEOUT}`);
  }
  return {
    target: options.target || env.ANALYZER_TARGET || DEFAULT_TARGET,
    tls: Boolean(tlsFlag || tlsCa || tlsCert),
    tlsCa,
    tlsCert,
    tlsKey,
    token: options.token ?? env.ANALYZER_TOKEN ?? null,
    timeout, // seconds; 0 = no deadline
    maxAttempts: options.maxAttempts ?? 5,
  };
}

/**
 * The rich error model the server sends in the `grpc-status-details-bin` trailer
 * (google.rpc.Status with BadRequest and ErrorInfo details), declared here rather than loaded
 * from googleapis' .proto files, which the repository does not carry: three small messages.
 */
const RICH_ERRORS = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            BadRequest: {
              fields: { field_violations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
              nested: {
                FieldViolation: {
                  fields: { field: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } },
                },
              },
            },
            ErrorInfo: {
              fields: {
                reason: { type: 'string', id: 1 },
                domain: { type: 'string', id: 2 },
                metadata: { keyType: 'string', type: 'string', id: 3 },
              },
            },
          },
        },
      },
    },
  },
});
const STATUS = RICH_ERRORS.lookupType('google.rpc.Status');
const BAD_REQUEST = RICH_ERRORS.lookupType('google.rpc.BadRequest');
const ERROR_INFO = RICH_ERRORS.lookupType('google.rpc.ErrorInfo');

/**
 * The field violations and ErrorInfo of a failed call's status details; empty when the server
 * sent none (e.g. UNAVAILABLE from the transport) or they cannot be read.
 */
function richDetails(error) {
  const found = { fieldViolations: [], reason: null, domain: null, metadata: {} };
  const raw = error.metadata ? error.metadata.get('grpc-status-details-bin')[0] : undefined;
  if (!raw) return found;
  try {
    for (const any of STATUS.decode(raw).details) {
      if (any.type_url.endsWith('/google.rpc.BadRequest')) {
        found.fieldViolations = BAD_REQUEST.decode(any.value).field_violations.map((v) => ({
          field: v.field,
          description: v.description,
        }));
      } else if (any.type_url.endsWith('/google.rpc.ErrorInfo')) {
        const info = ERROR_INFO.decode(any.value);
        Object.assign(found, { reason: info.reason, domain: info.domain, metadata: { ...info.metadata } });
      }
    }
  } catch {
    // Unreadable details must not hide the status code and message.
  }
  return found;
}

/**
 * A failed call: the gRPC status code (number and name), the server's message, and its rich
 * details: `fieldViolations` ([{field, description}], e.g. `files[0].content`) and the
 * ErrorInfo `reason` (e.g. PARSE_ERROR), `domain` and `metadata`.
 */
class ServiceError extends Error {
  constructor(error, target) {
    const codeName = Object.keys(grpc.status).find((k) => grpc.status[k] === error.code) || 'UNKNOWN';
    super(`${codeName} (${target}): ${error.details || error.message}`);
    this.name = 'ServiceError';
    this.code = error.code;
    this.codeName = codeName;
    this.details = error.details || error.message;
    Object.assign(this, richDetails(error));
  }
}

class AnalyzerClient {
  /**
   * @param {object} [options] target, tls, tlsCa, tlsCert, tlsKey (paths), token, timeout
   *   (seconds), maxAttempts; each defaults to its ANALYZER_* variable.
   */
  constructor(options = {}) {
    this.options = resolveOptions(options);
    const o = this.options;
    const credentials = o.tls
      ? grpc.credentials.createSsl(readPem(o.tlsCa), readPem(o.tlsKey), readPem(o.tlsCert))
      : grpc.credentials.createInsecure();
    const Service = loadService(options.protoRoot);
    this.stub = new Service(o.target, credentials, {
      'grpc.service_config': serviceConfig(Service, o.maxAttempts),
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  close() {
    this.stub.close();
  }

  metadata() {
    const metadata = new grpc.Metadata();
    if (this.options.token) metadata.set('authorization', `Bearer ${this.options.token}`);
    return metadata;
  }

  callOptions(timeout) {
    const seconds = timeout ?? this.options.timeout;
    return seconds ? { deadline: new Date(Date.now() + seconds * 1000) } : {};
  }

  unary(method, request, timeout) {
    return new Promise((resolve, reject) => {
      this.stub[method](request, this.metadata(), this.callOptions(timeout), (error, response) =>
        error ? reject(new ServiceError(error, this.options.target)) : resolve(response),
      );
    });
  }

  /** Diagnose one run from its files: [{name, content: Buffer}]. Resolves to a Diagnosis. */
  async analyzeLog(files, { format, hints, timeout } = {}) {
    const request = { files, hints: hints || {} };
    if (format) request.format = format;
    return (await this.unary('AnalyzeLog', request, timeout)).diagnosis;
  }

  /** Diagnose one run from file paths (read here, sent by name). */
  analyzeFiles(paths, options = {}) {
    const files = paths.map((p) => ({ name: p, content: fs.readFileSync(p) }));
    return this.analyzeLog(files, options);
  }

  /** Diagnose series: {loss: [..], val_loss: [..]} (steps 0, 1, ...). */
  async analyzeSeries(series, { runName, hints, timeout } = {}) {
    const request = {
      series: Object.entries(series).map(([metric, values]) => ({ metric, values })),
      hints: hints || {},
    };
    if (runName) request.run_name = runName;
    return (await this.unary('AnalyzeSeries', request, timeout)).diagnosis;
  }

  async listDetectors({ timeout } = {}) {
    return (await this.unary('ListDetectors', {}, timeout)).detectors;
  }

  /** A live stream: send points, read updates, finish for the final diagnosis. */
  openStream({ runName, hints, granularity = 'GRANULARITY_EPOCH' } = {}) {
    return new LiveStream(this, { run_name: runName, hints: hints || {}, granularity });
  }
}

class LiveStream {
  constructor(client, start) {
    this.target = client.options.target;
    this.pending = [];
    this.error = null;
    this.call = client.stub.StreamAnalyze(client.metadata());
    this.finalDiagnosis = new Promise((resolve, reject) => {
      let final = null;
      this.call.on('data', (response) => {
        if (response.final) final = response.diagnosis;
        else this.pending.push(response.diagnosis);
      });
      this.call.on('error', (error) => {
        this.error = new ServiceError(error, this.target);
        reject(this.error);
      });
      this.call.on('end', () => {
        if (final) resolve(final);
        else if (!this.error) reject(new Error('the stream ended without a final diagnosis'));
      });
    });
    this.finalDiagnosis.catch(() => {}); // surfaced by send() or finish()
    this.call.write({ start });
  }

  /** One epoch's metrics: send(3, {loss: 0.4, val_loss: 0.5}). */
  send(step, values) {
    if (this.error) throw this.error;
    this.call.write({ points: { points: [{ step, values }] } });
  }

  /** Diagnoses received since the last call (never waits). */
  updates() {
    const updates = this.pending;
    this.pending = [];
    return updates;
  }

  /** Close the sending side; resolves to the final diagnosis. */
  finish() {
    this.call.end();
    return this.finalDiagnosis;
  }
}

module.exports = { AnalyzerClient, LiveStream, ServiceError, loadService, resolveOptions, PROTO_ROOT };
