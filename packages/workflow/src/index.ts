export * from './definition';
export * from './template';
export * from './compiled-workflow';
