/**
 * Jest setup file: points @hub/testing (createTestWorld, KafkaProbe, startService worlds) at the suite's
 * PRIVATE instances — never the shared ones on 5432/6379/9092. Ports are the ones reserved for the
 * fault suite (PostgreSQL 55432-55440, Redis 56379-56390, Kafka 59092-59099); override with FAULT_*_PORT.
 */
import { privatePorts } from './ports';

process.env['TEST_POSTGRES_URL'] = `postgresql://postgres@127.0.0.1:${privatePorts.postgres}`;
process.env['REDIS_URL'] = `redis://127.0.0.1:${privatePorts.redis}`;
process.env['KAFKA_BROKERS'] = `127.0.0.1:${privatePorts.kafka}`;
