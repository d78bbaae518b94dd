import { AgentCard } from '@a2a-js/sdk';
import type { TemplateView } from '@baton/runtime';

const INPUT_MODES = ['application/json', 'text/plain'];
const OUTPUT_MODES = ['application/json'];

/**
 * A template's agent card (A2A v1.0, the proto JSON form the SDK's clients read): one skill, the
 * template; the JSON-RPC interface at `/a2a/<template>` of `base`; Baton's credentials as its
 * security schemes (an API key in `X-API-Key`, or a key or JWT as a bearer token).
 */
export function templateAgentCard(template: TemplateView, base: string): unknown {
  const definition = template.definition as { description?: unknown; input?: unknown };
  const description = template.description ?? `Runs the Baton workflow template ${template.name}.`;
  const input = definition.input === undefined ? '' : ` Its input (a message's first data part) follows this JSON Schema: ${JSON.stringify(definition.input)}`;
  const card = AgentCard.fromJSON({
    name: template.name,
    description,
    version: String(template.version),
    supportedInterfaces: [{ url: `${base}/a2a/${encodeURIComponent(template.name)}`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: false },
    securitySchemes: {
      apiKey: { apiKeySecurityScheme: { location: 'header', name: 'X-API-Key', description: 'a Baton API key' } },
      bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', bearerFormat: 'JWT', description: 'a Baton API key, or a JWT' } },
    },
    securityRequirements: [{ schemes: { apiKey: { list: [] } } }, { schemes: { bearer: { list: [] } } }],
    defaultInputModes: INPUT_MODES,
    defaultOutputModes: OUTPUT_MODES,
    skills: [{
      id: template.name, name: template.name, description: `${description}${input}`, tags: ['baton', 'workflow'],
      inputModes: INPUT_MODES, outputModes: OUTPUT_MODES,
    }],
  });
  return AgentCard.toJSON(card);
}
