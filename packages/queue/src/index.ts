export type { StepJob } from './step-job';
export { DEFAULT_PREFIX, queueName, agentOfQueue } from './queue-name';
export { stepJobId, parseStepJobId } from './step-job-id';
export { createRedis, redisReady, type RedisRole, type CreateRedisOptions } from './create-redis';
export { BullmqStepQueue, bullmqPriority, type EnqueueRequest, type AgentQueue } from './bullmq-step-queue';
export type { BullmqStepQueueOptions, KeepFinished } from './bullmq-step-queue-options';
export { cancelChannel, publishCancel, subscribeCancel, type CancelMessage, type CancelSubscription, type SubscribeCancelOptions } from './cancel';
export { AgentRegistry, type AgentDescriptor, type AgentSummary, type AgentRegistryOptions } from './agent-registry';
