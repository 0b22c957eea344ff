package dev.servicemanager.server.instances;

import dev.servicemanager.server.osb.OsbOutcome;
import dev.servicemanager.server.osb.OsbOutcome.Answer;

/**
 * What a broker's answer to a create, update or delete means, read from OSB 2.17's
 * orphan-mitigation table (§5) in one place for instances and bindings alike. The handlers add
 * only what is particular to their resource (which row to delete, where to poll).
 */
enum BrokerVerdict {
  /** Done synchronously. */
  SUCCEEDED,
  /** Accepted asynchronously: poll last_operation. */
  ACCEPTED,
  /** Not processed now; the same request may succeed later (backoff or the broker's Retry-After). */
  RETRY,
  /** Failed; nothing was created (or, for a delete, the broker refuses): no orphan mitigation. */
  FAILED,
  /** Failed in a way that may have left the resource at the broker: delete it there. */
  MITIGATE;

  /**
   * How many times in all a create or update that the broker did not take (408, 429, 422
   * ConcurrencyError) is sent before the operation fails: the user waits for these, unlike for deletes, which are
   * retried until the reconciliation timeout.
   */
  static final int MAX_REJECTED_ATTEMPTS = 5;

  static BrokerVerdict ofCreate(OsbOutcome outcome, int attempts) {
    if (outcome instanceof OsbOutcome.NoAnswer none) {
      // Never connected: nothing can exist. A timeout or a broken answer: it may.
      return none.mayHaveReachedBroker() ? MITIGATE : FAILED;
    }
    Answer a = (Answer) outcome;
    int status = a.status();
    if ((status == 200 || status == 201) && !a.malformed()) {
      return SUCCEEDED;
    }
    if (status == 202 && !a.malformed()) {
      return ACCEPTED;
    }
    if (notTaken(a)) {
      return attempts + 1 < MAX_REJECTED_ATTEMPTS ? RETRY : FAILED;
    }
    // 5xx, a malformed 2xx, or any other 2xx
    return status >= 500 || (status >= 200 && status < 300) ? MITIGATE : FAILED;
  }

  static BrokerVerdict ofUpdate(OsbOutcome outcome, int attempts) {
    if (!(outcome instanceof Answer a)) {
      return FAILED;
    }
    if (a.status() == 200 && !a.malformed()) {
      return SUCCEEDED;
    }
    if (a.status() == 202 && !a.malformed()) {
      return ACCEPTED;
    }
    if (notTaken(a)) {
      return attempts + 1 < MAX_REJECTED_ATTEMPTS ? RETRY : FAILED;
    }
    return FAILED;
  }

  /** Deprovision, unbind and their orphan-mitigation repeats. */
  static BrokerVerdict ofDelete(OsbOutcome outcome) {
    if (!(outcome instanceof Answer a)) {
      return RETRY;
    }
    int status = a.status();
    if ((status == 200 && !a.malformed()) || status == 410) {
      return SUCCEEDED;
    }
    if (status == 202 && !a.malformed()) {
      return ACCEPTED;
    }
    if (notTaken(a) || status >= 500 || (status > 200 && status < 300)) {
      return RETRY;
    }
    // other 4xx: the broker refuses, and asking again will not change that; a 200 with a broken body
    return FAILED;
  }

  private static boolean notTaken(Answer a) {
    return a.status() == 408 || a.status() == 429 || a.concurrencyError();
  }
}
