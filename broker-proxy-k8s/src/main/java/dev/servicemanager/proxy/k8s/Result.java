package dev.servicemanager.proxy.k8s;

/**
 * What a reconcile asks of the operator loop (JOSDK's {@code UpdateControl} idea): look again after the
 * resync period, soon (an operation is running), only when the spec changes, or after a backoff because
 * it failed. A failed result has already been written to the resource's conditions.
 */
record Result(Kind kind, String message) {
  enum Kind { DONE, POLL, WAIT_FOR_CHANGE, RETRY }

  static Result done() {
    return new Result(Kind.DONE, null);
  }

  static Result poll() {
    return new Result(Kind.POLL, null);
  }

  static Result waitForChange(String message) {
    return new Result(Kind.WAIT_FOR_CHANGE, message);
  }

  static Result retry(String message) {
    return new Result(Kind.RETRY, message);
  }
}
