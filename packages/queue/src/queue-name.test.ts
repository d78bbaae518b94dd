import { agentOfQueue, queueName } from './queue-name';

describe('queueName', () => {
  it('is agent.<name>', () => {
    expect(queueName('echo')).toBe('agent.echo');
    expect(queueName('my-agent.v2')).toBe('agent.my-agent.v2');
  });

  it.each(['', 'a:b'])('refuses %p', (name) => {
    expect(() => queueName(name)).toThrow(RangeError);
  });

  it('is reversed by agentOfQueue', () => {
    expect(agentOfQueue(queueName('echo'))).toBe('echo');
    expect(agentOfQueue('agent.')).toBeUndefined();
    expect(agentOfQueue('reconciler')).toBeUndefined();
  });
});
