/**
 * strftime(3) for one conversion at a time, as glibc prints it in the C locale: mosquitto_sub
 * hands each `@X` of a -F format to strftime as `%X`, so the CLI needs the same table. Local
 * time, as mosquitto_sub (localtime()). A conversion glibc does not know prints as written.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];

const pad = (n: number, width: number, fill = '0'): string => String(n).padStart(width, fill);

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  const today = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  return Math.round((today.getTime() - start.getTime()) / 86_400_000) + 1;
}

/** ISO 8601 week-based year and week number (%G, %V). */
function isoWeek(d: Date): { year: number; week: number } {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return { year: t.getUTCFullYear(), week: Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7) };
}

/** `+hhmm` / `-hhmm`, the local offset from UTC. */
export function utcOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}${pad(a % 60, 2)}`;
}

function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  const name = part?.value ?? '';
  // glibc prints UTC for the UTC zone where Intl says GMT.
  return d.getTimezoneOffset() === 0 && /^GMT$|^UTC$/.test(name) ? 'UTC' : name;
}

/** What glibc's strftime prints for `%` + `c` at local time `d`. */
export function strftime1(c: string, d: Date): string {
  const h = d.getHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  switch (c) {
    case 'a': return DAYS[d.getDay()].slice(0, 3);
    case 'A': return DAYS[d.getDay()];
    case 'b': case 'h': return MONTHS[d.getMonth()].slice(0, 3);
    case 'B': return MONTHS[d.getMonth()];
    case 'c': return `${strftime1('a', d)} ${strftime1('b', d)} ${pad(d.getDate(), 2, ' ')} ${strftime1('T', d)} ${d.getFullYear()}`;
    case 'C': return pad(Math.floor(d.getFullYear() / 100), 2);
    case 'd': return pad(d.getDate(), 2);
    case 'D': case 'x': return `${pad(d.getMonth() + 1, 2)}/${pad(d.getDate(), 2)}/${pad(d.getFullYear() % 100, 2)}`;
    case 'e': return pad(d.getDate(), 2, ' ');
    case 'F': return `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}`;
    case 'G': return String(isoWeek(d).year);
    case 'g': return pad(isoWeek(d).year % 100, 2);
    case 'H': return pad(h, 2);
    case 'I': return pad(h12, 2);
    case 'j': return pad(dayOfYear(d), 3);
    case 'k': return pad(h, 2, ' ');
    case 'l': return pad(h12, 2, ' ');
    case 'm': return pad(d.getMonth() + 1, 2);
    case 'M': return pad(d.getMinutes(), 2);
    case 'n': return '\n';
    case 'p': return h < 12 ? 'AM' : 'PM';
    case 'P': return h < 12 ? 'am' : 'pm';
    case 'r': return `${pad(h12, 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)} ${strftime1('p', d)}`;
    case 'R': return `${pad(h, 2)}:${pad(d.getMinutes(), 2)}`;
    case 's': return String(Math.floor(d.getTime() / 1000));
    case 'S': return pad(d.getSeconds(), 2);
    case 't': return '\t';
    case 'T': case 'X': return `${pad(h, 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}`;
    case 'u': return String(d.getDay() || 7);
    case 'U': return pad(Math.floor((dayOfYear(d) - 1 + 7 - d.getDay()) / 7), 2);
    case 'V': return pad(isoWeek(d).week, 2);
    case 'w': return String(d.getDay());
    case 'W': return pad(Math.floor((dayOfYear(d) - 1 + 7 - ((d.getDay() + 6) % 7)) / 7), 2);
    case 'y': return pad(d.getFullYear() % 100, 2);
    case 'Y': return String(d.getFullYear());
    case 'z': return utcOffset(d);
    case 'Z': return zoneName(d);
    case '%': return '%';
    default: return `%${c}`;
  }
}
