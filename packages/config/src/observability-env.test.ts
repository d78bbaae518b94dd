import { z } from 'zod';
import { observabilityOf, observabilityVars, tracingConfigOf } from './observability-env';

const parse = (env: Record<string, string>) => z.object(observabilityVars).safeParse(env);

describe('tracing and log variables', () => {
  it('turns tracing on with an http(s) endpoint only, with the service name when given', () => {
    expect(tracingConfigOf({})).toBeUndefined();
    expect(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBeUndefined();
    expect(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({ endpoint: 'http://collector:4318', serviceName: undefined });
    expect(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c', OTEL_SERVICE_NAME: 'api-eu' })).toEqual({ endpoint: 'https://c', serviceName: 'api-eu' });
    // a bad value starts no tracing; the app's configuration refuses it, naming it
    expect(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toBeUndefined();
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://c' }).error?.issues[0]).toMatchObject({ path: ['OTEL_EXPORTER_OTLP_ENDPOINT'], message: 'must be a URL starting with http:// or https://' });
  });

  it('reads LOG_FORMAT json or pretty, unset for the default', () => {
    const of = (LOG_FORMAT: string) => {
      const parsed = parse({ LOG_FORMAT });
      return parsed.success ? observabilityOf(parsed.data).logFormat : parsed.error.issues[0]!.message;
    };
    expect([of('json'), of('pretty'), of('')]).toEqual(['json', 'pretty', undefined]);
    expect(of('text')).toBe('must be one of json, pretty');
  });
});
