/**
 * Child-process probe for the process-TZ independence spec: reads `{ cases: [{ spec, t }] }` JSON on stdin,
 * prints `{ offset, answers }` where `offset` is this process's UTC offset in January 2027 (proof that TZ took
 * effect) and `answers` the schedule's isOpen / nextOpening / openIntervals per case.
 * Run: `TZ=Asia/Kolkata node -r @swc-node/register libs/scheduling/src/testing/tz-probe.ts < cases.json`.
 */
import { BusinessHours } from '../business-hours';

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { cases } = JSON.parse(input) as { cases: Array<{ spec: unknown; t: number }> };
  const answers = cases.map(({ spec, t }) => {
    const bh = BusinessHours.from(spec);
    return [bh.isOpen(t), bh.nextOpening(t), bh.openIntervals(t, t + 7 * 86_400_000)];
  });
  process.stdout.write(
    JSON.stringify({ offset: new Date('2027-01-15T12:00:00Z').getTimezoneOffset(), answers }),
  );
});
