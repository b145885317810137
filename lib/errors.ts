/**
 * Thrown for caller mistakes (bad arguments, bad options), at the call and before any
 * I/O, like Python's `ValueError` in paho. The message names the argument:
 * `qos: must be 0, 1 or 2, got 3`.
 */
export class ValueError extends Error {
  /** An Error named ValueError; `message` names the argument. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ValueError';
  }
}
