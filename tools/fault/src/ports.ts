/** Ports of the fault suite's private instances (reserved ranges; see tools/fault/README.md). */
export const privatePorts = {
  postgres: Number(process.env['FAULT_PG_PORT'] ?? 55432),
  /** The TCP proxy in front of PostgreSQL that the partition case controls. */
  postgresProxy: Number(process.env['FAULT_PG_PROXY_PORT'] ?? 55433),
  redis: Number(process.env['FAULT_REDIS_PORT'] ?? 56379),
  kafka: Number(process.env['FAULT_KAFKA_PORT'] ?? 59092),
  kafkaController: Number(process.env['FAULT_KAFKA_CONTROLLER_PORT'] ?? 59093),
};
