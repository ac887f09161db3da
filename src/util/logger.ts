/**
 * The one logger (pino). Library users get a silent logger unless they pass one; the
 * server and CLI create a real one. Memory content is never logged at info level.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(
  options: {
    level?: string;
    name?: string;
    pretty?: boolean /** File descriptor (2: stderr for the CLI). */;
    fd?: number;
  } = {},
): Logger {
  const settings = {
    name: options.name ?? 'strata',
    level: options.level ?? 'info',
    redact: { paths: ['content', '*.content', 'messages', '*.messages'], censor: '[redacted]' },
  };
  return options.fd === undefined
    ? pino(settings)
    : pino(settings, pino.destination({ fd: options.fd, sync: true }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
