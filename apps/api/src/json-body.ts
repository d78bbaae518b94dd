import express, { type RequestHandler } from 'express';
import { BatonError } from '@baton/core';
import { MAX_DEPTH, nestedDeeperThan } from '@baton/runtime';

const JSON_TYPES = ['application/json', 'application/*+json'];
/** Read as text (a string body): a route that takes a definition parses it; any other refuses a body that is no JSON object. */
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

const SIGNAL_PATH = /^\/v1\/runs\/[^/]+\/signals\/[^/]+\/?$/;
const BATCH_PATH = /^\/v1\/runs\/batch\/?$/;

/** A body is there when it has a length above zero or is chunked; `Content-Length: 0` is no body. */
function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * Reads JSON bodies up to `limit` (`batchLimit` for `POST /v1/runs/batch`, which carries up to
 * 1,000 runs): any other content type with a body is a 415, a body over the limit a 413 and
 * malformed JSON a 400 (both mapped by the error middleware).
 */
export function jsonBody(limit: string, batchLimit: string = limit): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (hasBody(req.headers) && !req.is([...JSON_TYPES, ...YAML_TYPES])) {
      const type = req.get('content-type')?.trim();
      throw new BatonError('UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json', [
        { path: 'Content-Type', message: type ? `${JSON.stringify(type.slice(0, 100))} is not application/json` : 'is missing: send application/json' },
      ]);
    }
    next();
  };
  const limitDepth: RequestHandler = (req, _res, next) => {
    if (nestedDeeperThan(req.body, MAX_DEPTH)) {
      throw new BatonError('VALIDATION_FAILED', `request body is nested deeper than ${MAX_DEPTH} levels`, [
        { path: 'body', message: `nested deeper than ${MAX_DEPTH} levels` },
      ]);
    }
    next();
  };
  const objects = express.json({ limit, type: JSON_TYPES, strict: true });
  // A signal's payload is any JSON value, a bare scalar too; every other body is an object or an array.
  const anyValue = express.json({ limit, type: JSON_TYPES, strict: false });
  const batch = express.json({ limit: batchLimit, type: JSON_TYPES, strict: true });
  const json: RequestHandler = (req, res, next) => {
    if (req.method !== 'POST') return objects(req, res, next);
    return (SIGNAL_PATH.test(req.path) ? anyValue : BATCH_PATH.test(req.path) ? batch : objects)(req, res, next);
  };
  return [requireJson, json, express.text({ limit, type: YAML_TYPES }), limitDepth];
}
