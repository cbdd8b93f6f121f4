'use strict';
// Runs against a real analyzer-server whose address is in ANALYZER_TEST_TARGET
// (tests/clients/test_node_client.py starts one on 127.0.0.1, port 0, and runs `node --test`).

const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, before, after } = require('node:test');
const grpc = require('@grpc/grpc-js');
const { AnalyzerClient, ServiceError, resolveOptions } = require('../lib/client');
const { csvPoints } = require('../bin/analyze');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const KERAS_CSV = path.join(ROOT, 'examples', 'keras_overfitting.csv');
const TARGET = process.env.ANALYZER_TEST_TARGET;

let client;
before(() => {
  assert.ok(TARGET, 'set ANALYZER_TEST_TARGET to a running analyzer-server (host:port)');
  client = new AnalyzerClient({ target: TARGET });
});
after(() => client.close());

test('AnalyzeLog diagnoses the bundled Keras log as overfitting', async () => {
  const diagnosis = await client.analyzeFiles([KERAS_CSV]);
  assert.equal(diagnosis.verdict, 'VERDICT_NEEDS_ATTENTION');
  assert.equal(diagnosis.primary.code, 'OVERFITTING');
  assert.equal(diagnosis.primary.severity, 'SEVERITY_WARNING');
  assert.equal(diagnosis.source_format, 'keras-csv');
  // int64 travels as a string (longs: String); the log has 60 epochs.
  assert.equal(diagnosis.summary.epochs, '60');
  assert.equal(diagnosis.summary.best_epoch, 33);
  const evidence = diagnosis.primary.evidence.map((e) => e.name);
  assert.ok(evidence.length > 0);
});

test('StreamAnalyze sends the run epoch by epoch and ends with the same verdict', async () => {
  const points = csvPoints(fs.readFileSync(KERAS_CSV, 'utf8'));
  const stream = client.openStream({ runName: 'node-live', hints: { num_classes: '10' } });
  const updates = [];
  for (const [step, values] of points) {
    stream.send(step, values);
    updates.push(...stream.updates());
  }
  const final = await stream.finish();
  updates.push(...stream.updates());
  assert.equal(final.verdict, 'VERDICT_NEEDS_ATTENTION');
  assert.equal(final.primary.code, 'OVERFITTING');
  assert.equal(final.run_name, 'node-live');
  assert.equal(final.summary.epochs, String(points.length));
  assert.ok(updates.length > 0, 'updates arrive while the run is streamed');
});

test('a malformed log is INVALID_ARGUMENT naming the file and line', async () => {
  const content = Buffer.from('epoch,loss\n0,1.0\n1,abc\n');
  await assert.rejects(client.analyzeLog([{ name: 'bad.csv', content }]), (error) => {
    assert.ok(error instanceof ServiceError);
    assert.equal(error.codeName, 'INVALID_ARGUMENT');
    assert.match(error.details, /^bad\.csv: line 3: column 'loss'/);
    // the rich details (google.rpc.BadRequest and ErrorInfo) are decoded
    assert.deepEqual(error.fieldViolations.map((v) => v.field), ['files[0].content']);
    assert.match(error.fieldViolations[0].description, /line 3/);
    assert.equal(error.reason, 'MALFORMED_INPUT');
    assert.equal(error.metadata.line, '3');
    return true;
  });
});

test('a step that goes backwards fails the stream', async () => {
  const stream = client.openStream();
  stream.send(2, { loss: 1 });
  stream.send(1, { loss: 0.5 });
  await assert.rejects(stream.finish(), (error) => error.codeName === 'INVALID_ARGUMENT');
});

test('ListDetectors returns the 20 finding codes', async () => {
  const detectors = await client.listDetectors();
  assert.equal(detectors.length, 20);
  assert.ok(detectors.some((d) => d.code === 'NON_FINITE_LOSS' && d.severity === 'SEVERITY_CRITICAL'));
});

test('maxAttempts 1 is a client without retries', async () => {
  const once = new AnalyzerClient({ target: TARGET, maxAttempts: 1 });
  try {
    assert.equal((await once.listDetectors()).length, 20);
  } finally {
    once.close();
  }
});

test('settings come from the environment when no option is given', () => {
  const options = resolveOptions({}, { ANALYZER_TARGET: 'h:1', ANALYZER_TOKEN: 't', ANALYZER_TIMEOUT: '5' });
  assert.deepEqual([options.target, options.token, options.timeout, options.tls], ['h:1', 't', 5, false]);
  assert.equal(resolveOptions({ target: 'x:2' }, { ANALYZER_TARGET: 'h:1' }).target, 'x:2');
  assert.throws(() => resolveOptions({}, { ANALYZER_TLS_CLIENT_CERT: 'c.pem' }), /go together/);
});

test('the example script prints the verdict and exits 0', async () => {
  const script = path.join(__dirname, '..', 'bin', 'analyze.js');
  const output = await new Promise((resolve, reject) => {
    execFile(process.execPath, [script, KERAS_CSV, '--target', TARGET], (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
  assert.match(output, /^verdict: needs_attention\nfix first: OVERFITTING: /);
});

test('a status without readable details keeps its code and message', () => {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from([0xff, 0xff, 0xff]));
  for (const error of [
    { code: grpc.status.UNAVAILABLE, details: 'connection refused' },
    { code: grpc.status.INVALID_ARGUMENT, details: 'bad', metadata },
  ]) {
    const wrapped = new ServiceError(error, 'host:1');
    assert.equal(wrapped.details, error.details);
    assert.deepEqual(wrapped.fieldViolations, []);
    assert.equal(wrapped.reason, null);
  }
});

test('the example script prints the field a rejected file broke and exits 2', async () => {
  const script = path.join(__dirname, '..', 'bin', 'analyze.js');
  const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-')), 'bad.csv');
  fs.writeFileSync(bad, 'epoch,loss\n0,1.0\n1,abc\n');
  const { code, stderr } = await new Promise((resolve) => {
    execFile(process.execPath, [script, bad, '--target', TARGET], (error, _stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stderr }),
    );
  });
  assert.equal(code, 2);
  assert.match(stderr, /INVALID_ARGUMENT .*bad\.csv: line 3/);
  assert.match(stderr, /\n {2}files\[0\]\.content: .*line 3/);
});
