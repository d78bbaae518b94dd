import { useState } from 'react';

/** The part of JSON Schema the form understands; anything else falls back to a JSON text area. */
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  title?: string;
}

type Simple = 'string' | 'number' | 'integer' | 'boolean';
const SIMPLE = new Set(['string', 'number', 'integer', 'boolean']);
const simpleType = (s: Schema): Simple | undefined => (typeof s.type === 'string' && SIMPLE.has(s.type) ? (s.type as Simple) : undefined);

/** True for an object schema with properties: one form field per property. */
function isFormable(schema: unknown): schema is Schema & { properties: Record<string, Schema> } {
  const s = schema as Schema | undefined;
  return !!s && typeof s === 'object' && (s.type === 'object' || s.type === undefined) && !!s.properties && typeof s.properties === 'object';
}

const initialText = (prop: Schema): string => {
  if (prop.default === undefined) return '';
  return simpleType(prop) ? String(prop.default) : JSON.stringify(prop.default, null, 2);
};

/**
 * A form generated from a template's `input` schema: text, number, checkbox or a choice for
 * simple properties, a JSON text area for the others (and for the whole input when the schema is
 * not an object with properties). `onChange` gets the input, or an Error saying which field is wrong.
 */
export function SchemaForm({ schema, onChange }: { schema: unknown; onChange: (input: unknown) => void }) {
  const formable = isFormable(schema);
  const properties = formable ? Object.entries(schema.properties) : [];
  const [values, setValues] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(properties.map(([name, prop]) => [name, simpleType(prop) === 'boolean' ? prop.default === true : initialText(prop)])));
  const [raw, setRaw] = useState(() => JSON.stringify((schema as Schema | undefined)?.default ?? {}, null, 2));

  if (!formable) {
    return (
      <div className="stack">
        <label htmlFor="input-json">Input (JSON)</label>
        <textarea id="input-json" className="code" rows={6} value={raw} spellCheck={false} onChange={(e) => {
          setRaw(e.target.value);
          try {
            onChange(e.target.value.trim() === '' ? {} : JSON.parse(e.target.value));
          } catch {
            onChange(new Error('the input is not JSON'));
          }
        }} />
      </div>
    );
  }

  const required = new Set((schema as Schema).required ?? []);
  const update = (name: string, value: string | boolean) => {
    const next = { ...values, [name]: value };
    setValues(next);
    onChange(build(properties, required, next));
  };
  return (
    <div className="schema-form">
      {properties.map(([name, prop]) => {
        const id = `field-${name}`;
        const type = simpleType(prop);
        const label = <label htmlFor={id}>{prop.title ?? name}{required.has(name) && <span aria-hidden="true" className="required"> *</span>}</label>;
        const hint = prop.description && <small className="muted">{prop.description}</small>;
        if (type === 'boolean') {
          return (
            <div key={name} className="field checkbox">
              <input id={id} type="checkbox" checked={values[name] === true} onChange={(e) => update(name, e.target.checked)} />
              {label}{hint}
            </div>
          );
        }
        const value = String(values[name] ?? '');
        return (
          <div key={name} className="field">
            {label}
            {prop.enum && type ? (
              <select id={id} value={value} required={required.has(name)} onChange={(e) => update(name, e.target.value)}>
                {!required.has(name) && <option value="">—</option>}
                {prop.enum.map((v) => <option key={String(v)} value={String(v)}>{String(v)}</option>)}
              </select>
            ) : type ? (
              <input id={id} type={type === 'string' ? 'text' : 'number'} step={type === 'integer' ? 1 : 'any'} value={value}
                required={required.has(name)} onChange={(e) => update(name, e.target.value)} />
            ) : (
              <textarea id={id} className="code" rows={3} value={value} spellCheck={false} placeholder="JSON" onChange={(e) => update(name, e.target.value)} />
            )}
            {hint}
          </div>
        );
      })}
    </div>
  );
}

/** The input of the form's values: empty optional fields left out (the schema's defaults apply). */
export function build(properties: Array<[string, Schema]>, required: Set<string>, values: Record<string, string | boolean>): unknown {
  const input: Record<string, unknown> = {};
  for (const [name, prop] of properties) {
    const value = values[name];
    const type = simpleType(prop);
    if (type === 'boolean') {
      input[name] = value === true;
      continue;
    }
    const text = String(value ?? '');
    if (text.trim() === '') {
      if (required.has(name)) return new Error(`${name} is required`);
      continue;
    }
    if (type === 'string') input[name] = text;
    else if (type === 'number' || type === 'integer') {
      const n = Number(text);
      if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) return new Error(`${name} must be ${type === 'integer' ? 'an integer' : 'a number'}`);
      input[name] = n;
    } else {
      try {
        input[name] = JSON.parse(text);
      } catch {
        return new Error(`${name} is not JSON`);
      }
    }
  }
  return input;
}

/** The input a form shows first, before any change. */
export function initialInput(schema: unknown): unknown {
  if (!isFormable(schema)) return (schema as Schema | undefined)?.default ?? {};
  const properties = Object.entries(schema.properties);
  const values = Object.fromEntries(properties.map(([name, prop]) => [name, simpleType(prop) === 'boolean' ? prop.default === true : initialText(prop)]));
  return build(properties, new Set(schema.required ?? []), values);
}
