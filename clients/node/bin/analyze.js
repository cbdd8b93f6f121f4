#!/usr/bin/env node
'use strict';
/**
 * analyze.js FILE [FILE ...] [--target host:port] [--tls-ca CA.pem] [--token T] [--json]
 * analyze.js history.csv --stream      replay a CSV log epoch by epoch through StreamAnalyze
 *
 * Prints the verdict, the finding to fix first and the other findings (or the diagnosis as
 * JSON). Exit status: 0 diagnosed, 2 the server rejected the input, 4 the server could not be
 * reached or refused the call (the same contract as analyzer-cli).
 */

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { AnalyzerClient, ServiceError } = require('../lib/client');

const USAGE = 'usage: analyze.js FILE [FILE ...] [--target HOST:PORT] [--tls] [--tls-ca CA.pem] '
  + '[--token TOKEN] [--json] [--stream]';

function parse(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      tls: { type: 'boolean' },
      'tls-ca': { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      stream: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { ...values, files: positionals };
}

/** Rows of a CSV log with an epoch column, as [epoch, {metric: value}]. */
function csvPoints(text) {
  const [header, ...rows] = text.trim().split(/\r?\n/).map((line) => line.split(','));
  const stepColumn = header.indexOf('epoch') >= 0 ? header.indexOf('epoch') : header.indexOf('step');
  return rows.map((cells, index) => {
    const values = {};
    header.forEach((name, i) => {
      if (i !== stepColumn) values[name] = Number(cells[i]);
    });
    return [stepColumn >= 0 ? Number(cells[stepColumn]) : index, values];
  });
}

function describe(diagnosis) {
  const verdict = diagnosis.verdict.replace('VERDICT_', '').toLowerCase();
  const lines = [`verdict: ${verdict}`];
  if (diagnosis.primary) {
    lines.push(`fix first: ${diagnosis.primary.code}: ${diagnosis.primary.summary}`);
  }
  for (const finding of diagnosis.findings) {
    const severity = finding.severity.replace('SEVERITY_', '').toLowerCase();
    lines.push(`  ${severity.padEnd(8)} ${finding.code} (confidence ${finding.confidence.toFixed(2)})`);
  }
  lines.push(`epochs: ${diagnosis.summary.epochs}`);
  return lines.join('\n');
}

async function stream(client, file) {
  const live = client.openStream({ runName: file });
  for (const [step, values] of csvPoints(fs.readFileSync(file, 'utf8'))) {
    live.send(step, values);
    for (const update of live.updates()) {
      console.error(`epoch ${step}: ${update.verdict} ${update.findings.map((f) => f.code).join(' ')}`);
    }
  }
  return live.finish();
}

async function main(argv) {
  let args;
  try {
    args = parse(argv);
  } catch (error) {
    console.error(`analyze.js: error: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (args.help || args.files.length === 0) {
    console.error(USAGE);
    return args.help ? 0 : 2;
  }
  const client = new AnalyzerClient({
    target: args.target,
    tls: args.tls,
    tlsCa: args['tls-ca'],
    token: args.token,
  });
  try {
    const diagnosis = args.stream
      ? await stream(client, args.files[0])
      : await client.analyzeFiles(args.files);
    console.log(args.json ? JSON.stringify(diagnosis, null, 2) : describe(diagnosis));
    return 0;
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    console.error(`analyze.js: error: ${error.message}`);
    for (const violation of error.fieldViolations) {
      console.error(`  ${violation.field}: ${violation.description}`);
    }
    return error.codeName === 'INVALID_ARGUMENT' ? 2 : 4;
  } finally {
    client.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

module.exports = { csvPoints, describe, main };
