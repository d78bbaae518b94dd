import { BatonError } from '@baton/core';
import { MAX_DEPTH, nestedDeeperThan, type CheckDeps } from '@baton/runtime';
import { underField } from './problem-path';

/**
 * The submission a body stands for. A JSON body is one already. A YAML body (`application/yaml`,
 * `text/yaml`: a string here) is read within the YAML limits, off the event loop, and is either a
 * whole submission (a mapping with a `workflow` or `template` key, the same fields as the JSON
 * body) or only a workflow definition, submitted with no input.
 * @throws BatonError VALIDATION_FAILED: not YAML, over the limits, or nested too deep (paths under `body`)
 */
export async function submissionOf(body: unknown, deps: Pick<CheckDeps, 'readDefinition' | 'limits'>): Promise<unknown> {
  if (typeof body !== 'string') return body;
  const read = deps.readDefinition;
  if (!read) throw new Error('submissionOf needs a definition reader');
  const parsed = await read(body, { maxYamlNodes: deps.limits?.maxYamlNodes });
  if (!parsed.ok) {
    throw new BatonError('VALIDATION_FAILED', 'the body is not a valid YAML document', parsed.problems.map((p) => ({ path: underField('body', p.path), message: p.message })));
  }
  const doc = parsed.definition;
  if (nestedDeeperThan(doc, MAX_DEPTH)) {
    throw new BatonError('VALIDATION_FAILED', `request body is nested deeper than ${MAX_DEPTH} levels`, [{ path: 'body', message: `nested deeper than ${MAX_DEPTH} levels` }]);
  }
  const isSubmission = typeof doc === 'object' && doc !== null && !Array.isArray(doc) && ('workflow' in doc || 'template' in doc);
  return isSubmission ? doc : { workflow: doc };
}
