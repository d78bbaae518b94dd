// What a worker loads (BATON_AGENT_MODULES=./examples/custom-agent/dist/index.js): every export
// must be an agent made with defineAgent.
export { wordCount } from './word-count';
