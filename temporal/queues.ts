/** The two task queues: CPU work (and workflow tasks) and GPU work, scaled independently. */
export const taskQueues = { cpu: 'fait-cpu', gpu: 'fait-gpu' } as const;
export type QueueName = keyof typeof taskQueues;
