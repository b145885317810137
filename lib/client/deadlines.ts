/**
 * The deadline timers of every Client's pump in the process behind one setTimeout: a min-heap
 * of the armed pumps by due time, and one Timeout for the earliest. A connection costs no
 * Timeout of its own (about 200 bytes with its argument array and boxed times; idle memory per
 * connection is benchmarked), only its heap slot, a number kept on the pump.
 *
 * Times are performance.now() values, the base setTimeout counts in. The globals are looked
 * up at each call, as jest's fake timers replace them (performance too); when they change
 * under an armed timer, that timer belongs to the other world and never fires: the heap is
 * then due at once, and each pump arms again from its own clock (a deadline that is not due
 * yet finds nothing to do and re-arms, as an early timer always did).
 */

/** A pump with a deadline: where it sits in the heap (-1: not armed), and what runs when due. */
export interface DeadlineEntry {
  deadlineSlot: number;
  deadlineDue(): void;
}

const entries: DeadlineEntry[] = [];
/** The slot of an entry taken off the heap by fire() whose turn has not run yet. */
const FIRING = -2;
/** Due times (performance.now() ms), parallel to `entries`: plain doubles in one array, no box per entry. */
const dues: number[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;
/** When the armed timer fires, and the setTimeout/clearTimeout it was armed with. */
let timerDue = 0;
let armedWith: typeof setTimeout | null = null;
let clearWith: typeof clearTimeout | null = null;

function perfNow(): number {
  return performance.now();
}

/** Arms `e` to run `delayMs` from now (replacing its earlier deadline, if any). */
export function armDeadline(e: DeadlineEntry, delayMs: number): void {
  if (e.deadlineSlot >= 0) removeAt(e.deadlineSlot);
  const due = perfNow() + delayMs;
  const i = entries.length;
  entries.push(e);
  dues.push(due);
  e.deadlineSlot = i;
  siftUp(i);
  armTimer();
}

/** Disarms `e`; its slot becomes -1. */
export function disarmDeadline(e: DeadlineEntry): void {
  if (e.deadlineSlot === FIRING) e.deadlineSlot = -1;
  if (e.deadlineSlot < 0) return;
  removeAt(e.deadlineSlot);
  // An earlier head that went keeps the timer (it fires early and re-arms); none left: no timer.
  if (entries.length === 0) stopTimer();
}

/** Pumps armed now (specs). */
export function armedDeadlines(): number {
  return entries.length;
}

function removeAt(i: number): void {
  const e = entries[i];
  e.deadlineSlot = -1;
  const last = entries.length - 1;
  const movedE = entries.pop()!;
  const movedDue = dues.pop()!;
  if (i === last) return;
  entries[i] = movedE;
  dues[i] = movedDue;
  movedE.deadlineSlot = i;
  siftDown(i);
  siftUp(movedE.deadlineSlot);
}

function swap(i: number, j: number): void {
  const e = entries[i];
  entries[i] = entries[j];
  entries[j] = e;
  const d = dues[i];
  dues[i] = dues[j];
  dues[j] = d;
  entries[i].deadlineSlot = i;
  entries[j].deadlineSlot = j;
}

function siftUp(i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (dues[p] <= dues[i]) return;
    swap(i, p);
    i = p;
  }
}

function siftDown(i: number): void {
  const n = entries.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) return;
    const r = l + 1;
    const c = r < n && dues[r] < dues[l] ? r : l;
    if (dues[i] <= dues[c]) return;
    swap(i, c);
    i = c;
  }
}

/** Keeps the one timer armed for the head of the heap. */
function armTimer(): void {
  if (entries.length === 0) return;
  const head = dues[0];
  if (timer !== null && armedWith !== setTimeout) {
    // Armed in another timer world (jest's fake timers came or went): it will never fire here.
    clearWith!(timer);
    timer = null;
    const now = perfNow();
    for (let i = 0; i < dues.length; i++) dues[i] = now;
  }
  if (timer !== null && timerDue <= head) return;
  stopTimer();
  const now = perfNow();
  const due = dues[0];
  timerDue = due;
  armedWith = setTimeout;
  clearWith = clearTimeout;
  timer = setTimeout(fire, Math.max(0, Math.ceil(due - now)));
}

function stopTimer(): void {
  if (timer !== null) clearWith!(timer);
  timer = null;
}

/** The timer fired: every pump due by now runs (those armed meanwhile wait for the next timer). */
function fire(): void {
  timer = null;
  const now = Math.max(perfNow(), timerDue);
  const due: DeadlineEntry[] = [];
  while (entries.length > 0 && dues[0] <= now) {
    const e = entries[0];
    due.push(e);
    removeAt(0);
    e.deadlineSlot = FIRING;
  }
  let i = 0;
  try {
    for (; i < due.length; i++) {
      const e = due[i];
      if (e.deadlineSlot !== FIRING) continue; // disarmed (or re-armed) by an earlier one's turn, as clearTimeout would
      e.deadlineSlot = -1;
      e.deadlineDue();
    }
  } finally {
    // A turn that threw (a bug: callbacks never throw out of a turn) must not strand the others.
    for (let j = i + 1; j < due.length; j++) if (due[j].deadlineSlot === FIRING) { due[j].deadlineSlot = -1; armDeadline(due[j], 0); }
    armTimer();
  }
}
